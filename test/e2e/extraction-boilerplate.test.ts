/**
 * The demo corpus's page templates carry the furniture real pages have
 * (cookie notice, top bar, masthead, menus, breadcrumbs, share bar, sidebar,
 * newsletter form, footer, scripts). Extracted by the default (fast)
 * extractor, none of it may reach a document, and the article must.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { decodeBody, extractMainText } from '../../packages/ingest/src/extract/index.ts';
import { readSource } from '../../packages/ingest/src/readers/index.ts';
import { demoFixture } from './fixtures.ts';

/** Text of the templates' furniture (packages/demo-corpus/src/html-templates.ts). */
const FURNITURE = [
  'We use cookies', 'Read our cookie policy', 'Accept all cookies', 'Search all lists', 'Sign in', 'Discussion lists', 'Spam trap',
  'Previous message', 'Thread index', 'Advertisement', 'Request removal', 'Messages are the property of their authors',
  'Support the archive', 'My account', 'Primary documents of American history', 'For teachers', 'Share: Twitter', 'Related documents',
  'Get a document of the week', 'Accessibility', 'Texts of public documents are in the public domain', 'gtag(',
];

it('the demo templates\' navigation, footer, cookie and share text never reaches a document; the article does', { timeout: 600_000 }, async () => {
  const demo = await demoFixture();
  let pages = 0;
  let speeches = 0;
  const leaks: string[] = [];
  for (const file of demo.inputs.filter((f) => /\.warc(\.gz)?$/.test(f))) {
    for await (const record of readSource(file)) {
      if (record.kind !== 'document' || record.body === undefined || record.mediaType !== 'text/html') continue;
      const html = decodeBody(record.body, record.declaredCharset).text;
      // HTML mails are served as they are, without the templates.
      if (!html.includes('id="cookie-notice"')) continue;
      const got = extractMainText(html, { url: record.url });
      pages++;
      // A mail may itself say "Advertisement": only phrases outside the page's <article> are furniture.
      const article = /<article[\s\S]*<\/article>/.exec(html)?.[0] ?? '';
      for (const phrase of FURNITURE) if (got.text.includes(phrase) && !article.includes(phrase)) leaks.push(`${record.url}: "${phrase}" (${got.method})`);
      if (html.includes('class="document-text"')) {
        speeches++;
        // The speech's first paragraph is in the text, found by the scorer itself.
        const first = /<div class="document-text">\s*<p>([^<]{0,80})/.exec(html)![1]!.replace(/&amp;/g, '&').replace(/&quot;/g, '"');
        assert.ok(got.text.includes(first.trim()), `${record.url}: the speech's first words are missing`);
        assert.equal(got.method, 'main', record.url ?? '');
      }
    }
  }
  assert.ok(pages > 100 && speeches > 10, `${pages} pages, ${speeches} speeches`);
  assert.deepEqual(leaks.slice(0, 20), []);
});
