import { htmlToText, upperCaseName, type DomNode } from './html-to-text.js';
import { HIDING_STYLE } from './light-dom.js';
import { isWhiteSpace } from './whitespace.js';

/**
 * Heuristics that mark page furniture (navigation, menus, headers, footers,
 * sidebars, cookie banners, share bars) so the fallback extraction can skip
 * it. Used when Readability finds no article (home pages, listings).
 */

/** Elements that are page furniture by definition. */
const FURNITURE_TAGS = new Set(['NAV', 'FOOTER', 'ASIDE', 'FORM', 'MENU', 'LABEL']);

const FURNITURE_ROLES = new Set([
  'navigation', 'banner', 'contentinfo', 'complementary', 'menu', 'menubar', 'search', 'dialog', 'alertdialog', 'toolbar',
]);

/**
 * A `role="tablist"` element is furniture while its text is this short or shorter, as a strip of
 * tab labels is ("Overview Specifications Reviews"). Bootstrap's accordions (and the ARIA 1.0
 * accordion pattern) put the role on the wrapper of the whole accordion, answers and all: an
 * energy utility's rebate page kept its first paragraphs and lost every eligibility rule and FAQ
 * answer (word F1 0.40, now 0.99). Its length is known where a caller counted it; unknown (0), the
 * element is taken for a tab strip.
 */
const MAX_TAB_STRIP_CHARS = 300;

/**
 * Words in a class or id that mark furniture. Matched as whole words between
 * `-`, `_`, spaces or camelCase boundaries, so "navigation" matches but
 * "canvas" or "menuitem-content" in running text does not match by accident.
 */
const FURNITURE_WORDS = new Set([
  'navbar', 'menu', 'menubar', 'submenu', 'breadcrumb', 'breadcrumbs', 'sidebar', 'footer',
  'masthead', 'cookie', 'cookies', 'consent', 'gdpr', 'share', 'sharing', 'social', 'subscribe', 'newsletter',
  'toolbar', 'advert', 'advertisement', 'ads', 'ad', 'promo', 'popup', 'modal', 'login', 'signup',
  'banner', 'topbar', 'offcanvas', 'printfooter', 'catlinks', 'toc', 'related', 'widget', 'copyright',
  'header', 'siteheader', 'noprint', 'editsection',
  // a shop's other products (WooCommerce's `up-sells upsells products` beside `related products`)
  'upsells',
  // comment threads and their forms (the article's own text is never so named: a block holding most of the page is judged by markup alone)
  'comments', 'commentlist', 'respond', 'disqus', 'pingback', 'trackback',
  // a forum member's signature under each of their posts (phpBB's and SMF's `signature`, vBulletin's
  // `signaturecontainer`, XenForo's `message-signature`): the same lines again on every post
  'signature', 'signaturecontainer',
]);

/**
 * Words that name a link to elsewhere on the page ("skip to content", "jump to recipe"): furniture
 * when the element is as short as such a link or its list, not when it holds a block of text
 * (a guide's sections named `skip-item` as targets of its table of contents).
 */
const LINK_WORDS = new Set(['skip', 'jump']);
/** Characters of text above which an element named by a LINK_WORDS word is not such a link. */
const MAX_LINK_WORD_CHARS = 200;

/**
 * Words that name furniture only when the element reads as links: `dropdown` names a menu's
 * drop-down list, and also the answer panel of an accordion (Squarespace's
 * `accordion-item__dropdown`: a course's page lost its 13 answers, 7,400 characters of prose, to
 * it; word F1 0.45, now 0.91). Such an element is furniture when at least half of its text is in
 * links, or when its links are not counted.
 */
const LINK_LIST_WORDS = new Set(['dropdown']);

