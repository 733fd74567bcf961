import { Parser, Tokenizer, type Handler, type ParserOptions } from 'htmlparser2';

/**
 * htmlparser2's parser, made faster for what main-text extraction reads, with
 * the same events for every byte of input:
 *
 * - The tokenizer skips through text and quoted attribute values to the next
 *   character that matters, with `indexOf`. With entity decoding on (we need
 *   it), htmlparser2 reads every character of text and of attribute values
 *   through its state switch, one call per character: that loop was a fifth
 *   of all extraction time. Only `<` and `&` end a run of text, and only the
 *   closing quote and `&` a quoted value.
 * - `<![CDATA[` outside foreign content opens a bogus declaration that ends at
 *   the first `>`, as in a browser (see `asBrowserReadsCdata`), without a
 *   rewrite of the whole page first.
 * - Attributes that no rule reads (`KEPT_ATTRIBUTES`) are not stored: storing
 *   each one in the tag's attribute object was 7% of extraction, and their
 *   values (a `srcset`, a framework's JSON in a `data-` attribute) are much of
 *   the page's bytes.
 *
 * These subclasses override methods htmlparser2 does not declare public (its
 * TypeScript types mark them private). The version is pinned in
 * package-lock.json, and the tests compare the events of this parser and of
 * htmlparser2's own on made-up pages (test/fast-parser.test.ts) and real ones
 * (test/fast-parser-pages.test.ts): an upgrade that changes those methods
 * fails there, not in extraction quality.
 */

/** Every attribute the light tree's readers look at; `LightNode.getAttribute` takes only these. */
export const KEPT_ATTRIBUTES = [
  'class', 'id', 'style', 'hidden', 'aria-hidden', 'role', 'href', 'rel', 'itemprop', 'datatable', 'summary',
  // a disclosure widget or a tab and the panel it shows, and whether it opens a popup instead (see controlsCollapsedPanel)
  'aria-controls', 'aria-expanded', 'aria-selected', 'aria-haspopup',
  // <meta>
  'name', 'property', 'content',
  // <script type="application/ld+json">, the page's structured data (see LightDocument.structuredData)
  'type',
  // React's streamed segments (see StreamedSegments)
  'data-bid', 'data-pid', 'data-sid', 'data-rci', 'data-rri', 'data-rsi',
] as const;
export type KeptAttribute = (typeof KEPT_ATTRIBUTES)[number];

/** The kept names by length, to compare a name in the page with before making a string of it. */
const KEPT_BY_LENGTH: string[][] = [];
for (const name of KEPT_ATTRIBUTES) (KEPT_BY_LENGTH[name.length] ??= []).push(name);

/**
 * The kept attribute whose name is `text` from `start` to `end`, in any case, or null. Kept names
 * are ASCII letters and `-`: a letter of either case, or'ed with 0x20, is its lower-case self, and
 * `-` is itself. Of the other characters only a carriage return (0x0d) would pass for `-` that way,
 * and whitespace ends an attribute's name before it gets here.
 */
function keptName(text: string, start: number, end: number): string | null {
  const candidates = KEPT_BY_LENGTH[end - start];
  if (candidates === undefined) return null;
  next: for (const name of candidates) {
    for (let k = 0; k < name.length; k++) if ((text.charCodeAt(start + k) | 0x20) !== name.charCodeAt(k)) continue next;
    return name;
  }
  return null;
}

const LT = 0x3c;
const AMP = 0x26;
const DOUBLE_QUOTE = 0x22;
const SINGLE_QUOTE = 0x27;
const OPENING_SQUARE_BRACKET = 0x5b;
/** Any character that is neither `[` nor `-`: after `<!`, it starts a bogus declaration. */
const DECLARATION_CHAR = 0x41;

/** The members of htmlparser2's Tokenizer that FastTokenizer reads or overrides. */
interface TokenizerInternals {
  buffer: string;
  index: number;
  offset: number;
  stateText(c: number): void;
  stateInAttributeValueDoubleQuotes(c: number): void;
  stateInAttributeValueSingleQuotes(c: number): void;
  stateBeforeDeclaration(c: number): void;
  fastForwardTo(c: number): boolean;
}
const TokenizerBase = Tokenizer as unknown as new (...args: ConstructorParameters<typeof Tokenizer>) => TokenizerInternals;

class FastTokenizer extends TokenizerBase {
  /** The buffer the positions below are of; a new buffer (another write) clears them. */
  private scanned = '';
  /** By character code (`<`, `&`, `"`, `'`): where the next one is in the buffer, at or after the last search (buffer length: none). */
  private next: number[] = [];

  override stateText(c: number): void {
    if (c !== LT && c !== AMP && !this.skipTo(this.nextOf(LT), this.nextOf(AMP))) return;
    super.stateText(this.buffer.charCodeAt(this.index - this.offset));
  }

