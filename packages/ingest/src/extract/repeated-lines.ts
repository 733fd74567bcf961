import { collapseBlankLines } from './whitespace.js';

/**
 * Blocks a page renders twice in a row: a responsive template's mobile and
 * desktop copies of the same section (Framer's `ssr-variant`s, a theme's
 * `d-none d-md-block` pairs), a carousel's cloned slides, a widget written
 * out twice. A browser shows one copy, styled by width; a parser without the
 * stylesheet reads both, and the document then holds each paragraph twice,
 * which no reader sees and which repetition filters (Gopher's duplicate-line
 * and duplicate-paragraph fractions) count against the whole document.
 *
 * Only a run of lines repeated immediately after itself is dropped (lines
 * a b c, then a b c again): text that recurs further on is left alone,
 * because there a page repeats itself on purpose (a meal plan's daily
 * entries, an API reference's shared response example, a forum reply that
 * quotes an earlier post). On the article-extraction benchmarks of
 * docs/extraction.md this rule moved 20 of WCXB's pages up and 3 down (a
 * carousel whose gold keeps each slide three times) and changed none of
 * Zyte's or the dev set's; dropping every repeat of a long run moved more
 * pages either way and lost pages on Zyte's set, whose articles repeat on
 * purpose, and dropping a paragraph written twice lost the dev set's
 * lorem-ipsum pages.
 */

/** A repeated run is dropped from this many characters of text (its lines' lengths summed)... */
const MIN_RUN_CHARS = 150;
/**
 * ...and this many lines, not all the same line. A template's copy is of a section: a heading and
 * its paragraphs, a slide's title and text. One paragraph written twice, or the same line over and
 * over, is the page's own text, however odd (lorem ipsum filler, a chant, a table's column of "Yes").
 */
const MIN_RUN_LINES = 3;
/** Earlier occurrences of a line tried as the start of the run it repeats (the nearest first). */
const MAX_CANDIDATES = 4;
/** Line comparisons per line of text, over the whole text: bounds the time on a text of many equal lines. */
const COMPARISONS_PER_LINE = 8;

/**
 * The text without the second copy of any run of lines that repeats
 * immediately after itself (blank lines between paragraphs not counted),
 * when the run holds at least MIN_RUN_LINES lines, not all the same, and
 * MIN_RUN_CHARS characters. A part copy at the end stays.
 */
export function dropRepeatedRuns(text: string): string {
  const all = text.split('\n');
  // The text's non-blank lines as small integers, equal lines equal (runs compare as numbers), with
  // their lengths and their places in `all`.
  const ids = new Map<string, number>();
  const lineAt: number[] = [];
  const lineId: number[] = [];
  const lineChars: number[] = [];
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') continue;
    let id = ids.get(line);
    if (id === undefined) ids.set(line, (id = ids.size));
    lineAt.push(i);
    lineId.push(id);
    lineChars.push(line.length);
  }
  // Most texts repeat no line at all.
  if (ids.size === lineId.length) return text;

  const seenAt: number[][] = [];
  let budget = COMPARISONS_PER_LINE * lineId.length;
  const dropped = new Uint8Array(all.length);
  let anyDropped = false;
  for (let i = 0; i < lineId.length; ) {
    const run = budget > 0 ? runRepeatedAt(i, lineId, lineChars, seenAt[lineId[i]!]) : null;
    if (run !== null) {
      budget -= run.comparisons;
      if (run.length > 0) {
        // This copy goes, and so does every further copy right after it (a template's third variant).
        do {
          for (let k = 0; k < run.length; k++) dropped[lineAt[i + k]!] = 1;
          i += run.length;
        } while (copiesRun(i, run.start, run.length, lineId));
        anyDropped = true;
        continue;
      }
    }
    (seenAt[lineId[i]!] ??= []).push(i);
    i++;
  }
  return anyDropped ? collapseBlankLines(all.filter((_, i) => dropped[i] === 0).join('\n')) : text;
}

/**
 * Whether the lines from `i` on are a copy of the run of lines just before
 * them (one that starts at an earlier occurrence of line `i`): where that
 * run starts and its length in lines (0 when they are not, or the run is too
 * short to drop), and the comparisons spent finding out.
 */
function runRepeatedAt(
  i: number, lineId: number[], lineChars: number[], earlier: number[] | undefined,
): { start: number; length: number; comparisons: number } | null {
  if (earlier === undefined) return null;
  let comparisons = 0;
  for (let c = earlier.length - 1; c >= Math.max(0, earlier.length - MAX_CANDIDATES); c--) {
    const start = earlier[c]!;
    // The run would be lines start..i-1, and its copy i..2i-start-1.
    const length = i - start;
    if (length < MIN_RUN_LINES || i + length > lineId.length) continue;
    let chars = 0;
    let k = 0;
    for (; k < length; k++) {
      comparisons++;
      if (lineId[start + k] !== lineId[i + k]) break;
      chars += lineChars[i + k]!;
    }
    if (k === length && chars >= MIN_RUN_CHARS && !isOneLineRepeated(lineId, start, i)) return { start, length, comparisons };
  }
  return { start: 0, length: 0, comparisons };
}

/** Whether lines `from` to `to` (not included) are all one line. */
function isOneLineRepeated(lineId: number[], from: number, to: number): boolean {
  for (let k = from + 1; k < to; k++) if (lineId[k] !== lineId[from]) return false;
  return true;
}

/** Whether the `length` lines from `i` equal those from `start`. */
function copiesRun(i: number, start: number, length: number, lineId: number[]): boolean {
  if (i + length > lineId.length) return false;
  for (let k = 0; k < length; k++) if (lineId[start + k] !== lineId[i + k]) return false;
  return true;
}