/**
 * Words that name navigation: furniture unless the element holds a block of prose, at least
 * MIN_PROSE_BLOCK_CHARS characters with at most MAX_PROSE_BLOCK_LINK_SHARE of them in links, or
 * where the caller has not counted its text and links. A page's sections can carry such a name as
 * the targets of its in-page menu: Zoho's `lm_navSource`, a bank's `content-nav-section` (its
 * article's sections; word F1 0.43 and 0.72, now 0.89 and 0.95). A menu is links; a pager or a
 * site map too. (`menu`, `navbar` and `breadcrumb` stay furniture whatever they hold: they also
 * match inside longer names, see FURNITURE_STEMS.)
 */
const NAVIGATION_WORDS = new Set(['nav', 'navigation', 'sidenav', 'pagination', 'pager', 'sitemap']);
const MIN_PROSE_BLOCK_CHARS = 300;
const MAX_PROSE_BLOCK_LINK_SHARE = 0.1;

/**
 * Class names that mark furniture only as whole names. "hidden" is one: as a
 * word inside a name it says something else is hidden (Drupal writes
 * `field--label-hidden` on the field that holds an article's body).
 */
const FURNITURE_CLASS_NAMES = new Set(['hidden', 'visually-hidden', 'sr-only', 'mw-jump', 'mw-editsection']);

/**
 * Stems strong enough to match inside a longer token ("iafoot", "topnavbar",
 * "site-sidebar2"); "foot" excludes "footnote", which is content, and "menu"
 * excludes "contextmenu", a right-click handler some publishers put on every
 * paragraph of their stories (Echo Live's: the story came out as its first line).
 */
const FURNITURE_STEMS = /foot(?!note)|navbar|sidebar|breadcrumb|cookie|(?<!context)menu/i;

/**
 * Page builders call every block of a page a widget: Elementor's text, heading and image blocks
 * are `elementor-widget elementor-widget-text-editor`, each inside an `elementor-widget-container`.
 * In such a class name "widget" says nothing about furniture (an article split into ten text
 * blocks lost them all to it), while the block's other words still do
 * (`elementor-widget-nav-menu`, `elementor-widget-share-buttons`). A WordPress sidebar's
 * `widget widget_recent_entries` is still furniture.
 */
const PAGE_BUILDER_BLOCK = /^(?:elementor|so-widget|siteorigin-widget)-/i;

/**
 * Class names that make every "widget" word of the same class value a block of the page's
 * content. SiteOrigin's page builder writes each block of a page as `so-panel widget
 * widget_sow-editor` (and its text inside as `so-widget-sow-editor`, `siteorigin-widget-tinymce`);
 * CKEditor 5 wraps the blocks it lays out (a grid of pictures, each with its paragraphs) in
 * `ck-widget`, and some sites publish the editor's markup as it is: a botanic garden's article
 * lost all but its introduction to it.
 */
const BUILDER_BLOCK_NAME = /(?:^|\s)(?:so-panel|ck-widget)(?:\s|$)/i;

/**
 * Answers of furnitureWord by class or id value: a page repeats the same
 * few values on thousands of elements, and splitting each again was a fifth of
 * what the main-content pass allocated. Bounded, and emptied when full.
 */
const FURNITURE_ANSWERS = new Map<string, Furniture>();
const MAX_REMEMBERED_VALUES = 16_384;

/**
 * What a class or id value says: not furniture, furniture, furniture if short (LINK_WORDS), if it
 * reads as links (LINK_LIST_WORDS), or if it is not a block of prose (NAVIGATION_WORDS).
 */
const enum Furniture { No, Yes, IfShort, IfLinks, IfNotProse }

function furnitureWord(value: string): Furniture {
  let answer = FURNITURE_ANSWERS.get(value);
  if (answer === undefined) {
    answer = splitsIntoFurnitureWord(value);
    if (FURNITURE_ANSWERS.size >= MAX_REMEMBERED_VALUES) FURNITURE_ANSWERS.clear();
    FURNITURE_ANSWERS.set(value, answer);
  }
  return answer;
}

