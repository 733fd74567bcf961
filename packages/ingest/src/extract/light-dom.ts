import type { Parser } from 'htmlparser2';
import { createFastParser, type KeptAttribute } from './fast-parser.js';
import type { DomNode } from './html-to-text.js';

/**
 * A light document tree built in one pass over htmlparser2's tokenizer: just
 * what main-text extraction reads (tag, attributes, text, parent and sibling
 * links). It implements the DomNode interface, so the text renderer and the
 * furniture tests work on it as they do on a full DOM. Content that is never
 * text a reader sees (scripts, styles, SVG, form controls, <head>) is not
 * built at all, and the tree stops growing at a node limit, so a page of
 * megabytes of inline data or 100,000 elements costs bounded time and memory.
 */
export class LightNode implements DomNode {
  /** Document order of elements (the body is 0); -1 for text. Subtrees are contiguous ranges of it. */
  index = -1;
  /** Text nodes: rendered length and commas, filled in by the main-content scorer on first use (-1: not yet). */
  chars = -1;
  /** Elements: whether their own attributes hide them (hiddenByAttributes), unless the page's scripts would show them. */
  hidden = false;
  commas = 0;
  firstChild: LightNode | null = null;
  lastChild: LightNode | null = null;
  nextSibling: LightNode | null = null;
  parentNode: LightNode | null = null;

  constructor(
    readonly nodeType: 1 | 3,
    /** Upper-case tag name for elements, '#text' for text. */
    readonly nodeName: string,
    public nodeValue: string | null,
    /** Only the attributes some rule reads are kept (see KEPT_ATTRIBUTES). */
    readonly attribs: Attributes | null,
  ) {}

  getAttribute(name: KeptAttribute): string | null {
    return this.attribs?.[name] ?? null;
  }

  append(child: LightNode): void {
    child.parentNode = this;
    if (this.lastChild === null) this.firstChild = child;
    else this.lastChild.nextSibling = child;
    this.lastChild = child;
  }
}

/** An element's attributes, as the light tree keeps them. */
export type Attributes = Readonly<Partial<Record<KeptAttribute, string>>>;

export interface LightDocument {
  /** The <body> (or a stand-in holding everything outside <head> when the page has none). */
  body: LightNode;
  /** Every element in document order: `elements[n.index] === n`, parents before their children. */
  elements: LightNode[];
  title: string | null;
  /** `<meta name|property=... content=...>` values, keys lower-cased (og:title, author, ...); first one wins. */
  meta: Map<string, string>;
  /** True when the page had more elements than the limit: the rest was not built. */
  truncated: boolean;
  /** The elements that mark the page's main region, `<main>` or role="main", in document order. */
  mainRegions: LightNode[];
  /**
   * The text of each `<script type="application/ld+json">` (schema.org structured data), in
   * document order, at most MAX_STRUCTURED_DATA_CHARS in all: a shop may ship a product's
   * description there only, for its scripts to render (see structured-data.ts).
   */
  structuredData: string[];
}

/** Characters of structured data a page keeps, all scripts together; the rest is not read. */
const MAX_STRUCTURED_DATA_CHARS = 1_000_000;
const JSON_LD_TYPE = /^\s*application\/ld\+json\s*(?:;|$)/i;

/** Subtrees that are never rendered as text: not built. */
const NOT_BUILT = new Set([
  'script', 'style', 'noscript', 'template', 'svg', 'math', 'canvas', 'iframe', 'frame', 'object', 'embed',
  'video', 'audio', 'map', 'select', 'textarea', 'button', 'dialog',
]);

/**
 * For a browser that runs no scripts, <noscript> is a wrapper like <html> and
 * <body>: its content is built in its place (the renderer, shared with full
 * DOMs, skips NOSCRIPT elements, so none is made).
 */
const NOT_BUILT_WITHOUT_SCRIPTS = new Set([...NOT_BUILT].filter((tag) => tag !== 'noscript'));

