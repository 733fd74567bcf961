import { isWhiteSpace } from './whitespace.js';

/**
 * DOM to plain text with block structure kept: paragraphs and headings become
 * blocks separated by a blank line, list items and table rows single lines,
 * inline whitespace collapsed as a browser would render it. Works on any
 * DOM with the standard node interface (linkedom here), read-only: it never
 * mutates the tree, so the same parsed document can be handed to Readability
 * afterwards.
 */

/** The subset of the DOM node interface this module reads. */
export interface DomNode {
  nodeType: number;
  nodeName: string;
  nodeValue?: string | null;
  firstChild: DomNode | null;
  nextSibling: DomNode | null;
  getAttribute?(name: string): string | null;
  parentNode?: DomNode | null;
}

/**
 * The node's name in upper case. HTML documents give element names so (the
 * light tree and linkedom both); only a name that is not gets converted,
 * since `toUpperCase` makes a new string every time, even of one already upper case.
 */
export function upperCaseName(node: DomNode): string {
  const name = node.nodeName;
  return /[a-z]/.test(name) ? name.toUpperCase() : name;
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/** Elements whose content is never text a reader sees. */
const NEVER_TEXT = new Set([
  'HEAD', 'SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'CANVAS', 'IFRAME', 'FRAME', 'OBJECT', 'EMBED',
  'VIDEO', 'AUDIO', 'MAP', 'SELECT', 'OPTION', 'TEXTAREA', 'INPUT', 'BUTTON', 'LINK', 'META', 'TITLE', 'MATH', 'DIALOG',
]);

/** Blocks separated by a blank line. */
const PARAGRAPH_BLOCKS = new Set([
  'P', 'H1', 'H2', 'H3', 'H4', 'H5', 'H6', 'BLOCKQUOTE', 'PRE', 'UL', 'OL', 'DL', 'TABLE', 'FIGURE', 'HR', 'ADDRESS',
  'FIELDSET', 'DETAILS', 'CENTER',
]);

/** Blocks that start a new line but not a new paragraph. */
const LINE_BLOCKS = new Set([
  'DIV', 'SECTION', 'ARTICLE', 'MAIN', 'HEADER', 'FOOTER', 'NAV', 'ASIDE', 'LI', 'DT', 'DD', 'TR', 'CAPTION',
  'FIGCAPTION', 'SUMMARY', 'FORM', 'BODY', 'HTML', 'THEAD', 'TBODY', 'TFOOT', 'LEGEND', 'OPTGROUP', 'MENU', 'DIR',
  'HGROUP', 'NOFRAMES',
]);

const CELLS = new Set(['TD', 'TH']);

export interface HtmlToTextOptions {
  /**
   * Called for every element before it is entered; returning true skips the
   * element and everything inside it. Default: skip nothing beyond the
   * never-text elements (scripts, styles, form controls, ...).
   */
  skip?: (element: DomNode) => boolean;
}

/**
 * Renders the text of `root` and its descendants. The output uses '\n' line
 * ends, single spaces inside lines, and at most one blank line between blocks;
 * `<pre>` content is kept verbatim.
 */
export function htmlToText(root: DomNode, options: HtmlToTextOptions = {}): string {
  const renderer = new TextRenderer();
  renderer.render(root, options.skip);
  return renderer.finish();
}

export interface TextRendererOptions {
  /**
   * Drop headings that no text follows before the end, or before the next
   * heading of the same or a higher level: the heading of a block the
   * extraction removed ("Related articles" above a cut teaser list, "Further
   * links" above a cut link list, "Comments" above a cut thread). For an
   * article's text; a listing's headlines are its content. Default false.
   */
  dropOrphanHeadings?: boolean;
  /**
   * Drop a `<blockquote>` whose text is already in the text before it: a
   * forum reply quoting an earlier post of the thread, whose words the
   * document would otherwise hold twice, or many times over where each
   * reply quotes the one above it (see isQuoteOf). Default false.
   */
  dropRepeatedQuotes?: boolean;
}

/**
 * Headings longer than this are not labels but prose set as a heading: they
 * stay whatever follows. The headings of removed blocks are short ("Related
 * posts", "Weitere Informationen zum Coronavirus in Thüringen:").
 */
const MAX_LABEL_CHARS = 60;

/** Closing codes of the walk's open elements: what an element owes the text when it closes. */
const INLINE = 0;
const LINE = 1;
const PARAGRAPH = 2;
const CELL = -1;
const HEADING = 3;

/**
 * What a reader sees that is not text: a heading above a formula, a picture
 * or a player introduces it, and is no orphan for having no text after it.
 */
const SHOWN_NOT_TEXT = new Set(['MATH', 'MJX-CONTAINER', 'IMG', 'PICTURE', 'SVG', 'CANVAS', 'VIDEO', 'AUDIO', 'IFRAME', 'OBJECT', 'EMBED']);

const HEADING_LEVELS: Readonly<Record<string, number>> = { H1: 1, H2: 2, H3: 3, H4: 4, H5: 5, H6: 6 };

/** Whether an upper-case tag name is a heading's (H1 to H6). */
export function isHeadingTag(tag: string): boolean {
  return HEADING_LEVELS[tag] !== undefined;
}

/**
 * Renders several roots, in order, into one text, each a paragraph of its
 * own (an article made of sibling blocks): one text, so that a heading in one
 * block and what follows it in the next are judged together.
 */
export class TextRenderer {
  private readonly out: TextSink;
  private dropRepeatedQuotes: boolean;
  /** What the quote test may still spend: each test renders its quote and reads the text so far. */
  private quoteChecksLeft = MAX_QUOTE_CHECKS;
  private quoteScanLeft = MAX_QUOTE_SCAN_CHARS;

  constructor(options: TextRendererOptions = {}) {
    this.out = new TextSink(options.dropOrphanHeadings ?? false);
    this.dropRepeatedQuotes = options.dropRepeatedQuotes ?? false;
  }

  /** Appends the text of `root`; `skip` as in {@link HtmlToTextOptions}. */
  render(root: DomNode, skip?: (element: DomNode) => boolean): void {
    const out = this.out;
    out.breakBlock(2);
    // Iterative walk: pages nest deep enough (thousands of unclosed tags) to overflow recursion.
    // Children are visited through firstChild/nextSibling: in linkedom `childNodes` builds a fresh
    // array on every access, which made the walk quadratic on pages with long flat element lists.
    // The stack is two parallel arrays (each open element's next child to visit, and the break it
    // owes when it closes) rather than an object per element: the walk visits every element of a page.
    const nextChild: (DomNode | null)[] = [];
    const closings: number[] = [];
    const close = (closing: number): void => {
      if (closing === HEADING) {
        out.closeHeading();
        out.breakBlock(2);
      } else if (closing > 0) out.breakBlock(closing);
      else if (closing < 0) out.cellBreak();
    };
    const enter = (node: DomNode): void => {
      if (node.nodeType === TEXT_NODE) {
        out.text(node.nodeValue ?? '');
        return;
      }
      if (node.nodeType !== ELEMENT_NODE) return;
      const tag = upperCaseName(node);
      // Before the skip test: MathJax hides its rendered formulas from screen readers (aria-hidden).
      if (SHOWN_NOT_TEXT.has(tag)) out.content();
      if (NEVER_TEXT.has(tag) || (skip !== undefined && skip(node))) return;
      if (tag === 'BLOCKQUOTE' && this.dropRepeatedQuotes && this.repeatsTextSoFar(node, skip)) return;
      if (tag === 'BR') {
        out.lineBreak();
        return;
      }
      if (tag === 'PRE') {
        out.breakBlock(2);
        out.verbatim(textContent(node));
        out.breakBlock(2);
        return;
      }
      const level = HEADING_LEVELS[tag];
      const closing = level !== undefined ? HEADING : PARAGRAPH_BLOCKS.has(tag) ? PARAGRAPH : LINE_BLOCKS.has(tag) ? LINE : CELLS.has(tag) ? CELL : INLINE;
      if (level !== undefined) {
        out.breakBlock(2);
        out.openHeading(level);
      } else if (closing > 0) out.breakBlock(closing);
      else if (closing < 0) out.cellBreak();
      nextChild.push(node.firstChild);
      closings.push(closing);
    };
    enter(root);
    while (nextChild.length > 0) {
      const top = nextChild.length - 1;
      const child = nextChild[top]!;
      if (child !== null) {
        nextChild[top] = child.nextSibling;
        enter(child);
        continue;
      }
      nextChild.pop();
      close(closings.pop()!);
    }
  }

  /** The text of everything rendered. */
  finish(): string {
    return this.out.finish();
  }

  /**
   * Whether the quote's text, rendered alone, repeats what has been rendered before it. Within a
   * budget: a page of thousands of quotes (or of quotes nested thousands deep) keeps the rest of
   * them rather than cost time that grows with their number times the text's length.
   */
  private repeatsTextSoFar(quote: DomNode, skip?: (element: DomNode) => boolean): boolean {
    if (--this.quoteChecksLeft < 0) return (this.dropRepeatedQuotes = false);
    const quoted = new TextRenderer();
    quoted.render(quote, skip);
    const lines = quoted.finish().split('\n').filter((line) => line !== '');
    const before = this.out.textSoFar();
    // Joining the text so far reads it once, and each line's search once more.
    if ((this.quoteScanLeft -= (lines.length + 1) * before.length) < 0) return (this.dropRepeatedQuotes = false);
    return isQuoteOf(lines, before);
  }
}

/** Quote tests a renderer runs at most... */
const MAX_QUOTE_CHECKS = 1_000;
/** ...and characters of the text before them that they read, in all (tens of milliseconds at most). */
const MAX_QUOTE_SCAN_CHARS = 50_000_000;

/** A quote repeats the text before it when at least this many of its characters are found there... */
const MIN_QUOTED_CHARS = 100;
/**
 * ...and at most MAX_OWN_LINES of its lines, none longer than MAX_OWN_LINE_CHARS, are not: the
 * attribution a forum package writes into the quote ("Gungadin said:", "Zitat von ...:") and its
 * "Click to expand..." are the quote's own.
 */
const MAX_OWN_LINES = 2;
const MAX_OWN_LINE_CHARS = 80;

/**
 * Whether the rendered lines of a quote repeat `before`: every line but a short attribution or two
 * is found there whole, or as part of a longer line (a reply quoting a sentence of a post). A quote
 * of anything not in the text before it (a speech, a tweet, a post of another thread, a pull quote
 * set before the paragraph it repeats) stays.
 */
function isQuoteOf(lines: string[], before: string): boolean {
  let found = 0;
  let own = 0;
  for (const line of lines) {
    if (before.includes(line)) found += line.length;
    else if (line.length > MAX_OWN_LINE_CHARS || ++own > MAX_OWN_LINES) return false;
  }
  return found >= MIN_QUOTED_CHARS;
}

function textContent(node: DomNode): string {
  let s = '';
  const stack: DomNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.nodeType === TEXT_NODE) s += n.nodeValue ?? '';
    else if (n.nodeType === ELEMENT_NODE) {
      if (upperCaseName(n) === 'BR') s += '\n';
      const children: DomNode[] = [];
      for (let c = n.firstChild; c !== null; c = c.nextSibling) children.push(c);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    }
  }
  return s;
}