function splitsIntoFurnitureWord(value: string): Furniture {
  if (FURNITURE_STEMS.test(value)) return Furniture.Yes;
  let answer = Furniture.No;
  const builderValue = BUILDER_BLOCK_NAME.test(value);
  for (const name of value.split(/\s+/)) {
    const builderBlock = builderValue || PAGE_BUILDER_BLOCK.test(name);
    let previous = '';
    for (const token of name.split(/[_-]+|(?<=[a-z])(?=[A-Z])/)) {
      if (token === '') continue;
      const word = token.toLowerCase();
      // "no_toc" marks a block the table of contents leaves out (kramdown's `{: .no_toc}`, TOC plugins'
      // exclusions): a section of the text, not the table.
      const notFurniture = (builderBlock && word === 'widget') || (word === 'toc' && previous === 'no');
      previous = word;
      if (FURNITURE_WORDS.has(word) && !notFurniture) return Furniture.Yes;
      if (LINK_WORDS.has(word)) answer = Furniture.IfShort;
      else if (LINK_LIST_WORDS.has(word) && answer === Furniture.No) answer = Furniture.IfLinks;
      else if (NAVIGATION_WORDS.has(word) && answer === Furniture.No) answer = Furniture.IfNotProse;
    }
  }
  for (const name of value.split(/\s+/)) if (FURNITURE_CLASS_NAMES.has(name.toLowerCase())) return Furniture.Yes;
  return answer;
}

function namedFurniture(value: string | null, textChars: number, linkChars: number | null): boolean {
  if (value === null) return false;
  const answer = furnitureWord(value);
  return answer === Furniture.Yes || (answer === Furniture.IfShort && textChars <= MAX_LINK_WORD_CHARS) ||
    (answer === Furniture.IfLinks && (linkChars === null || linkChars * 2 >= textChars)) ||
    (answer === Furniture.IfNotProse && (linkChars === null || textChars < MIN_PROSE_BLOCK_CHARS || linkChars > MAX_PROSE_BLOCK_LINK_SHARE * textChars));
}

/**
 * A cookie or consent dialog by its class or id (a consent manager's, or a block named for cookies
 * or consent and for a banner, bar, notice or dialog): its paragraphs of legal prose score like an
 * article, and a page whose article scored lower gave the dialog (WCXB: Wired's and Ars Technica's
 * Fides banner, OneTrust's preference centre). A post classed `tag-cookies` is not such a block.
 */
export const CONSENT_DIALOG =
  /onetrust|didomi|usercentrics|cookiebot|qc-cmp|fides-(?:overlay|banner|modal)|(?:cookie|gdpr|consent)s?[\s_-]*(?:banner|bar|notice|notification|law|popup|modal|dialog|overlay|message|wall|box|manager|container|sdk)|(?:banner|bar|notice|modal|popup|dialog)[\s_-]*(?:cookie|gdpr|consent)/i;

/** Elements that only the page's own content holds. */
const LANDMARK_TAGS = new Set(['MAIN', 'ARTICLE', 'H1']);

/**
 * Whether `element` holds one of the page's landmarks (a <main>, an <article>, an <h1>, an element
 * with role="main"). A wrapper of the whole page that its scripts named for a cookie notice does;
 * a consent dialog does not, however much of the page's text it holds (OneTrust's preference
 * centre beside a forum thread of two short posts).
 */
export function holdsLandmark(element: DomNode): boolean {
  const stack: DomNode[] = [element];
  while (stack.length > 0) {
    for (let c = stack.pop()!.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      if (LANDMARK_TAGS.has(upperCaseName(c)) || c.getAttribute?.('role') === 'main') return true;
      stack.push(c);
    }
  }
  return false;
}

/** True for a consent dialog (CONSENT_DIALOG by class or id) that holds none of the page's landmarks. */
export function isConsentDialog(element: DomNode): boolean {
  const named = `${element.getAttribute?.('class') ?? ''} ${element.getAttribute?.('id') ?? ''}`;
  return named.length > 1 && CONSENT_DIALOG.test(named) && !holdsLandmark(element);
}