/**
 * Start tags that end SVG and MathML content where they stand (the HTML standard's list for
 * foreign content, less <font>, whose test needs attributes the tree does not keep): a browser
 * closes an <svg> or <math> left open at the next of these.
 */
const FOREIGN_BREAKOUT = new Set([
  'b', 'big', 'blockquote', 'body', 'br', 'center', 'code', 'dd', 'div', 'dl', 'dt', 'em', 'embed', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
  'head', 'hr', 'i', 'img', 'li', 'listing', 'menu', 'meta', 'nobr', 'ol', 'p', 'pre', 'ruby', 's', 'small', 'span', 'strong', 'strike',
  'sub', 'sup', 'table', 'tt', 'u', 'ul', 'var',
]);
/** Elements of SVG and MathML whose content is HTML: a tag there does not end the foreign content. */
const HTML_ISLANDS = new Set(['foreignobject', 'desc', 'title', 'annotation-xml']);

/** Elements that stand for a block even when empty: kept so the renderer still breaks lines at them. */
const VOID_KEPT = new Set(['br', 'hr', 'img', 'input', 'wbr']);

const EMPTY_ATTRIBS: Attributes = Object.freeze({});

/** The document's own wrappers: their content is the body. */
const TRANSPARENT = new Set(['html', 'body']);
const TRANSPARENT_WITHOUT_SCRIPTS = new Set([...TRANSPARENT, 'noscript']);

/** What may stand in <head>; any other tag there starts the body, as a browser's parser decides. */
const HEAD_CONTENT = new Set(['meta', 'link', 'title', 'base', 'script', 'style', 'noscript', 'template']);

/**
 * Parses `html` into a light tree. Text is entity-decoded; adjacent text runs
 * are merged. At most `maxElements` elements are built: the rest of the page
 * is not read, and `truncated` says so. `noscript: true` builds the content
 * of `<noscript>` elements as a browser without scripts shows it (by default
 * it is not built: a browser with scripts shows none of it).
 */