/**
 * True when `raw` holds whitespace other than single spaces: most text runs
 * hold none, and the replace made a copy of every one (the renderer's
 * largest allocation).
 */
function needsCollapsing(raw: string): boolean {
  let space = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 32) {
      if (space) return true;
      space = true;
    } else if (isWhiteSpace(c)) {
      return true;
    } else {
      space = false;
    }
  }
  return false;
}

/**
 * Accumulates text with pending breaks: a break is only written when text
 * follows it, so empty elements and nested blocks never produce runs of blank lines.
 */
class TextSink {
  private parts: string[] = [];
  /** Newlines owed before the next text: 0, 1 (new line) or 2 (blank line). */
  private pendingBreak = 0;
  private pendingSpace = false;
  private pendingCell = false;
  private atLineStart = true;
  /** Open heading elements (a heading may nest another); the outermost one's level. */
  private headingDepth = 0;
  private headingLevel = 0;
  /** Whether the open heading has written text yet, and how much. */
  private headingStarted = false;
  private headingChars = 0;
  /**
   * Headings written with no text after them yet (with dropOrphanHeadings):
   * their level and the length of `parts` before them, so that dropping
   * one, and any after it, is a truncation.
   */
  private held: { level: number; at: number }[] = [];

  constructor(private readonly dropOrphanHeadings: boolean) {}

