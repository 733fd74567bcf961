import { createRequire } from 'node:module';
import type { Readability as ReadabilityClass } from '@mozilla/readability';
import type { parseHTML as ParseHTML } from 'linkedom';
import { boilerplateFilter, countElements, isBoilerplate, isObviousFurniture, listingFilter, regionText } from './boilerplate.js';
import { dropFurnitureLines } from './furniture-lines.js';
import { dropRepeatedRuns } from './repeated-lines.js';
import { htmlToText, type DomNode } from './html-to-text.js';
import { asBrowserReadsCdata, isInside, parseLightDocument, type LightDocument, type LightNode } from './light-dom.js';
import { mainContent } from './main-content.js';
import { productDescription, withDescription } from './structured-data.js';

/** `fast`: the linear main-content scorer over a light tree (the default); `readability`: Readability.js over linkedom. */
export type Extractor = 'fast' | 'readability';
export const EXTRACTORS: readonly Extractor[] = ['fast', 'readability'];

export interface ExtractedText {
  /** Main text with paragraphs separated by blank lines; '' when the page has none. */
  text: string;
  title: string | null;
  /**
   * How the text was found: "main" (the fast extractor found the main content), "readability"
   * (Readability.js did), "boilerplate" (the fallback: the page less furniture), "listing" (a
   * listing's cards: the main region less furniture by markup and names, cards kept),
   * "visible" (the last resort: all visible text but obvious furniture), "empty" (no visible text)
   * or "failed".
   */
  method: string;
}

export interface ExtractOptions {
  /** Which extractor finds the main content. Default "fast". */
  extractor?: Extractor;
  /**
   * The page's address. An address that names a headline or a date marks an article, whose text
   * is never read as a listing (see listingText). Default null.
   */
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
   * The fast extractor builds at most this many elements of a page (the rest
   * is not read), bounding memory on pathological pages. Default 200_000.
   */
  maxTreeElements?: number;
  /**
   * Pages with more elements than this skip Readability and use the fallback.
   * Readability's cost grows faster than linearly with page size over
   * linkedom (tens of seconds on a 35,000-element forum listing); article
   * pages rarely exceed a few thousand elements. Default 4_000.
   */
  maxElements?: number;
}

const DEFAULTS = {
  extractor: 'fast' as Extractor, url: null as string | null, minArticleChars: 250, minArticleShare: 0.35, maxHtmlChars: 4_000_000, maxTreeElements: 200_000, maxElements: 4_000,
};

/**
 * Main text of an HTML page, without navigation, menus, footers, scripts and
 * styles. The fast extractor (or Readability.js over linkedom, on request)
 * finds the article; on pages where it finds none or only a fragment (home
 * pages, listings) a boilerplate-stripping walk over the whole body is used
 * instead, and where that leaves nothing, the page's visible text but obvious
 * furniture. Never throws: malformed HTML, pages without a body and framesets
 * give text or ''.
 */
export function extractMainText(html: string, options: ExtractOptions = {}): ExtractedText {
  const opts = { ...DEFAULTS, ...stripUndefined(options) };
  try {
    const cut = html.length > opts.maxHtmlChars ? html.slice(0, opts.maxHtmlChars) : html;
    return opts.extractor === 'readability' ? extractWithReadability(cut, opts) : extractFast(cut, opts);
  } catch {
    // linkedom or Readability failing on some input is a property of that page, not of the run:
    // the caller sees '' with method "failed" and counts the document as empty.
    return { text: '', title: null, method: 'failed' };
  }
}

function extractFast(html: string, opts: typeof DEFAULTS): ExtractedText {
  const found = findFast(html, opts);
  const text = dropRepeatedRuns(dropFurnitureLines(found.text));
  // Furniture lines refine a text; they never empty one: a page with visible text gives text
  // (a spam page of nothing but "CLICK HERE" lines is for the quality filters to judge).
  return text === '' ? found : { ...found, text };
}