export function parseLightDocument(html: string, maxElements = 200_000, options: { noscript?: boolean } = {}): LightDocument {
  const notBuilt = options.noscript ? NOT_BUILT_WITHOUT_SCRIPTS : NOT_BUILT;
  const transparent = options.noscript ? TRANSPARENT_WITHOUT_SCRIPTS : TRANSPARENT;
  const body = new LightNode(1, 'BODY', null, EMPTY_ATTRIBS);
  body.index = 0;
  const all: LightNode[] = [body];
  const meta = new Map<string, string>();
  const mainRegions: LightNode[] = [];
  let current = body;
  let truncated = false;
  // Depth inside a subtree that is not built (scripts, head, ...); text and tags there are ignored.
  let hiddenDepth = 0;
  // Whether that subtree is SVG or MathML, and how deep it is inside their HTML islands there
  // (foreignObject, desc, title): see FOREIGN_BREAKOUT.
  let inForeign = false;
  let htmlIslands = 0;
  let inHead = false;
  let stopped = false;
  let inTitle = false;
  let title = '';
  let sawTitle = false;
  let bodyAttribs: Attributes | null = null;
  const streamed = new StreamedSegments();
  // Elements whose own attributes hide them, with the text read before they opened and closed
  // (characters of text runs less the whitespace around them): a page may hide its whole content
  // until its scripts run (see revealHiddenContent).
  const hiddenElements = new Map<LightNode, HiddenElement>();
  // aria-controls values of collapsed disclosure widgets and of tabs not selected.
  const collapsedPanels: string[] = [];
  let textChars = 0;
  // Text of the not-built subtree being read is a script's: only there are React's instructions.
  let inScript = false;
  // Whether the page carries any script: a copy saved without them cannot hold React's instructions.
  let sawScript = false;
  // Whether the script being read is structured data, and how many characters of it the page kept.
  let inJsonLd = false;
  const structuredData: string[] = [];
  let structuredChars = 0;

  // Elements htmlparser2 holds open, and where the parse restarts when they are too many (see MAX_OPEN).
  let open = 0;
  let restartAt = -1;
  let parser: Parser;

  const handlers = {
    oncomment(data: string): void {
      if (!stopped && hiddenDepth === 0 && !inHead) streamed.comment(data, current);
    },
    onopentag(name: string, attribs: Attributes): void {
      if (++open > MAX_OPEN && restartAt < 0) {
        restartAt = parser.endIndex + 1;
        parser.pause();
      }
      if (stopped) return;
      if (name === 'title' && !sawTitle && !inTitle) {
        inTitle = true;
        return;
      }
      if (hiddenDepth > 0 && !(inForeign && htmlIslands === 0 && FOREIGN_BREAKOUT.has(name))) {
        hiddenDepth++;
        if (inForeign && HTML_ISLANDS.has(name)) htmlIslands++;
        return;
      }
      // An HTML block tag inside SVG or MathML ends them (a browser's parser pops the foreign
      // elements and reads the tag as HTML): an <svg> left open does not hide the rest of the page.
      if (hiddenDepth > 0) hiddenDepth = 0;
      inForeign = false;
      if (name === 'head') {
        inHead = true;
        return;
      }
      if (name === 'meta') {
        readMeta(attribs, meta);
        if (inHead) return; // void: no close to wait for
      }
      // A collapsed disclosure's control, or a tab not selected (usually a <button>, which is not
      // built): see controlsCollapsedPanel and revealCollapsedPanels.
      if (attribs['aria-controls'] !== undefined && controlsCollapsedPanel(name, attribs)) collapsedPanels.push(attribs['aria-controls']);
      if (inHead && (name === 'body' || !HEAD_CONTENT.has(name))) inHead = false;
      if (name === 'template' && !inHead && !stopped && all.length <= maxElements) {
        // A streamed page's slot is kept (empty) to receive its segment; see StreamedSegments.
        const slot = streamed.template(attribs, current);
        if (slot !== null) {
          slot.index = all.length;
          all.push(slot);
          current.append(slot);
        }
      }
      if (notBuilt.has(name) || inHead) {
        hiddenDepth = 1;
        inForeign = !inHead && (name === 'svg' || name === 'math');
        htmlIslands = 0;
        inScript = name === 'script';
        if (inScript) sawScript = true;
        inJsonLd = inScript && attribs['type'] !== undefined && JSON_LD_TYPE.test(attribs['type']) && structuredChars < MAX_STRUCTURED_DATA_CHARS;
        if (inJsonLd) structuredData.push('');
        return;
      }
      if (transparent.has(name)) {
        if (name === 'body' && bodyAttribs === null) bodyAttribs = attribs;
        return;
      }
      if (all.length > maxElements) {
        // The rest of the page is tokenized (bounded by the caller's cut of the HTML) but not built.
        truncated = stopped = true;
        return;
      }
      const node = new LightNode(1, upperCaseTag(name), null, attribs);
      node.index = all.length;
      all.push(node);
      current.append(node);
      if (name === 'div') streamed.segment(node);
      if (hiddenByAttributes(attribs)) {
        node.hidden = true;
        if (!VOID_KEPT.has(name)) hiddenElements.set(node, { node, from: textChars, to: -1 });
      }
      if (name === 'main' || attribs['role'] === 'main') mainRegions.push(node);
      if (!VOID_KEPT.has(name)) current = node;
    },
    onclosetag(name: string): void {
      open--;
      if (stopped) return;
      if (name === 'title' && inTitle) {
        inTitle = false;
        sawTitle = true;
        return;
      }
      if (hiddenDepth > 0) {
        hiddenDepth--;
        if (inForeign && htmlIslands > 0 && HTML_ISLANDS.has(name)) htmlIslands--;
        if (hiddenDepth === 0) inScript = inForeign = inJsonLd = false;
        return;
      }
      if (name === 'head') {
        inHead = false;
        return;
      }
      if (inHead) return;
      if (transparent.has(name) || VOID_KEPT.has(name)) return;
      // htmlparser2 reports every close it applies, implied ones included, in order; the
      // current node is the one closing, unless the tag was never built (limit reached).
      if (current !== body && current.nodeName === upperCaseTag(name)) {
        const hidden = current.hidden ? hiddenElements.get(current) : undefined;
        if (hidden !== undefined) hidden.to = textChars;
        current = current.parentNode ?? body;
      }
    },
    ontext(data: string): void {
      if (inTitle) {
        title += data;
        return;
      }
      if (inScript && hiddenDepth === 1) {
        streamed.script(data);
        if (inJsonLd) {
          const kept = data.slice(0, MAX_STRUCTURED_DATA_CHARS - structuredChars);
          structuredData[structuredData.length - 1] += kept;
          structuredChars += kept.length;
        }
      }
      if (hiddenDepth > 0 || inHead || stopped) return;
      textChars += trimmedLength(data);
      const last = current.lastChild;
      if (last !== null && last.nodeType === 3) last.nodeValue += data;
      else current.append(new LightNode(3, '#text', data, null));
    },
  };
  // `<![CDATA[` is read as a browser reads it by the parser itself (see asBrowserReadsCdata).
  let input = html;
  for (;;) {
    parser = createFastParser(handlers);
    parser.end(input);
    if (restartAt < 0) break;
    // The rest is read by a new parser, as a fragment: what follows goes on under the deepest
    // element built so far (a browser, past its own depth limit, attaches deeper elements to it
    // too), and whatever was left open in a skipped subtree (an SVG, a script) is closed.
    input = input.slice(restartAt);
    restartAt = -1;
    open = 0;
    hiddenDepth = 0;
    inForeign = false;
    inScript = false;
    inJsonLd = false;
    inTitle = false;
  }
  const elements = streamed.resolve(!sawScript) ? reindex(body) : all;
  if (hiddenElements.size > 0) {
    revealHiddenContent(elements, [...hiddenElements.values()], textChars);
    if (collapsedPanels.length > 0) revealCollapsedPanels(elements, hiddenElements.keys(), collapsedPanels);
  }
  if (bodyAttribs !== null) {
    (body as { attribs: Attributes | null }).attribs = bodyAttribs;
    // A body hidden until the page's scripts run holds all of the page's text (see revealHiddenContent).
    if (hiddenByAttributes(bodyAttribs)) show(body);
  }
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  return { body, elements, title: cleanTitle === '' ? null : cleanTitle, meta, truncated, mainRegions, structuredData };
}

