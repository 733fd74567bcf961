/**
 * Text as the classifier sees it, the same at training and at prediction:
 * one line (fastText reads one example per line), lower case, punctuation
 * split from words so "great!" and "great" share a token, and at most
 * `maxChars` characters so a 10 MB document costs no more than a long one.
 */
export function normalizeForFastText(text: string, maxChars = 100_000): string {
  const clipped = text.length > maxChars ? text.slice(0, maxChars) : text;
  return clipped
    .toLowerCase()
    .replace(/([.,!?;:()"[\]{}<>«»“”])/g, ' $1 ')
    .replace(/[\s\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ')
    .trim();
}

/** Text for language identification: one line, case kept (lid.176 was trained on raw text). */
export function oneLine(text: string, maxChars = 100_000): string {
  const clipped = text.length > maxChars ? text.slice(0, maxChars) : text;
  return clipped.replace(/[\s\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').trim();
}