function findFast(html: string, opts: typeof DEFAULTS): ExtractedText {
  const found = findFastIn(parseLightDocument(html, opts.maxTreeElements), opts);
  if ((found.text.length >= opts.minArticleChars && found.method !== 'visible') || !NOSCRIPT_TAG.test(html)) return found;
  // Some templates ship the article only as a script that renders it, with a <noscript> copy for
  // browsers without scripts (Blogger's, on every *.googleblog.com post): read as such a browser
  // would, the page has its article; read with scripts, it gives a short line or only the last
  // resort, its visible text. Most pages' <noscript> holds a tracking pixel or "please enable
  // JavaScript", a line or two: only a much longer text replaces what was found.
  const withoutScripts = findFastIn(parseLightDocument(html, opts.maxTreeElements, { noscript: true }), opts);
  return withoutScripts.text.length >= opts.minArticleChars && withoutScripts.text.length > NOSCRIPT_GAIN * found.text.length ? withoutScripts : found;
}

const NOSCRIPT_TAG = /<noscript[\s>]/i;
/** How many times longer the text read with <noscript> content must be to replace the text read without. */
const NOSCRIPT_GAIN = 2;

/**
 * The page's text, with the product description of its structured data in front where the text
 * does not hold it (a shop that renders the description with its scripts; structured-data.ts). A
 * page with no visible text stays empty: its structured data alone is not a page a reader sees.
 */
function findFastIn(doc: LightDocument, opts: typeof DEFAULTS): ExtractedText {
  const found = findInTree(doc, opts);
  if (found.text === '' || doc.structuredData.length === 0) return found;
  const description = productDescription(doc.structuredData);
  return description === null ? found : { ...found, text: withDescription(found.text, description) };
}

function findInTree(doc: LightDocument, opts: typeof DEFAULTS): ExtractedText {
  const root = doc.body;
  const main = mainContent(doc);
  // An article holding its share of all the page's text holds it of the page less furniture too:
  // most article pages never need the fallback rendered.
  if (main.text.length >= opts.minArticleChars && main.text.length >= opts.minArticleShare * main.pageChars) {
    return { text: mainRegionText(doc, main.top, main.text.length) ?? main.text, title: doc.title, method: 'main' };
  }
  const fallback = htmlToText(root, { skip: boilerplateFilter(root) });
  const prose = main.linkDensity <= MAX_PROSE_LINK_DENSITY;
  const chosen = choose(main.text, fallback, doc.title, opts, 'main', () => visibleText(root), prose);
  const region = chosen.method === 'main' ? mainRegionText(doc, main.top, main.text.length) : null;
  const found = region === null ? chosen : { ...chosen, text: region };
  const longProse = found.method === 'main' && found.text.length >= LONG_PROSE_CHARS && prose;
  return longProse ? found : (listingText(doc, found, main.pageChars, opts.url) ?? found);
}

/**
 * The text of a listing: a collection or category page, a shop's grid of products, a news
 * section's stream of headlines and teasers, a "List of ..." article. Such a page's content is
 * cards whose titles are links, and the fallback's link-density rule reads each card as a menu,
 * while the scorer picks the one paragraph of prose among them (a category's introduction): on
 * WCXB's development pages, listing and collection pages kept 0.64-0.66 of their gold words
 * (recall) at 0.73-0.74 precision. When what was found holds under MAX_LISTING_FOUND_SHARE of the
 * page's visible text, and is not a long prose pick (an article beside long comment threads or a
 * stream of teasers, which MAX_PROSE_LINK_DENSITY tells apart), the page's main region (or its body,
 * without one or with several) less furniture by markup and by class and id words, and less the
 * link-dense blocks whose links are not titles (listingFilter), is the text: when it holds at
 * least MIN_LISTING_SHARE of the page's visible text and LISTING_GAIN times what was found.
 * Menus by tag, role or name, headers, footers, sidebars and dialogs still go. A short news story
 * surrounded by teaser cards looks the same to these counts, and its address tells it apart (see
 * isArticleAddress).
 */
function listingText(doc: LightDocument, found: ExtractedText, pageChars: number, url: string | null): ExtractedText | null {
  // The address is read only for pages whose counts say listing: most pages stop at the share.
  if (pageChars === 0 || found.text.length >= MAX_LISTING_FOUND_SHARE * pageChars || isArticleAddress(url)) return null;
  const root = doc.mainRegions.length === 1 ? doc.mainRegions[0]! : doc.body;
  const text = htmlToText(root, { skip: listingFilter(root) });
  if (text.length < MIN_LISTING_SHARE * pageChars || text.length < LISTING_GAIN * found.text.length) return null;
  return { text, title: found.title, method: 'listing' };
}