/**
 * `<![CDATA[` in HTML (outside SVG and MathML) is, for a browser's parser, a bogus comment that
 * ends at the first `>`; htmlparser2 reads a CDATA section to the next `]]>`, so a page with a
 * stray `<![CDATA[` lost everything after it (XenForo themes on forums.tomshardware.com and
 * forums.androidcentral.com write one right after `<body>`: whole threads came out empty).
 * Written as `<!-CDATA[`, of the same length so that offsets hold, htmlparser2 reads a bogus
 * declaration that ends at the first `>`, as a browser does. In script and style text (the
 * `//<![CDATA[` lines of old inline scripts) the rewrite changes nothing that is read.
 * linkedom's parse (the `readability` extractor) reads the page so rewritten; the light tree's
 * parser reads `<![CDATA[` so itself (fast-parser.ts), without a pass over the page first.
 */
export function asBrowserReadsCdata(html: string): string {
  return html.includes('<![CDATA[') ? html.replaceAll('<![CDATA[', '<!-CDATA[') : html;
}

/** An inline style that hides its element: display:none or visibility:hidden. */
export const HIDING_STYLE = /display\s*:\s*none|visibility\s*:\s*hidden/i;
/** The declarations HIDING_STYLE finds, with their `!important` and `;`: what `show` takes off. */
const HIDING_DECLARATIONS = new RegExp(`(?:${HIDING_STYLE.source})\\s*(?:!important)?\\s*;?`, 'gi');

