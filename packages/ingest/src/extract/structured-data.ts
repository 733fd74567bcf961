import { htmlToText } from './html-to-text.js';
import { parseLightDocument } from './light-dom.js';

/**
 * A product's description from the page's schema.org structured data
 * (`<script type="application/ld+json">`), for a shop page whose markup does
 * not hold it.
 *
 * Shopify themes and other script-rendered shops ship a product's
 * description as data for their scripts and show it only once those run: in
 * the markup a reader without scripts gets, the page is a price, a size
 * picker and a banner. The same description is in the page's `Product`
 * structured data, which search engines read, so it is the shop's own text
 * for the page. WCXB's notes on its product pages say as much ("content
 * often in JSON-LD structured data, not visible DOM"), and its people
 * counted that description as the page's content (docs/extraction.md).
 */

/** A description shorter than this is a tagline or a name, not the text of a page. */
const MIN_DESCRIPTION_CHARS = 100;

/** Types whose `description` is a product's own text. */
const PRODUCT_TYPES = new Set(['Product', 'ProductGroup', 'IndividualProduct', 'ProductModel']);

/** How deep into nested objects a product is looked for (`@graph`, `mainEntity`, `offers`...). */
const MAX_DEPTH = 6;

/**
 * The product description (MIN_DESCRIPTION_CHARS or more, as text) in
 * `scripts`, the texts of a page's JSON-LD scripts, when they describe one
 * product; null when they describe none, or several with different
 * descriptions (a category page's list of products: no one of them is the
 * page's text). A product's variants may repeat its description. A script
 * that is not valid JSON is passed over, as search engines pass it over.
 */
export function productDescription(scripts: readonly string[]): string | null {
  let found: string | null = null;
  for (const script of scripts) {
    // Most pages' structured data is an organisation, a breadcrumb or an article: parse only what may hold a product.
    if (!script.includes('Product')) continue;
    let data: unknown;
    try {
      data = JSON.parse(script);
    } catch {
      continue;
    }
    for (const raw of descriptions(data, 0)) {
      const text = descriptionText(raw);
      if (text.length < MIN_DESCRIPTION_CHARS || text === found) continue;
      if (found !== null) return null;
      found = text;
    }
  }
  return found;
}

function* descriptions(value: unknown, depth: number): Generator<string> {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) yield* descriptions(item, depth + 1);
    return;
  }
  const o = value as Record<string, unknown>;
  const type = o['@type'];
  const types = Array.isArray(type) ? type : [type];
  if (types.some((t) => typeof t === 'string' && PRODUCT_TYPES.has(t.replace(/^(?:https?:\/\/schema\.org\/|schema:)/, ''))) && typeof o['description'] === 'string') {
    yield o['description'];
  }
  for (const [key, child] of Object.entries(o)) if (key !== 'description' && typeof child === 'object') yield* descriptions(child, depth + 1);
}

/**
 * A description as text: shops write it as HTML (paragraphs, lists, entities) or plain text, and
 * some percent-encode it whole ("An%20elegant%20sofa...").
 */
function descriptionText(raw: string): string {
  let s = raw;
  if (!/\s/.test(s) && /%20/.test(s)) {
    try {
      s = decodeURIComponent(s);
    } catch {
      // not percent-encoding after all: read as written
    }
  }
  // Line breaks in plain text are the shop's own; as HTML they would be folded, so they become <br>s.
  const html = /<[a-z!/]/i.test(s) ? s : s.replace(/&(?![#a-z0-9]+;)/gi, '&amp;').replace(/</g, '&lt;').replace(/\r?\n/g, '<br>');
  return htmlToText(parseLightDocument(html).body).trim();
}

/**
 * `text` with the description in front when the text does not already hold
 * it: when fewer than half of the description's words occur in the text (a
 * description the page shows in full, or in part, leaves the text as it is).
 */
export function withDescription(text: string, description: string): string {
  const own = new Set(words(text));
  const theirs = words(description);
  let shared = 0;
  for (const w of theirs) if (own.has(w)) shared++;
  return shared * 2 >= theirs.length ? text : `${description}\n\n${text}`;
}

function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
}