/**
 * Whether a page's address names an article: a date in its path (`/2016/06/19/`) or a segment
 * that is a headline, five or more words (`/news/son-of-former-president-stabbed-608399`,
 * `/la-perte-des-terres-fertiles`), as news and blog engines write their stories' addresses. A
 * listing's address names a section or a category in a word or three (`/c/hiking-boots`,
 * `/recipes/air-fryer-recipes`, `/sections/science/`). On Zyte's and trafilatura's article sets
 * this kept 14 of the 20 short stories (260-1,700 characters) that the listing text had replaced
 * with the story and its teasers; on WCXB's and tiptopjaw's pages it kept two product pages (a
 * training course, a guitar) from their listing text, and no listing.
 */
export function isArticleAddress(url: string | null): boolean {
  if (url === null) return false;
  const path = addressPath(url);
  if (DATED_PATH.test(path)) return true;
  for (const segment of path.split('/')) {
    let words = 0;
    for (const token of segment.replace(PAGE_EXTENSION, '').split(WORD_SEPARATORS)) if (HAS_LETTER.test(token) && ++words >= HEADLINE_WORDS) return true;
  }
  return false;
}

/** The path of an address, percent-decoded where it decodes, without its query, fragment or `;jsessionid`. */
function addressPath(url: string): string {
  const path = url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').replace(/[?#;].*$/s, '');
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

const DATED_PATH = /\/(?:19|20)\d\d\/(?:0?[1-9]|1[0-2])(?:\/|$)/;
const PAGE_EXTENSION = /\.(?:s?html?|php|aspx?|jsp|cms)$/i;
const WORD_SEPARATORS = /[-_+.,\s]+/;
const HAS_LETTER = /\p{L}/u;
const HEADLINE_WORDS = 5;

/**
 * Listing text is tried when what was found holds less than this share of the page's visible
 * text. Tuned on WCXB's 1,497 development pages and tiptopjaw's 999 with 0.2-0.35: 0.25 changed
 * the fewest pages for the worse (5 and 0; 0.3 changed 7 and 2) for about the same gain.
 */
const MAX_LISTING_FOUND_SHARE = 0.25;
/** The listing text must hold this share of the page's visible text: less is a region of a few cards. */
const MIN_LISTING_SHARE = 0.2;
/** ... and this many times what was found, or what was found stands. */
const LISTING_GAIN = 1.5;

/**
 * The page's main region, read whole, when the pick is a small part of it.
 *
 * A landing, product or service page sets its content in many short sections (a hero, features,
 * a FAQ, specifications), and the scorer picks the one densest section: on the 1,497 development
 * pages of WCXB (docs/extraction.md) service pages kept 0.88 precision but 0.70 recall. Where the
 * page marks its main region (one <main>, or role="main") and the pick lies inside it, or it inside
 * the pick, that region is read instead when it reads as prose (at most MAX_PROSE_LINK_DENSITY of
 * its text in links: a news story's region that also holds a stream of teasers, or a portal's, is
 * not read whole) and holds at least MIN_REGION_GAIN times the pick's text. Below that, the pick
 * already is the content, and the region adds an author's box or a newsletter form to it.
 *
 * The region is read with the fallback's furniture rules, except that only the pick and its
 * ancestors are content whatever they are named: a comment thread holding most of the region's
 * text is still cut by its class words.
 */
function mainRegionText(doc: LightDocument, top: LightNode | null, pickChars: number): string | null {
  if (top === null || pickChars === 0) return null;
  // Two main regions: neither is the page's.
  if (doc.mainRegions.length !== 1) return null;
  const region = doc.mainRegions[0]!;
  if (!(isInside(top, region) || isInside(region, top))) return null;
  // The region's text before any cut must reach the gain (in characters that are not whitespace,
  // as it is counted; the pick's text has about one space in six): most regions do not, and are
  // never rendered.
  const text = regionText(region, top, MAX_PROSE_LINK_DENSITY, MIN_REGION_GAIN * pickChars * NON_SPACE_SHARE);
  return text !== null && text.length >= MIN_REGION_GAIN * pickChars ? text : null;
}

/** A lower bound on the share of a text's characters that are not whitespace, for regionText's first test. */
const NON_SPACE_SHARE = 0.75;

const MIN_REGION_GAIN = 2;

/**
 * The article when it is long enough and not a fragment of a listing, else
 * the page less furniture, else the visible text (computed only then).
 */
function choose(
  article: string | null, fallback: string, title: string | null, opts: typeof DEFAULTS, method: string, lastResort: () => string,
  articleIsProse = false,
): ExtractedText {
  if (article !== null && article.length >= opts.minArticleChars && isWholeArticle(article, fallback, opts.minArticleShare, articleIsProse)) {
    return { text: article, title, method };
  }
  if (fallback.length === 0 && article !== null && article.length > 0) {
    // The furniture rules left nothing. A long pick stands. A short one is a fragment (a price, a
    // heading, a line of a card) when the visible text holds more than SHORT_PICK_GAIN times as
    // much: the page is built of blocks its theme names like furniture, and its visible text is
    // what it has (a collection page of product tiles gave 17 characters of two tiles' labels, not its 1,213).
    if (article.length >= opts.minArticleChars) return { text: article, title, method };
    const visible = lastResort();
    return visible.length > SHORT_PICK_GAIN * article.length ? { text: visible, title, method: 'visible' } : { text: article, title, method };
  }
  if (fallback.length >= opts.minArticleChars) return { text: fallback, title, method: 'boilerplate' };
  const visible = lastResort();
  // A short fallback that kept almost nothing of the page's visible text is the furniture rules
  // removing the page's content (a post that is a list of links, a page built of widgets), not a
  // page of little text: the visible text but obvious furniture, as when the fallback is empty.
  if (fallback.length > 0 && fallback.length >= MIN_FALLBACK_SHARE * visible.length) return { text: fallback, title, method: 'boilerplate' };
  return visible.length === 0 ? { text: '', title, method: 'empty' } : { text: visible, title, method: 'visible' };
}

/**
 * True unless the article is a fragment of a listing or home page: it holds
 * at least `share` of the page's text, or, when it is long, of the page's
 * prose. Prose counts because a page's furniture (menus, player controls,
 * font pickers) is many short lines that would make a whole article look like
 * a fragment of all text, while a listing's teasers are prose spread over
 * many blocks. A short pick must hold its share of all text: a portal's one
 * welcome paragraph is prose too. And a long pick with almost no link text
 * is an article whatever surrounds it (comment threads, related-story
 * teasers): a listing's pick is made of teasers, whose headlines are links.
 * Below SURE_PROSE_CHARS it must still hold SHORT_PROSE_SHARE of the page:
 * there it is as often one section of a landing page or one post of a thread.
 */
function isWholeArticle(article: string, page: string, share: number, articleIsProse: boolean): boolean {
  if (article.length >= share * page.length) return true;
  if (article.length < LONG_ARTICLE_CHARS) return false;
  if (proseLength(article) >= share * proseLength(page)) return true;
  return articleIsProse && article.length >= LONG_PROSE_CHARS && (article.length >= SURE_PROSE_CHARS || article.length >= SHORT_PROSE_SHARE * page.length);
}

/** How many times the visible text must hold a short pick's text to replace it when the fallback is empty (see choose). */
const SHORT_PICK_GAIN = 3;

/**
 * A fallback shorter than minArticleChars must keep at least this share of the page's visible
 * text (see choose). On trafilatura's evaluation pages the fallbacks that held the article kept
 * 8-29% of it; those that had cut the article kept 0.6-4%.
 */
const MIN_FALLBACK_SHARE = 0.05;

const LONG_ARTICLE_CHARS = 500;
/**
 * A pick this long with at most MAX_PROSE_LINK_DENSITY of its text in links
 * is an article on its own. Posts and news articles link inline (citations,
 * names, earlier stories): the dev set's WordPress post keeps 15% of its
 * text in links, and at 0.1 lost to the page less furniture (token F1 0.47
 * against 1.0). A listing's pick is teasers whose headlines are links; no
 * page of the shared corpus changed method between 0.1 and 0.25.
 */
const LONG_PROSE_CHARS = 1000;
/**
 * A prose pick shorter than this must also hold SHORT_PROSE_SHARE of the page less furniture. A
 * landing, product or service page sets its text in sections of a few paragraphs each, and a
 * forum thread in posts, and the scorer picks one of them. On WCXB's 2,008 pages this sent 8
 * pages to the page less furniture: 4 service pages and 2 forum threads whose pick was one
 * section or one post (word F1 0.13-0.59 to 0.60-0.98), and 2 product pages a little worse
 * (0.56 to 0.45, 0.64 to 0.61); no page of the article sets changed for the worse.
 */
const SURE_PROSE_CHARS = 2500;
const SHORT_PROSE_SHARE = 0.3;
const MAX_PROSE_LINK_DENSITY = 0.2;

/** Characters in lines long enough to be running text. */
function proseLength(text: string): number {
  let n = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (end - start >= PROSE_LINE_CHARS) n += end - start;
    start = end + 1;
  }
  return n;
}