/** Whether an element's own attributes hide it from a reader: `hidden`, aria-hidden="true", or an inline style. */
export function hiddenByAttributes(attribs: Attributes): boolean {
  if (attribs['hidden'] !== undefined || attribs['aria-hidden'] === 'true') return true;
  const style = attribs['style'];
  return style !== undefined && HIDING_STYLE.test(style);
}

/**
 * A hidden element holding more than this share of the body's text is the page's content hidden
 * until its scripts run (see revealHiddenContent). Such wrappers held 73% to 100% of their pages'
 * text on WCXB's pages; a hidden passage of an article is less (Readability.js's own test page
 * hides half of its article, and expects it gone).
 */
const HIDDEN_CONTENT_SHARE = 2 / 3;

/**
 * Shows what a page hides until its scripts run: the hidden element that holds nearly all of the
 * page's text (over HIDDEN_CONTENT_SHARE), or, where the page's hidden blocks hold that much
 * together and none alone, each of them. Frameworks hide a page's content until their scripts
 * have run, so that no unstyled flash shows (Next.js themes wrap the body in
 * `visibility:hidden`), render it hidden and move it into place (eBay's listings,
 * `display:none`; a Shopify app's age gate), defer each block of a product page
 * (iHerb's), or mark the app's root aria-hidden while a dialog is open, and a copy saved at that
 * moment keeps the mark. Read as hidden, such a page is empty (a GeeksforGeeks tutorial of 9,700
 * characters gave nothing). On other pages hidden menus, dialogs and tabs hold a part of the text,
 * not nearly all of it, and stay hidden; so do hidden blocks inside a block that is shown. React's
 * streamed segments are left to StreamedSegments: one it did not move is hidden in a browser too.
 */
function revealHiddenContent(elements: LightNode[], hidden: HiddenElement[], pageChars: number): void {
  const enough = HIDDEN_CONTENT_SHARE * pageChars;
  // Still in the tree (a streamed segment that moved is not), and not a segment left unmoved.
  const candidates = hidden.filter(({ node }) => elements[node.index] === node && !SEGMENT_ID.test(node.attribs?.['id'] ?? ''));
  // An element left open to the end of the page holds the rest of its text.
  const chars = ({ from, to }: HiddenElement) => (to < 0 ? pageChars : to) - from;
  const one = candidates.find((e) => chars(e) > enough);
  if (one !== undefined) {
    show(one.node);
    return;
  }
  // Hidden blocks not inside another: on most pages together a small part of the text. In
  // document order, one inside an earlier block is inside the last one found.
  let total = 0;
  const outermost: LightNode[] = [];
  for (const e of candidates) {
    const last = outermost[outermost.length - 1];
    if (last !== undefined && isInside(e.node, last)) continue;
    outermost.push(e.node);
    total += chars(e);
  }
  if (total > enough) for (const node of outermost) show(node);
}

/**
 * Shows the panels of collapsed disclosure widgets and of tabs not selected: an element hidden by
 * its attributes whose id a control on the page names in `aria-controls` while it says
 * `aria-expanded="false"` or nothing of its state, or while it is a `role="tab"` that says
 * `aria-selected="false"` (controlsCollapsedPanel). That is
 * an accordion's or a "read more" block's content, or a tab's, one click from view and part of the
 * page's text (a FAQ's answers, a product's specifications, an API's example in each language:
 * WCXB's gold keeps them); what else is hidden stays hidden, a `role="tabpanel"` that no tab
 * names included (shown whole, such panels cost a documentation page three quarters of its score).
 */
function revealCollapsedPanels(elements: LightNode[], hidden: Iterable<LightNode>, controls: readonly string[]): void {
  const controlled = new Set<string>();
  for (const ids of controls) for (const id of ids.split(/\s+/)) if (id !== '') controlled.add(id);
  for (const node of hidden) {
    const id = node.attribs?.['id'];
    if (node.hidden && id !== undefined && controlled.has(id) && elements[node.index] === node) show(node);
  }
}