  override stateInAttributeValueDoubleQuotes(c: number): void {
    if (c !== DOUBLE_QUOTE && c !== AMP && !this.skipTo(this.nextOf(DOUBLE_QUOTE), this.nextOf(AMP))) return;
    super.stateInAttributeValueDoubleQuotes(this.buffer.charCodeAt(this.index - this.offset));
  }

  override stateInAttributeValueSingleQuotes(c: number): void {
    if (c !== SINGLE_QUOTE && c !== AMP && !this.skipTo(this.nextOf(SINGLE_QUOTE), this.nextOf(AMP))) return;
    super.stateInAttributeValueSingleQuotes(this.buffer.charCodeAt(this.index - this.offset));
  }

  override stateBeforeDeclaration(c: number): void {
    super.stateBeforeDeclaration(c === OPENING_SQUARE_BRACKET ? DECLARATION_CHAR : c);
  }

  /** htmlparser2's own, with `indexOf` for its loop (script and style text, comments, declarations). */
  override fastForwardTo(c: number): boolean {
    const found = this.buffer.indexOf(String.fromCharCode(c), this.index + 1 - this.offset);
    if (found < 0) {
      // The parse loop steps past the buffer's last character next.
      this.index = this.buffer.length + this.offset - 1;
      return false;
    }
    this.index = found + this.offset;
    return true;
  }

  /**
   * Moves to the nearer of two buffer positions (the buffer's length: none). False when neither is
   * in the buffer: the index is then on its last character, as htmlparser2's loop leaves it.
   */
  private skipTo(a: number, b: number): boolean {
    const to = a < b ? a : b;
    if (to >= this.buffer.length) {
      this.index = this.buffer.length + this.offset - 1;
      return false;
    }
    this.index = to + this.offset;
    return true;
  }

  /**
   * Where the next `c` is in the buffer, from the current index on. Each position is searched for
   * once and kept until the index passes it, so a page with no `&` is searched for one once, not
   * once per run of text.
   */
  private nextOf(c: number): number {
    if (this.scanned !== this.buffer) {
      this.scanned = this.buffer;
      this.next = [];
    }
    const from = this.index - this.offset;
    const known = this.next[c];
    if (known !== undefined && known >= from) return known;
    const found = this.buffer.indexOf(String.fromCharCode(c), from);
    return (this.next[c] = found < 0 ? this.buffer.length : found);
  }
}

/** The members of htmlparser2's Parser that FastParser reads or overrides. */
interface ParserInternals {
  attribname: string;
  attribvalue: string;
  startIndex: number;
  endIndex: number;
  /** The chunks written and not yet read, and where the first starts in the input. */
  buffers: string[];
  bufferOffset: number;
  onattribname(start: number, endIndex: number): void;
  onattribdata(start: number, endIndex: number): void;
  onattribentity(cp: number): void;
  onattribend(quote: number, endIndex: number): void;
}
const ParserBase = Parser as unknown as new (cbs?: Partial<Handler> | null, options?: ParserOptions) => ParserInternals;

class FastParser extends ParserBase {
  /** Whether the attribute being read is one that is kept. */
  private keeping = true;

  /**
   * htmlparser2's own makes a lower-cased string of every attribute's name; most are not kept, and
   * those that are get the one string of their name, which V8 hashes once.
   */
  override onattribname(start: number, endIndex: number): void {
    const buffer = this.buffers[0];
    if (buffer === undefined || start < this.bufferOffset || endIndex - this.bufferOffset > buffer.length) {
      // A name across two chunks written apart (this module writes each page whole).
      super.onattribname(start, endIndex);
      this.keeping = keptName(this.attribname, 0, this.attribname.length) === this.attribname;
      return;
    }
    this.startIndex = start;
    const name = keptName(buffer, start - this.bufferOffset, endIndex - this.bufferOffset);
    this.keeping = name !== null;
    if (name !== null) this.attribname = name;
  }

  override onattribdata(start: number, endIndex: number): void {
    if (this.keeping) super.onattribdata(start, endIndex);
  }

  override onattribentity(cp: number): void {
    if (this.keeping) super.onattribentity(cp);
  }

  override onattribend(quote: number, endIndex: number): void {
    if (this.keeping) {
      super.onattribend(quote, endIndex);
      return;
    }
    this.endIndex = endIndex;
    this.attribvalue = '';
  }
}

/** htmlparser2's options for extraction: tags and attribute names lower-cased, entities decoded. */
export const PARSER_OPTIONS: ParserOptions = { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true };

/**
 * A parser of HTML as main-text extraction reads it: htmlparser2's, with tags and attribute names
 * lower-cased, entities decoded, only KEPT_ATTRIBUTES stored, and `<![CDATA[` read as a browser does.
 */
export function createFastParser(handlers: Partial<Handler>): Parser {
  return new FastParser(handlers, { ...PARSER_OPTIONS, Tokenizer: FastTokenizer as unknown as typeof Tokenizer }) as unknown as Parser;
}
