import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { boilerplateFilter, countElements, isBoilerplate, isObviousFurniture } from './boilerplate.js';
import { htmlToText, type DomNode } from './html-to-text.js';

export interface ExtractedText {
  /** Main text with paragraphs separated by blank lines; '' when the page has none. */
  text: string;
  title: string | null;
  /**
   * How the text was found: "readability", "boilerplate" (the fallback), "visible" (the last
   * resort: all visible text but obvious furniture), "empty" (no visible text) or "failed".
   */
  method: string;
}

export interface ExtractOptions {
  /** Page URL, used only for diagnostics today. Default null. */
  url?: string | null;
  /**
   * Readability's result is used when it holds at least this many characters
   * and at least `minArticleShare` of the fallback's text. Default 250.
   */
  minArticleChars?: number;
  /**
   * Below this share of the boilerplate-stripped page text, Readability has
   * picked one fragment of a listing or home page, and the fallback is used.
   * Readability keeps 45-100% of that text on the article pages of the test corpus and 13-20% on
   * home pages. Default 0.35.
   */
  minArticleShare?: number;
  /**
   * HTML longer than this (in UTF-16 code units) is cut before parsing, so a
   * pathological page (megabytes of inline data) costs bounded time and memory.
   * Default 4_000_000.
   */
  maxHtmlChars?: number;
  /**
   * Pages with more elements than this skip Readability and use the fallback.
   * Readability's cost grows faster than linearly with page size over
   * linkedom (tens of seconds on a 35,000-element forum listing); article
   * pages rarely exceed a few thousand elements. Default 4_000.
   */
  maxElements?: number;
}

const DEFAULTS = { minArticleChars: 250, minArticleShare: 0.35, maxHtmlChars: 4_000_000, maxElements: 4_000 };

/**
 * Main text of an HTML page, without navigation, menus, footers, scripts and
 * styles. Readability.js (over linkedom) finds the article; on pages where it
 * finds none or only a fragment (home pages, listings) a boilerplate-stripping
 * walk over the whole body is used instead, and where that leaves nothing,
 * the page's visible text but obvious furniture. Never throws: malformed HTML,
 * pages without a body and framesets give text or ''.
 */
export function extractMainText(html: string, options: ExtractOptions = {}): ExtractedText {
  const opts = { ...DEFAULTS, ...stripUndefined(options) };
  try {
    return extract(html.length > opts.maxHtmlChars ? html.slice(0, opts.maxHtmlChars) : html, opts);
  } catch {
    // linkedom or Readability failing on some input is a property of that page, not of the run:
    // the caller sees '' with method "failed" and counts the document as empty.
    return { text: '', title: null, method: 'failed' };
  }
}

function extract(html: string, opts: typeof DEFAULTS): ExtractedText {
  // linkedom builds a document only from a whole page: a fragment (no <html> and no <body>) would
  // end up outside the body and yield nothing, so fragments get the wrapper a browser would imply.
  const whole = /<(html|body)[\s>]/i.test(html);
  const { document } = parseHTML(whole ? html : `<!DOCTYPE html><html><head></head><body>${html}</body></html>`);
  const title = cleanTitle((document as { title?: string }).title);
  const root = (document.body ?? document.documentElement) as unknown as DomNode | null;
  if (root === null || root === undefined) return { text: '', title, method: 'empty' };

  // The fallback walk is read-only, so it runs first on the same tree Readability will then rewrite.
  const fallback = htmlToText(root, { skip: boilerplateFilter(root) });
  // Class and id words can be wrong (a page's only table has id "header-table"): when they leave
  // nothing, the page's visible text but obvious furniture is the last resort, so a page with text
  // never comes out empty. Computed now, before Readability rewrites the tree.
  const visible = fallback.length === 0 ? htmlToText(root, { skip: isObviousFurniture }) : '';
  const lastResort = (): ExtractedText => (visible.length === 0 ? { text: '', title, method: 'empty' } : { text: visible, title, method: 'visible' });
  if (countElements(root, opts.maxElements + 1) > opts.maxElements) {
    return fallback.length === 0 ? lastResort() : { text: fallback, title, method: 'boilerplate' };
  }

  let article: string | null = null;
  try {
    const reader = new Readability<DomNode>(document as never, {
      serializer: (node) => node as unknown as DomNode,
      // Classes kept so that furniture Readability leaves inside the article (skip links,
      // share bars, screen-reader-only text) can still be recognised by its class.
      keepClasses: true,
    });
    const parsed = reader.parse();
    if (parsed?.content) article = htmlToText(parsed.content, { skip: isBoilerplate });
  } catch {
    article = null; // too many elements, or a tree Readability cannot handle: the fallback stands
  }

  if (article !== null && article.length >= opts.minArticleChars && article.length >= opts.minArticleShare * fallback.length) {
    return { text: article, title, method: 'readability' };
  }
  if (fallback.length === 0 && article !== null && article.length > 0) return { text: article, title, method: 'readability' };
  return fallback.length === 0 ? lastResort() : { text: fallback, title, method: 'boilerplate' };
}

function cleanTitle(raw: string | null | undefined): string | null {
  const t = (raw ?? '').replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
