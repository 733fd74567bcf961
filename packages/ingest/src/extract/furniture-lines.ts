/**
 * Lines that are page furniture whatever element holds them: an ad slot's
 * label, a share bar's or a comment form's words, a teaser block's heading.
 * Markup does not always say so (an ad label in a bare <div> inside the
 * article, a "Comments" heading above a thread the extractor kept), but the
 * line alone does: a line holding nothing else is never article prose.
 * jusText and trafilatura keep similar lists. Compared whole, lower-cased,
 * without trailing punctuation; in the languages of the web's largest
 * shares.
 */
const FURNITURE_LINES = new Set([
  // advertising labels
  'advertisement', 'advertisements', 'advert', 'adverts', 'ad', 'ads', 'sponsored', 'sponsored content', 'paid content',
  'anzeige', 'werbung', 'publicidad', 'publicidade', 'publicité', 'pubblicità', 'advertentie', 'reklama', 'reklam', 'iklan',
  'реклама', '广告', '広告', '광고', 'quảng cáo',
  // navigation aids
  // (not "menu", "close", "print" or "email": a recipe has a menu, a contact list an email line, code a close)
  'skip to content', 'skip to main content', 'skip navigation', 'back to top', 'toggle navigation',
  // sharing
  'share', 'share this', 'share this article', 'share this story', 'share on facebook', 'share on twitter', 'tweet', 'pin it',
  // comment forms and headings
  'comments', 'comment', 'leave a reply', 'leave a comment', 'post a comment', 'add a comment', 'reply', 'join the conversation',
  'kommentare', 'commentaires', 'commenti', 'comentarios', 'comentários', 'deixe uma resposta', 'deja una respuesta', 'responder',
  'комментарии',
  // teaser blocks and sign-ups
  'you may also like', 'you might also like', 'related', 'related articles', 'related posts', 'related stories', 'read more',
  'read next', 'more stories', 'recommended', 'recommended for you', 'most popular', 'most read', 'trending', 'popular posts',
  'subscribe', 'sign up', 'follow us', 'newsletter',
]);

/** Trailing characters ignored when a line is compared: "Comments:", "Advertisement…", "Read more »". */
const TRAILING = /[\s:.…»›>|-]+$/u;

/** Lines longer than this are never compared (every entry above is shorter). */
const LONGEST = 40;

/**
 * A dateline: "Published Nov 18, 2019 at 4:07 PM | Updated at 5:36 PM",
 * "UPDATED: 11:05, Tue, Nov 19, 2019". It starts with the word and holds a
 * time or a month and a year, so "Published in 1998, the novel sold..." stays.
 */
const DATELINE_START = /^(?:first |last |originally )?(?:published|updated|posted|modified)\b/i;
const DATELINE_DATE =
  /\b\d{1,2}[:.]\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+\d{4}\b|\b\d{4}-\d{2}-\d{2}\b/i;
const LONGEST_DATELINE = 120;

function isFurnitureLine(line: string): boolean {
  if (line.length <= LONGEST && FURNITURE_LINES.has(line.trim().replace(TRAILING, '').toLowerCase())) return true;
  if (line.length > LONGEST_DATELINE) return false;
  const trimmed = line.trim();
  return DATELINE_START.test(trimmed) && DATELINE_DATE.test(trimmed);
}

/** `text` without its furniture lines and datelines; blank-line paragraph breaks stay single. */
export function dropFurnitureLines(text: string): string {
  // Most lines are longer than any furniture line: find the short ones without splitting the text.
  let out: string[] | null = null;
  let keptFrom = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start <= LONGEST_DATELINE && isFurnitureLine(text.slice(start, end))) {
      (out ??= []).push(text.slice(keptFrom, start));
      keptFrom = end + 1;
    }
    start = end + 1;
  }
  if (out === null) return text;
  out.push(text.slice(keptFrom));
  return out.join('').replace(/\n{3,}/g, '\n\n').replace(/^\n+|\n+$/g, '');
}