/**
 * schema.org's vote counts of a question, an answer or a comment: the number beside a post's vote
 * buttons (Stack Exchange's sites mark it so), a line of its own between the question and its
 * text. Never text a reader reads as the post's.
 */
const VOTE_COUNTS = new Set(['upvoteCount', 'downvoteCount']);

/**
 * True when `element` is furniture by what it is, not by how it is named:
 * invisible (hidden, aria-hidden, display:none), a furniture tag (nav, footer,
 * aside, form, menu) or role, or a page-level header. The last resort of the
 * extraction keeps everything else, because class and id names can be wrong.
 * `holdsMostText`: the caller found that the element holds most of the text it
 * judges (a form is then content, see below); `textChars`: the characters of text it holds, where
 * the caller counted them (a tab list is then told from an accordion, see MAX_TAB_STRIP_CHARS).
 */
export function isObviousFurniture(element: DomNode, holdsMostText = false, textChars = 0): boolean {
  const tag = upperCaseName(element);
  // ASP.NET WebForms and similar pages wrap the whole body in one <form>: that form is the page. So
  // do forum packages wrap a thread's posts (Invision's, for quoting several posts at once): a form
  // holding most of the text it is judged in is content.
  if (tag === 'FORM' && (holdsMostText || (element.parentNode && upperCaseName(element.parentNode) === 'BODY'))) return false;
  if (FURNITURE_TAGS.has(tag)) return true;
  if (element.getAttribute === undefined) return false;
  if (element.getAttribute('hidden') !== null || element.getAttribute('aria-hidden') === 'true') return true;
  const style = element.getAttribute('style');
  if (style !== null && HIDING_STYLE.test(style)) return true;
  const itemprop = element.getAttribute('itemprop');
  if (itemprop !== null && VOTE_COUNTS.has(itemprop)) return true;
  const role = element.getAttribute('role');
  if (role !== null) {
    const r = role.trim().toLowerCase();
    if (r === 'tablist') return !holdsMostText && textChars <= MAX_TAB_STRIP_CHARS;
    if (FURNITURE_ROLES.has(r)) return true;
  }
  // A <header> inside an article holds the article's title; only page-level headers are furniture.
  return tag === 'HEADER' && !insideArticle(element);
}

/**
 * True when `element` (and so its whole subtree) looks like page furniture, by markup or by class
 * and id words. `textChars`, the characters of text it holds where the caller has counted them,
 * tells a skip link from a block of text named alike (LINK_WORDS); unknown (0), it is taken as short.
 * `linkChars`, those of them inside links, tells a drop-down menu or a navigation block from an
 * accordion's answer or a page's section named alike (LINK_LIST_WORDS, NAVIGATION_WORDS); unknown
 * (null), it is taken as furniture.
 */
export function isBoilerplate(
  element: DomNode, textChars = 0, linkChars: number | null = null, classOf: (value: string) => string = sameClass,
): boolean {
  if (isObviousFurniture(element, false, textChars)) return true;
  const tag = upperCaseName(element);
  // The body and main containers often carry theme classes such as "has-sidebar".
  if (tag === 'BODY' || tag === 'HTML' || tag === 'MAIN' || tag === 'ARTICLE') return false;
  if (element.getAttribute === undefined) return false;
  const cls = element.getAttribute('class');
  if (namedFurniture(cls === null ? null : classOf(cls), textChars, linkChars)) return true;
  const id = element.getAttribute('id');
  return id !== null && !isHeadingSlug(id) && namedFurniture(id, textChars, linkChars);
}

/**
 * Ids made from a heading ("sharing-with-a-single-developer", Sphinx and
 * most static-site generators write them on sections) are anchors of content,
 * whatever words the heading holds; furniture ids are short names.
 */