const PROSE_LINE_CHARS = 60;

/**
 * Readability.js and linkedom, loaded on the first page that asks for them: the default fast
 * extractor never does, and loading linkedom costs about 100 ms in every task thread.
 */
let readabilityLibraries: { parseHTML: typeof ParseHTML; Readability: typeof ReadabilityClass } | undefined;
function loadReadability(): NonNullable<typeof readabilityLibraries> {
  if (!readabilityLibraries) {
    const require = createRequire(import.meta.url);
    readabilityLibraries = {
      parseHTML: (require('linkedom') as { parseHTML: typeof ParseHTML }).parseHTML,
      Readability: (require('@mozilla/readability') as { Readability: typeof ReadabilityClass }).Readability,
    };
  }
  return readabilityLibraries;
}

function extractWithReadability(html: string, opts: typeof DEFAULTS): ExtractedText {
  // linkedom builds a document only from a whole page: a fragment (no <html> and no <body>) would
  // end up outside the body and yield nothing, so fragments get the wrapper a browser would imply.
  const whole = /<(html|body)[\s>]/i.test(html);
  const { parseHTML, Readability } = loadReadability();
  // linkedom tokenizes with htmlparser2 too: a stray `<![CDATA[` must not hide the rest of the page.
  const read = asBrowserReadsCdata(html);
  const { document } = parseHTML(whole ? read : `<!DOCTYPE html><html><head></head><body>${read}</body></html>`);
  const title = cleanTitle((document as { title?: string }).title);
  const root = (document.body ?? document.documentElement) as unknown as DomNode | null;
  if (root === null || root === undefined) return { text: '', title, method: 'empty' };

  // The fallback walk is read-only, so it runs first on the same tree Readability will then rewrite.
  const fallback = htmlToText(root, { skip: boilerplateFilter(root) });
  // Class and id words can be wrong (a page's only table has id "header-table"): when they leave
  // nothing, or next to nothing (see choose), the page's visible text but obvious furniture is the
  // last resort, so a page with text never comes out empty. Computed now, before Readability rewrites
  // the tree; from the light tree when linkedom's has none, as on pages with markup before <html> or
  // no <html> before a <style> (linkedom leaves their content out of the body; 4 of trafilatura's 990
  // evaluation pages).
  const visible = fallback.length < opts.minArticleChars ? visibleText(root) || visibleText(parseLightDocument(html, opts.maxTreeElements).body) : '';
  if (countElements(root, opts.maxElements + 1) > opts.maxElements) return choose(null, fallback, title, opts, 'readability', () => visible);

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

  return choose(article, fallback, title, opts, 'readability', () => visible);
}

/** All visible text of `root` but obvious furniture: the last resort. */
function visibleText(root: DomNode): string {
  return htmlToText(root, { skip: isObviousFurniture });
}

function cleanTitle(raw: string | null | undefined): string | null {
  const t = (raw ?? '').replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}
