import type { DomNode } from './html-to-text.js';

/**
 * Heuristics that mark page furniture (navigation, menus, headers, footers,
 * sidebars, cookie banners, share bars) so the fallback extraction can skip
 * it. Used when Readability finds no article (home pages, listings).
 */

/** Elements that are page furniture by definition. */
const FURNITURE_TAGS = new Set(['NAV', 'FOOTER', 'ASIDE', 'FORM', 'MENU', 'LABEL']);

const FURNITURE_ROLES = new Set([
  'navigation', 'banner', 'contentinfo', 'complementary', 'menu', 'menubar', 'search', 'dialog', 'alertdialog', 'toolbar', 'tablist',
]);

/**
 * Words in a class or id that mark furniture. Matched as whole words between
 * `-`, `_`, spaces or camelCase boundaries, so "navigation" matches but
 * "canvas" or "menuitem-content" in running text does not match by accident.
 */
const FURNITURE_WORDS = new Set([
  'nav', 'navbar', 'navigation', 'menu', 'menubar', 'submenu', 'breadcrumb', 'breadcrumbs', 'sidebar', 'sidenav', 'footer',
  'masthead', 'cookie', 'cookies', 'consent', 'gdpr', 'share', 'sharing', 'social', 'subscribe', 'newsletter', 'skip',
  'toolbar', 'pagination', 'pager', 'advert', 'advertisement', 'ads', 'ad', 'promo', 'popup', 'modal', 'login', 'signup',
  'banner', 'topbar', 'dropdown', 'offcanvas', 'printfooter', 'catlinks', 'toc', 'related', 'widget', 'sitemap', 'copyright',
  'header', 'siteheader', 'mw-jump', 'jump', 'hidden', 'visually-hidden', 'sr-only', 'noprint', 'mw-editsection', 'editsection',
]);

function hasFurnitureWord(value: string): boolean {
  for (const token of value.split(/[\s_-]+|(?<=[a-z])(?=[A-Z])/)) {
    if (token !== '' && FURNITURE_WORDS.has(token.toLowerCase())) return true;
  }
  // Class names kept whole, for the hyphenated entries above.
  for (const token of value.split(/\s+/)) if (FURNITURE_WORDS.has(token.toLowerCase())) return true;
  return false;
}

/** True when `element` (and so its whole subtree) looks like page furniture. */
export function isBoilerplate(element: DomNode): boolean {
  const tag = element.nodeName.toUpperCase();
  if (FURNITURE_TAGS.has(tag)) return true;
  const get = element.getAttribute?.bind(element);
  if (get === undefined) return false;
  if (get('hidden') !== null || get('aria-hidden') === 'true') return true;
  const style = get('style');
  if (style !== null && /display\s*:\s*none|visibility\s*:\s*hidden/i.test(style)) return true;
  const role = get('role');
  if (role !== null && FURNITURE_ROLES.has(role.trim().toLowerCase())) return true;
  // A <header> inside an article holds the article's title; only page-level headers are furniture.
  if (tag === 'HEADER' && !insideArticle(element)) return true;
  // The body and main containers often carry theme classes such as "has-sidebar".
  if (tag === 'BODY' || tag === 'HTML' || tag === 'MAIN' || tag === 'ARTICLE') return false;
  const cls = get('class');
  if (cls !== null && hasFurnitureWord(cls)) return true;
  const id = get('id');
  if (id !== null && hasFurnitureWord(id)) return true;
  return false;
}

function insideArticle(element: DomNode): boolean {
  for (let p = element.parentNode; p; p = p.parentNode) {
    const tag = p.nodeName.toUpperCase();
    if (tag === 'ARTICLE' || tag === 'MAIN') return true;
  }
  return false;
}