function isHeadingSlug(id: string): boolean {
  return id.length >= 20 && id.split(/[-_]+/).filter((w) => w !== '').length >= 4;
}

/** Containers judged by link density: blocks whose text is mostly link text are menus or link lists. */
const LINK_DENSITY_TAGS = new Set(['UL', 'OL', 'DL', 'TABLE', 'TBODY', 'TR', 'TD', 'TH', 'DIV', 'P', 'LI', 'CENTER', 'SPAN', 'FONT', 'SECTION']);
/** Above this share of link characters a block is navigation (boilerpipe uses 0.33 for short blocks; we stay conservative). */
const MAX_LINK_DENSITY = 0.5;
/** Longer blocks are kept whatever their link density: they are content with many links (a reference list). */
const LINK_DENSITY_MAX_CHARS = 2000;

/**
 * Builds the fallback's skip test: furniture by markup ({@link isBoilerplate})
 * or by link density. One post-order pass counts text and link-text
 * characters per element, so each test is a lookup.
 */
export function boilerplateFilter(root: DomNode): (element: DomNode) => boolean {
  return filterWith(countText(root), root, { dialogs: consentDialogs(root) });
}

/**
 * The fallback's skip test for a listing (see listingText in extract-main-text.ts): a listing,
 * collection or shop category is made of cards whose titles are links, and the link-density rule
 * reads each card as a menu. Here a link-dense block is cut only when fewer than
 * MIN_TITLE_LINK_SHARE of its links are titles (TITLE_LINK_CHARS or more characters): a menu of
 * a word or two a link. On WCXB's pages, cutting none gave 0.8631 (development) and 0.8928 (test);
 * this rule 0.8617 and 0.8928, and keeps the rows of short links that older table layouts use as
 * menus out of the text (the shared corpus's HTML pages: listing text for 17 without it, 9 with it).
 */
export function listingFilter(root: DomNode): (element: DomNode) => boolean {
  return filterWith(countText(root), root, { dialogs: consentDialogs(root), keepCards: true });
}

/** Characters of text (not whitespace) from which a link reads as a title: "Ferry timetable changes", not "Home" or "Swim Store". */
const TITLE_LINK_CHARS = 15;
/** A link-dense block whose links are titles at least this often is a listing's cards, not a menu. */
const MIN_TITLE_LINK_SHARE = 0.25;

/**
 * The outermost consent dialogs under `root` (isConsentDialog). The fallback drops them and
 * judges "most of the page" without their text: a preference centre's legal prose could
 * otherwise outweigh a short thread and leave the thread to be dropped by its class words.
 */
function consentDialogs(root: DomNode): Set<DomNode> {
  const found = new Set<DomNode>();
  const stack: DomNode[] = [root];
  while (stack.length > 0) {
    for (let c = stack.pop()!.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType !== 1) continue;
      if (isConsentDialog(c)) found.add(c);
      else stack.push(c);
    }
  }
  return found;
}

/**
 * What filterWith knows beyond the text counts. For a region around a pick (regionText): `content`,
 * the pick and its ancestors, content whatever they hold, and `classOf`, class values less the
 * content's layout names. For the whole page (boilerplateFilter, listingFilter): `dialogs`, consent
 * dialogs, dropped and not counted in the page's text.
 */
interface FilterOptions {
  content?: ReadonlySet<DomNode>;
  classOf?: (value: string) => string;
  dialogs?: ReadonlySet<DomNode>;
  /** Keep link-dense blocks whose links are titles (listingFilter). */
  keepCards?: boolean;
}

