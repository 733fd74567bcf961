import { Parser } from 'htmlparser2';
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
    readonly attribs: Readonly<Record<string, string>> | null,
  ) {}

  getAttribute(name: string): string | null {
    return this.attribs?.[name] ?? null;
  }

  append(child: LightNode): void {
    child.parentNode = this;
    if (this.lastChild === null) this.firstChild = child;
    else this.lastChild.nextSibling = child;
    this.lastChild = child;
  }
}

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
}

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

/** Elements that stand for a block even when empty: kept so the renderer still breaks lines at them. */
const VOID_KEPT = new Set(['br', 'hr', 'img', 'input', 'wbr']);

const EMPTY_ATTRIBS: Readonly<Record<string, string>> = Object.freeze({});

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
  let current = body;
  let truncated = false;
  // Depth inside a subtree that is not built (scripts, head, ...); text and tags there are ignored.
  let hiddenDepth = 0;
  let inHead = false;
  let stopped = false;
  let inTitle = false;
  let title = '';
  let sawTitle = false;
  let bodyAttribs: Record<string, string> | null = null;

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (stopped) return;
        if (name === 'title' && !sawTitle && !inTitle) {
          inTitle = true;
          return;
        }
        if (hiddenDepth > 0) {
          hiddenDepth++;
          return;
        }
        if (name === 'head') {
          inHead = true;
          return;
        }
        if (name === 'meta') {
          readMeta(attribs, meta);
          if (inHead) return; // void: no close to wait for
        }
        if (inHead && (name === 'body' || !HEAD_CONTENT.has(name))) inHead = false;
        if (notBuilt.has(name) || inHead) {
          hiddenDepth = 1;
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
        if (!VOID_KEPT.has(name)) current = node;
      },
      onclosetag(name) {
        if (stopped) return;
        if (name === 'title' && inTitle) {
          inTitle = false;
          sawTitle = true;
          return;
        }
        if (hiddenDepth > 0) {
          hiddenDepth--;
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
        if (current !== body && current.nodeName === upperCaseTag(name)) current = current.parentNode ?? body;
      },
      ontext(data) {
        if (inTitle) {
          title += data;
          return;
        }
        if (hiddenDepth > 0 || inHead || stopped) return;
        const last = current.lastChild;
        if (last !== null && last.nodeType === 3) last.nodeValue += data;
        else current.append(new LightNode(3, '#text', data, null));
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  if (bodyAttribs !== null) (body as { attribs: Readonly<Record<string, string>> | null }).attribs = bodyAttribs;
  const cleanTitle = title.replace(/\s+/g, ' ').trim();
  return { body, elements: all, title: cleanTitle === '' ? null : cleanTitle, meta, truncated };
}

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

function readMeta(attribs: Record<string, string>, into: Map<string, string>): void {
  const content = attribs['content'];
  if (content === undefined || content.trim() === '') return;
  for (const key of `${attribs['name'] ?? ''} ${attribs['property'] ?? ''}`.toLowerCase().split(/\s+/)) {
    if (key !== '' && !into.has(key)) into.set(key, content.trim());
  }
}