  openHeading(level: number): void {
    if (this.headingDepth++ === 0) {
      this.headingLevel = level;
      this.headingStarted = false;
      this.headingChars = 0;
    }
  }

  closeHeading(): void {
    // A heading that reads as prose (a lead paragraph or a closing line set as a heading, as pages
    // do) is content: it keeps itself and the headings above it.
    if (--this.headingDepth === 0 && this.headingStarted && this.headingChars > MAX_LABEL_CHARS) this.held = [];
  }

  text(raw: string): void {
    // Collapse whitespace the way CSS `white-space: normal` does. NBSP is content, but it
    // renders as a space and only confuses tokenisers, so it becomes one too.
    const collapsed = needsCollapsing(raw) ? raw.replace(/[\s\u00a0]+/g, ' ') : raw;
    if (collapsed === '') return;
    if (collapsed === ' ') {
      if (!this.atLineStart) this.pendingSpace = true;
      return;
    }
    const startsWithSpace = collapsed.startsWith(' ');
    const endsWithSpace = collapsed.endsWith(' ');
    const core = collapsed.trim();
    this.beforeText();
    if (this.headingDepth > 0) this.headingChars += core.length + 1;
    this.flush(startsWithSpace);
    this.parts.push(core);
    this.atLineStart = false;
    this.pendingSpace = endsWithSpace;
  }