function filterWith(
  counts: Map<DomNode, TextCount>, root: DomNode, { content, classOf = sameClass, dialogs = new Set(), keepCards = false }: FilterOptions = {},
): (element: DomNode) => boolean {
  let pageText = counts.get(root)?.text ?? 0;
  for (const d of dialogs) pageText -= counts.get(d)?.text ?? 0;
  return (element) => {
    if (dialogs.has(element)) return true;
    const c = counts.get(element);
    // A block holding most of the page's text, and little of it in links, is the page's content
    // whatever its class words say (page builders name the article's wrapper "elementor-widget").
    const mostOfPage = content !== undefined ? content.has(element) : c !== undefined && c.text * 2 > pageText && c.link * 2 < c.text;
    if (mostOfPage ? isObviousFurniture(element, true) : isBoilerplate(element, c?.text ?? 0, c?.link ?? null, classOf)) return true;
    const tag = upperCaseName(element);
    if (!LINK_DENSITY_TAGS.has(tag)) return false;
    if (c === undefined || c.text === 0 || c.text > LINK_DENSITY_MAX_CHARS) return false;
    // One link inside a short block is a reference in running text (a forum post quoting a URL), not a menu.
    if (c.links < 2 || c.link / c.text <= MAX_LINK_DENSITY) return false;
    // A listing's cards are link-dense too, but their links are titles (a product's name, a
    // headline), where a menu's are a word or two.
    return !(keepCards && c.titleLinks >= MIN_TITLE_LINK_SHARE * c.links);
  };
}

const sameClass = (value: string): string => value;

/**
 * A class value less the class names that mark furniture but also name the content: a page
 * builder's layout names (HubSpot's `widget-span widget-type-cell` and `hs_cos_wrapper_widget` on
 * every row and module of the page, the article's among them) say nothing about the blocks beside
 * the content that carry them too, while a block's other names still do. The content's names are
 * those of the pick, its ancestors, and the wrappers inside it that hold most of its text.
 */
function withoutContentNames(pick: DomNode, pickAndAncestors: ReadonlySet<DomNode>, counts: Map<DomNode, TextCount>): (value: string) => string {
  const layoutNames = new Set<string>();
  const addNames = (e: DomNode): void => {
    const cls = e.getAttribute?.('class');
    if (cls) for (const name of cls.split(/\s+/)) if (isLayoutName(name)) layoutNames.add(name);
  };
  for (const a of pickAndAncestors) addNames(a);
  // Down from the pick where it lies in the counted region (a region inside the pick holds no wrapper of it).
  for (let e: DomNode | null = counts.has(pick) ? pick : null; e !== null; ) {
    const half = (counts.get(e)?.text ?? 0) / 2;
    let heavy: DomNode | null = null;
    for (let c: DomNode | null = e.firstChild; c !== null && heavy === null; c = c.nextSibling) if (c.nodeType === 1 && (counts.get(c)?.text ?? 0) > half) heavy = c;
    if (heavy !== null) addNames(heavy);
    e = heavy;
  }
  if (layoutNames.size === 0) return sameClass;
  const answers = new Map<string, string>();
  return (value) => {
    let kept = answers.get(value);
    if (kept === undefined) answers.set(value, (kept = value.split(/\s+/).filter((name) => !layoutNames.has(name)).join(' ')));
    return kept;
  };
}

/** A class name that marks furniture by a furniture word (not one that says the element is hidden). */
function isLayoutName(name: string): boolean {
  return name !== '' && !FURNITURE_CLASS_NAMES.has(name.toLowerCase()) && furnitureWord(name) === Furniture.Yes;
}

/**
 * The text of a region of the page less furniture, read as the fallback reads the page
 * (boilerplateFilter), with the pick and its ancestors spared and the content's layout names
 * (withoutContentNames) read as saying nothing, or null without rendering it when the region
 * reads as links (more than `maxLinkDensity` of its text in links) or holds fewer than
 * `minChars` characters of text that are not whitespace. One count serves both tests and the filter.
 */
