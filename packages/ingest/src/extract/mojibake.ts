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
 * and almost no text has one: ftfy (a few MB/s) is run only on texts that do.
 */
const MOJIBAKE_PAIR =
  /[\u00C2-\u00F4][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018\u2019\u201A\u201C\u201D\u201E\u2020-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]/;

/**
 * What marks a line for repair: a MOJIBAKE_PAIR, or "Â" or "Ã" before a space, which is what a
 * no-break space (C2 A0) or "à" (C3 A0) read as Windows-1252 leaves once the no-break space has been
 * rendered as a space ("USD perÂ month", "voilÃ  tout"), or at the end of a line, where the renderer
 * dropped that space with the line's trailing whitespace ("for cats.Â": pages that end their
 * paragraphs in a no-break space, 8 of WCXB's 2,008; see ENDS_IN_LOST_SPACE). ftfy judges whether
 * such a line is mojibake. (No lookbehind here: it made the test of every text 25 times slower.)
 */
const MOJIBAKE_LINE = new RegExp(`${MOJIBAKE_PAIR.source}|[\u00C2\u00C3](?: |$)`, 'm');
const MOJIBAKE_LINES = new RegExp(MOJIBAKE_LINE.source, 'gm');
/**
 * A marked line ending in what is left of a no-break space, after a character that is not a capital
 * (a capital "Â" ends words of Romanian and Vietnamese written in capitals; a line of "Â" alone is
 * text too): ftfy is given the space back to judge it.
 */
const ENDS_IN_LOST_SPACE = /(?<=[^\p{Lu}])[\u00C2\u00C3]$/u;

type FixEncoding = (text: string) => string;
let fixEncoding: FixEncoding | undefined;

/**
 * ftfy's fix_encoding, from the build's one-file copy of it (scripts/bundle-ftfy.mjs): about 70 KB
 * where ftfy-js's own entry loads 5 MB, mostly a table of character names fix_encoding never reads
 * (110-160 ms to parse, in every thread that meets mojibake). Where the package has not been built,
 * ftfy-js itself gives the same function, only slower to load.
 */
function loadFixEncoding(): FixEncoding {
  const require = createRequire(import.meta.url);
  let ftfy: { fix_encoding: FixEncoding };
  try {
    ftfy = require('@foxden/ingest/vendor/ftfy-fix-encoding') as typeof ftfy;
  } catch {
    ftfy = require('ftfy-js') as typeof ftfy;
  }
  return ftfy.fix_encoding;
}

/**
 * The text with its mojibake repaired, and whether anything changed. ftfy reads only the lines that
 * MOJIBAKE_LINE marks, together as one text (so that it judges them with each other's evidence, as
 * it judged the whole text before: a page with mojibake in one line has it in its other marked
 * lines too), and each line is put back in its place. ftfy runs at a few MB/s: four archive.org
 * forum pages of the shared corpus, 660,000 characters together with 2,000 in marked lines, took
 * it 160 ms as whole texts, a tenth of the ingest step's time on that corpus, and under 10 ms so.
 */
export function repairMojibake(text: string): { text: string; repaired: boolean } {
  if (!MOJIBAKE_LINE.test(text)) return { text, repaired: false };
  const fix = (fixEncoding ??= loadFixEncoding());
  const starts: number[] = [];
  const ends: number[] = [];
  MOJIBAKE_LINES.lastIndex = 0;
  for (let mark = MOJIBAKE_LINES.exec(text); mark !== null; mark = MOJIBAKE_LINES.exec(text)) {
    const end = text.indexOf('\n', mark.index);
    starts.push(text.lastIndexOf('\n', mark.index) + 1);
    ends.push(end < 0 ? text.length : end);
    MOJIBAKE_LINES.lastIndex = ends[ends.length - 1]!;
  }
  const lines = starts.map((start, i) => text.slice(start, ends[i]));
  // A line's lost space is given back for ftfy ("cats.Â " is mojibake of "cats.\u00A0", "voilÃ " of
  // "voilà"), and whatever of it ftfy leaves is trimmed again, as the renderer trimmed it.
  const given = lines.map((line) => (ENDS_IN_LOST_SPACE.test(line) ? `${line} ` : line));
  const trimGiven = (fixedLine: string, i: number): string => (given[i] === lines[i] ? fixedLine : fixedLine.trimEnd());
  let fixed = fix(given.join('\n')).split('\n').map(trimGiven);
  // ftfy does not add or remove line breaks; should it ever, each line is repaired alone.
  if (fixed.length !== lines.length) fixed = given.map((line, i) => trimGiven(fix(line), i));
  let out = '';
  let from = 0;
  let repaired = false;
  for (let i = 0; i < lines.length; i++) {
    if (fixed[i] === lines[i]) continue;
    out += text.slice(from, starts[i]) + fixed[i];
    from = ends[i]!;
    repaired = true;
  }
  return repaired ? { text: out + text.slice(from), repaired } : { text, repaired };
}