  verbatim(raw: string): void {
    // trimEnd, not /\s+$/: the expression tries every start inside a run of spaces that does not end
    // the text (quadratic: 2.5 s on a <pre> holding 50,000 spaces before its last word).
    const text = raw.replace(/\r\n?/g, '\n').replace(/^\n+/, '').trimEnd();
    if (text === '') return;
    this.beforeText();
    this.flush(false);
    this.parts.push(text);
    this.atLineStart = false;
    this.pendingSpace = false;
  }

  breakBlock(newlines: number): void {
    if (this.parts.length === 0) return;
    this.pendingBreak = Math.max(this.pendingBreak, newlines);
    this.pendingSpace = false;
    this.pendingCell = false;
  }

  lineBreak(): void {
    if (this.parts.length === 0) return;
    // <br><br> is how old pages make paragraphs.
    this.pendingBreak = this.pendingBreak >= 1 ? 2 : 1;
    this.pendingSpace = false;
  }

  cellBreak(): void {
    if (!this.atLineStart) this.pendingCell = true;
  }

  /** Something a reader sees follows: the held headings introduce it and stay. */
  content(): void {
    if (this.headingDepth === 0 && this.held.length > 0) this.held = [];
  }

  finish(): string {
    if (this.held.length > 0) this.parts.length = this.held[0]!.at;
    return this.parts.join('');
  }

  /** The text written so far, headings held for the orphan test included. */
  textSoFar(): string {
    return this.parts.join('');
  }

  /**
   * Before text is written: text outside a heading keeps the headings held
   * before it; a heading's first text drops the held headings of its level or
   * a lower one (nothing followed them), then is held itself.
   */
  private beforeText(): void {
    if (!this.dropOrphanHeadings) return;
    if (this.headingDepth === 0) {
      this.content();
      return;
    }
    if (this.headingStarted) return;
    this.headingStarted = true;
    let keep = this.held.length;
    while (keep > 0 && this.held[keep - 1]!.level >= this.headingLevel) keep--;
    if (keep < this.held.length) {
      this.parts.length = this.held[keep]!.at;
      this.held.length = keep;
      this.atLineStart = this.parts.length === 0;
    }
    this.held.push({ level: this.headingLevel, at: this.parts.length });
  }

  private flush(space: boolean): void {
    if (this.pendingBreak > 0 && this.parts.length > 0) {
      this.parts.push(this.pendingBreak >= 2 ? '\n\n' : '\n');
      this.atLineStart = true;
    } else if (this.pendingCell && !this.atLineStart) {
      this.parts.push('\t');
    } else if ((space || this.pendingSpace) && !this.atLineStart) {
      this.parts.push(' ');
    }
    this.pendingBreak = 0;
    this.pendingSpace = false;
    this.pendingCell = false;
  }
}