/** Form fields: what they name in `aria-controls` is a list of suggestions or a live region, not a panel. */
const FORM_FIELDS = new Set(['input', 'select', 'textarea']);

/**
 * Whether an element that names others in `aria-controls` is the control of a collapsed panel: it
 * says `aria-expanded="false"`; or it says nothing of its state, the way accordion widgets that
 * keep it in a class or a data attribute write their headers (energysage's guides, FAQ blocks),
 * and it neither opens a popup (a menu or a dialog) nor is a tab or a form field (a search box
 * names the list of its suggestions so); or it is a tab not selected.
 */
function controlsCollapsedPanel(tag: string, attribs: Attributes): boolean {
  const expanded = attribs['aria-expanded'];
  if (expanded === 'false') return true;
  if (attribs['role'] === 'tab') return attribs['aria-selected'] === 'false';
  if (expanded !== undefined || FORM_FIELDS.has(tag)) return false;
  const popup = attribs['aria-haspopup'];
  return popup === undefined || popup === 'false';
}

/** A hidden element and the page's text read before it opened and before it closed (-1: still open). */
interface HiddenElement {
  node: LightNode;
  from: number;
  to: number;
}

/** Takes off the attributes and inline style that hide `e`. */
function show(e: LightNode): void {
  const { hidden: _hidden, 'aria-hidden': _ariaHidden, ...shown }: Partial<Record<KeptAttribute, string>> = e.attribs!;
  if (shown.style !== undefined) shown.style = shown.style.replace(HIDING_DECLARATIONS, '');
  (e as { attribs: Attributes | null }).attribs = shown;
  e.hidden = false;
}

/**
 * The length of `text` without its leading and trailing whitespace (and control characters),
 * found without reading the middle: a text run's own spaces are about one character in six
 * whatever element holds it, while the indentation between tags is most of some blocks' text.
 */
function trimmedLength(text: string): number {
  let start = 0;
  while (start < text.length && text.charCodeAt(start) <= 32) start++;
  let end = text.length;
  while (end > start && text.charCodeAt(end - 1) <= 32) end--;
  return end - start;
}

/**
 * htmlparser2 keeps the elements it holds open in an array it grows and shrinks at its front
 * (unshift, shift), so each tag costs as much as the nesting is deep: 100,000 unclosed <div>s took
 * 10 s, 25,000 0.7 s. Past this many open elements the parse goes on in a new parser (see
 * parseLightDocument), so a tag costs at most this much. Browsers stop nesting at 512 (Chromium's
 * kMaximumHTMLParserDOMTreeDepth); real pages nest a few dozen levels, broken ones (unclosed
 * <font> or <b> tags) a few thousand.
 */
const MAX_OPEN = 4096;

/**
 * Tag names in upper case, as the DOM gives them, made once per distinct name:
 * `toUpperCase` on every element made a new string each time, a fifth of what
 * the parser allocated.
 */
const UPPER_CASE_TAGS = new Map<string, string>();
function upperCaseTag(name: string): string {
  let upper = UPPER_CASE_TAGS.get(name);
  if (upper === undefined) {
    upper = name.toUpperCase();
    // Bounded: a page of made-up tag names must not grow the cache without end.
    if (UPPER_CASE_TAGS.size < 4096) UPPER_CASE_TAGS.set(name, upper);
  }
  return upper;
}

function readMeta(attribs: Attributes, into: Map<string, string>): void {
  const content = attribs['content'];
  if (content === undefined || content.trim() === '') return;
  for (const key of `${attribs['name'] ?? ''} ${attribs['property'] ?? ''}`.toLowerCase().split(/\s+/)) {
    if (key !== '' && !into.has(key)) into.set(key, content.trim());
  }
}