export function regionText(root: DomNode, pick: DomNode, maxLinkDensity: number, minChars: number): string | null {
  const c = totalText(root);
  if (c.text < minChars || c.link > maxLinkDensity * c.text) return null;
  const content = new Set<DomNode>();
  for (let a: DomNode | null | undefined = pick; a; a = a.parentNode) content.add(a);
  const counts = countText(root);
  return htmlToText(root, { skip: filterWith(counts, root, { content, classOf: withoutContentNames(pick, content, counts) }) });
}

/** What countText gives for `root` alone, walked without a count per element: most regions stop at its test. */
function totalText(root: DomNode): { text: number; link: number } {
  let text = 0;
  let link = 0;
  const stack: { node: DomNode; inLink: boolean }[] = [{ node: root, inLink: false }];
  while (stack.length > 0) {
    const { node, inLink } = stack.pop()!;
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType === 3) {
        const n = nonSpaceLength(c.nodeValue ?? '');
        text += n;
        if (inLink) link += n;
      } else if (c.nodeType === 1) {
        const tag = upperCaseName(c);
        if (!SILENT.has(tag)) stack.push({ node: c, inLink: inLink || tag === 'A' });
      }
    }
  }
  return { text, link };
}

interface TextCount {
  /** Non-space characters of text. */
  text: number;
  /** Of which inside links. */
  link: number;
  /** Number of links. */
  links: number;
  /** Of which links with TITLE_LINK_CHARS or more characters of text (not whitespace). */
  titleLinks: number;
}

function countText(root: DomNode): Map<DomNode, TextCount> {
  const counts = new Map<DomNode, TextCount>();
  // Iterative post-order walk; `inLink` is the depth of enclosing <a> elements.
  type Frame = { node: DomNode; next: DomNode | null; count: TextCount; isLink: boolean };
  const stack: Frame[] = [];
  let inLink = 0;
  const open = (node: DomNode): void => {
    const isLink = upperCaseName(node) === 'A';
    if (isLink) inLink++;
    stack.push({ node, next: node.firstChild, count: { text: 0, link: 0, links: isLink ? 1 : 0, titleLinks: 0 }, isLink });
  };
  open(root);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    const child = frame.next;
    if (child !== null) {
      frame.next = child.nextSibling;
      if (child.nodeType === 3) {
        const n = nonSpaceLength(child.nodeValue ?? '');
        frame.count.text += n;
        if (inLink > 0) frame.count.link += n;
      } else if (child.nodeType === 1 && !SILENT.has(upperCaseName(child))) {
        open(child);
      }
      continue;
    }
    stack.pop();
    if (frame.isLink) {
      inLink--;
      if (frame.count.text >= TITLE_LINK_CHARS) frame.count.titleLinks++;
    }
    counts.set(frame.node, frame.count);
    const parent = stack[stack.length - 1];
    if (parent !== undefined) {
      parent.count.text += frame.count.text;
      parent.count.link += frame.count.link;
      parent.count.links += frame.count.links;
      parent.count.titleLinks += frame.count.titleLinks;
    }
  }
  return counts;
}

/** Characters of `text` that are not whitespace (what `text.replace(/\s+/g, '').length` counts, without the copy). */
function nonSpaceLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (!isWhiteSpace(text.charCodeAt(i))) n++;
  return n;
}

const SILENT = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'SVG', 'HEAD']);

/** Number of elements under `root`, counting stops at `limit`. */
export function countElements(root: DomNode, limit: number): number {
  let n = 0;
  const stack: DomNode[] = [root];
  while (stack.length > 0 && n < limit) {
    const node = stack.pop()!;
    for (let c = node.firstChild; c !== null; c = c.nextSibling) {
      if (c.nodeType === 1) {
        n++;
        stack.push(c);
      }
    }
  }
  return n;
}

function insideArticle(element: DomNode): boolean {
  for (let p = element.parentNode; p; p = p.parentNode) {
    const tag = upperCaseName(p);
    if (tag === 'ARTICLE' || tag === 'MAIN') return true;
  }
  return false;
}
