import { createRequire } from 'node:module';

/**
 * Repair of mojibake: UTF-8 text that was decoded as Windows-1252 or Latin-1 somewhere upstream and
 * saved again as UTF-8 ("doesnâ€™t", "cafÃ©", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚"). The bytes are valid UTF-8, so no
 * charset evidence can catch it: 2-4% of the 2,008 pages of 2025-2026 in WCXB
 * (docs/extraction.md) are such pages, and their words reach the tokenizer, the dedup shingles and
 * the quality filters as nonsense. Repaired by ftfy's fix_encoding (ftfy-js, a TypeScript port of
 * python-ftfy 6.3.1, the repair web-text pipelines run), which changes a text only where its
 * heuristic finds a sequence that is far likelier mojibake than text; curly quotes, dashes and
 * accents written as such stay as they are.
 */

/**
 * A character that begins a UTF-8 sequence of two to four bytes read as Windows-1252 or Latin-1
 * (U+00C2-U+00F4, "Â" to "ô"), followed by one that a continuation byte reads as (U+0080-U+00BF, or
 * Windows-1252's characters for 0x80-0x9F). Text without such a pair has no mojibake of this kind,
 * and almost no text has one: ftfy (about 160 ms to load, a few MB/s) is run only on texts that do.
 */
const MOJIBAKE_PAIR =
  /[\u00C2-\u00F4][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018\u2019\u201A\u201C\u201D\u201E\u2020-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]/;

type FixEncoding = (text: string) => string;
let fixEncoding: FixEncoding | undefined;

/** The text with its mojibake repaired, and whether anything changed. */
export function repairMojibake(text: string): { text: string; repaired: boolean } {
  if (!MOJIBAKE_PAIR.test(text)) return { text, repaired: false };
  fixEncoding ??= (createRequire(import.meta.url)('ftfy-js') as { fix_encoding: FixEncoding }).fix_encoding;
  const fixed = fixEncoding(text);
  return fixed === text ? { text, repaired: false } : { text: fixed, repaired: true };
}