/**
 * React's streaming server rendering (Next.js's app router and other React 18+
 * sites) sends a page's shell first, with a `<template id="B:0">` (or "P:0")
 * slot where content is still loading, and the content later at the end
 * of the body, in `<div hidden id="S:0">`, with a script that moves it into
 * place: `$RC("B:0","S:0")` (a Suspense boundary: its fallback, between the
 * template and the boundary's closing `<!--/$-->` comment, goes),
 * `$RR(...)` (the same, with style sheets to load) or `$RS("S:0","P:0")` (a
 * segment). Without this the article of such a page is hidden, and the page
 * empty. The moves are made as the script would make them, in its order; a
 * segment without its instruction stays hidden, as in a browser. React writes
 * the same instructions as `<template data-rci>`, `data-rri` or `data-rsi`
 * attributes where a page forbids inline scripts. A copy of a page saved
 * without its scripts (an archive's cleaned copy) has lost the instructions
 * with them: on a page with no script and no instruction at all, each
 * segment goes to the slot of its number, as React numbers them (`S:3` to
 * `B:3`, else `P:3`), for the page as its readers saw it. 12 of WCXB's pages
 * are such copies; three whole articles among them gave a footer line.
 */
class StreamedSegments {
  private readonly slots = new Map<string, LightNode>();
  private readonly segments = new Map<string, LightNode>();
  /** A pending boundary's fallback: its last node, by the boundary's slot. */
  private readonly fallbackEnds = new Map<LightNode, LightNode>();
  private readonly moves: Array<{ slot: string; segment: string }> = [];
  /** Open Suspense boundaries: the parent they opened in and, for a pending one, its slot. */
  private readonly boundaries: Array<{ parent: LightNode; pending: boolean; slot: LightNode | null }> = [];

  comment(data: string, parent: LightNode): void {
    if (data === '$?' || data === '$' || data === '$!') {
      this.boundaries.push({ parent, pending: data === '$?', slot: null });
    } else if (data === '/$') {
      const open = this.boundaries.pop();
      if (open?.slot && open.parent === parent && parent.lastChild !== open.slot && parent.lastChild !== null) {
        this.fallbackEnds.set(open.slot, parent.lastChild);
      }
    }
  }

  /** A slot to build for a `<template>`, or null; records instructions given as attributes. */
  template(attribs: Attributes, parent: LightNode): LightNode | null {
    if ((attribs['data-rci'] !== undefined || attribs['data-rri'] !== undefined) && attribs['data-bid'] && attribs['data-sid']) {
      this.moves.push({ slot: attribs['data-bid'], segment: attribs['data-sid'] });
    } else if (attribs['data-rsi'] !== undefined && attribs['data-sid'] && attribs['data-pid']) {
      this.moves.push({ slot: attribs['data-pid'], segment: attribs['data-sid'] });
    }
    const id = attribs['id'];
    if (id === undefined || !SLOT_ID.test(id)) return null;
    const node = new LightNode(1, 'TEMPLATE', null, EMPTY_ATTRIBS);
    this.slots.set(id, node);
    const open = this.boundaries[this.boundaries.length - 1];
    if (open?.pending && open.slot === null && open.parent === parent) open.slot = node;
    return node;
  }

  segment(div: LightNode): void {
    const id = div.attribs?.['id'];
    if (id !== undefined && div.attribs?.['hidden'] !== undefined && SEGMENT_ID.test(id)) this.segments.set(id, div);
  }

  /**
   * Reads a script's text for `$RC(...)` and `$RS(...)` calls. React writes each call after its
   * segment, so on a page with no segment yet (almost all pages) no script text is searched.
   */
  script(text: string): void {
    if (this.segments.size === 0 || !text.includes('$R')) return;
    for (const m of text.matchAll(INSTRUCTION)) {
      if (m[1] !== 'S') this.moves.push({ slot: m[2]!, segment: m[3]! });
      else this.moves.push({ slot: m[3]!, segment: m[2]! });
    }
  }

  /**
   * Moves each segment's content to its slot (the first MAX_MOVES); true if the tree changed.
   * `scriptsStripped`: the page has no script, so instructions are made up by number (see above).
   */
  resolve(scriptsStripped: boolean): boolean {
    if (scriptsStripped && this.moves.length === 0) {
      for (const sid of this.segments.keys()) {
        const slot = ['B', 'P'].map((kind) => sid.replace(SEGMENT_ID, `${kind}:$1`)).find((id) => this.slots.has(id));
        if (slot !== undefined) this.moves.push({ slot, segment: sid });
      }
    }
    let changed = false;
    for (const { slot: pid, segment: sid } of this.moves.slice(0, MAX_MOVES)) {
      const slot = this.slots.get(pid);
      const segment = this.segments.get(sid);
      const parent = slot?.parentNode;
      if (!slot || !segment || !parent || !segment.parentNode || isInside(slot, segment)) continue;
      this.slots.delete(pid);
      this.segments.delete(sid);
      const fallbackEnd = this.fallbackEnds.get(slot);
      if (fallbackEnd !== undefined) removeRange(parent, slot.nextSibling, fallbackEnd);
      removeRange(segment.parentNode, segment, segment);
      replaceWithChildren(parent, slot, segment);
      changed = true;
    }
    return changed;
  }
}

/**
 * Each move walks its parents' children: a made-up page of 100,000 slots under one parent
 * would cost their square. Real streamed pages make a few dozen moves.
 */
const MAX_MOVES = 500;
/** Slot and segment ids, after the page's optional identifier prefix. */
const SLOT_ID = /[BP]:[0-9a-f]+$/;
const SEGMENT_ID = /S:([0-9a-f]+)$/;
/** `$RC("B:0","S:0")`, `$RR("B:0","S:0",[styles])` and `$RS("S:0","P:0")`, with either kind of quotes. */
const INSTRUCTION = /\$R([CRS])\(\s*["']([^"']+)["']\s*,\s*["']([^"']+)["']\s*\)/g;

/** Whether `ancestor` is `node` or one of its ancestors. */
export function isInside(node: LightNode, ancestor: LightNode): boolean {
  for (let p: LightNode | null = node; p !== null; p = p.parentNode) if (p === ancestor) return true;
  return false;
}

/** Unlinks the siblings from `first` to `last` (both included; `first` null: none) from `parent`. */
function removeRange(parent: LightNode, first: LightNode | null, last: LightNode): void {
  if (first === null) return;
  let before: LightNode | null = null;
  for (let c = parent.firstChild; c !== null && c !== first; c = c.nextSibling) before = c;
  let end: LightNode | null = first;
  while (end !== null && end !== last) end = end.nextSibling;
  if (end === null) return; // `last` does not follow `first`: not a range of this parent
  const after = last.nextSibling;
  if (before === null) parent.firstChild = after;
  else before.nextSibling = after;
  if (parent.lastChild === last) parent.lastChild = before;
  last.nextSibling = null;
}

/** Puts `from`'s children where `slot` is, in its place. */
function replaceWithChildren(parent: LightNode, slot: LightNode, from: LightNode): void {
  const first = from.firstChild;
  const last = from.lastChild;
  from.firstChild = from.lastChild = null;
  if (first !== null && last !== null) {
    for (let c: LightNode | null = first; c !== null; c = c.nextSibling) c.parentNode = parent;
    last.nextSibling = slot.nextSibling;
    slot.nextSibling = first;
    if (parent.lastChild === slot) parent.lastChild = last;
  }
  removeRange(parent, slot, slot);
}

/** Document order again after nodes moved: every element of the tree, parents first, indexes renumbered. */
function reindex(body: LightNode): LightNode[] {
  const out: LightNode[] = [];
  // Depth-first with an explicit stack: a page may nest elements deeper than the call stack goes.
  const stack: LightNode[] = [body];
  while (stack.length > 0) {
    const node = stack.pop()!;
    node.index = out.length;
    out.push(node);
    const children: LightNode[] = [];
    for (let c = node.firstChild; c !== null; c = c.nextSibling) if (c.nodeType === 1) children.push(c);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}
