// foxden-test-needs: shared-corpus
/**
 * Main-text extraction quality on real pages from the shared corpus, scored
 * the way the Zyte article-extraction benchmark scores: token-level
 * precision, recall and F1 of the extracted text against the main text
 * marked by hand. The gold text below was written by reading each page: the
 * article body (not the page title, which the title field carries), and for
 * non-article pages the content a reader came for. Boilerplate lists hold
 * menu entries and footer lines that must not leak into the text.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodeBody, extractMainText, normalizeText } from '../src/extract/index.js';
import { tokenPrf } from './token-f1.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = (p: string): string => resolve(repoRoot, '../shared/corpus', p);

interface WarcRecord {
  headers: Record<string, string>;
  block: Buffer;
}

/** Tiny WARC scan for tests only (the readers package is the real parser): gunzip all members, walk Content-Length. */
function* warcRecords(path: string): Generator<WarcRecord> {
  let buf = readFileSync(path);
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  let pos = 0;
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) return;
    const headers: Record<string, string> = {};
    for (const line of buf.subarray(pos, end).toString('latin1').split('\r\n').slice(1)) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const len = Number(headers['content-length']);
    yield { headers, block: buf.subarray(end + 4, end + 4 + len) };
    pos = end + 4 + len;
    while (buf[pos] === 13 || buf[pos] === 10) pos++;
  }
}

/** HTTP response payload of the record for `url` (dechunked), with its declared charset. */
function httpResponse(warc: string, url: string): { body: Buffer; charset: string | null } {
  for (const r of warcRecords(corpus(warc))) {
    if (r.headers['warc-type'] !== 'response') continue;
    if ((r.headers['warc-target-uri'] ?? '').replace(/^<|>$/g, '') !== url) continue;
    const sep = r.block.indexOf('\r\n\r\n');
    const head = r.block.subarray(0, sep).toString('latin1');
    let body = r.block.subarray(sep + 4);
    if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
    const charset = /^content-type:.*?charset=([^;\s]+)/im.exec(head)?.[1] ?? null;
    return { body, charset };
  }
  throw new Error(`no response for ${url} in ${warc}`);
}

function dechunk(b: Buffer): Buffer {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', pos);
    if (eol < 0) break;
    const size = parseInt(b.subarray(pos, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(b.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Token-level precision/recall/F1 over token multisets (the Zyte benchmark's measure), on letter and digit runs. */
function tokenPrfOf(extracted: string, gold: string): { precision: number; recall: number; f1: number } {
  return tokenPrf(extracted, gold, tokens);
}

interface GoldPage {
  warc: string;
  url: string;
  main: string[];
  boilerplate: string[];
}

const PAGES: GoldPage[] = [
  {
    warc: 'warc/dolma_sample-0000.warc.gz',
    url: 'https://soldaini.net/facts/',
    main: [
      'In no particular order, here are some facts about me:',
      "My last name is pronounced sol-dah-ee-nee; stress is on the first i (/solda'ini/ in IPA).",
      'Please refer to me using they/them as 3rd person pronouns. If we are friends, I am also ok he/him. Confused about multiple sets of pronouns? Please see this article by Kirby Conrod.',
      'I identify as Queer; please use this term when referring to my gender identity.',
      'My Erdös number is 3: I coauthored at least one paper with Ophir Frieder, Ophir Frieder wrote a manuscript with Frank Harary, Frank Harary was a collaborator of Paul Erdös.',
      'My Bacon number is still undefined 😢 Seeking collaborators who have one.',
      'I love raccoons VERY, VERY MUCH. Please send me raccoon content.',
      'I maintain a website with all my favorite nonsensical AI-generated images at ThisPrintDoesNotExist.com.',
      'Like Helen, I enjoy building unnecessary things with machine learning.',
      'My 10th degree academic ancestor is Siméon Denis Poisson. Find the rest of my academic lineage on this page.',
    ],
    boilerplate: ['Publications / Facts'],
  },
  {
    warc: 'warc/dolma_sample-0001.warc.gz',
    url: 'https://creativecommons.org/2024/03/28/cc-joins-civil-society-letter-urging-u-s-to-support-openness-and-transparency-in-ai/',
    main: [
      'Over the last year, Creative Commons (CC) worked with other stakeholders to support open science and open source in the context of artificial intelligence (AI) and, specifically, the EU AI Act. This policy debate has now ratcheted up in the U.S. as well, after President Biden directed the National Telecommunications and Information Administration (NTIA) at the Department of Commerce to start a public consultation process regarding “Dual Use Foundation Artificial Intelligence Models with Widely Available Model Weights.”',
      'This week, we joined a broad coalition of civil society and leading academics urging a tailored, evidence-driven approach. The letter highlights the critical benefits that open models can provide, and encourages the government to consider carefully the best ways to address the marginal risks that openness can create. As the letter states, “We do not claim that openness is always beneficial, and there are some situations where openness may exacerbate risks from AI.” However, risk should be evaluated relative to alternatives (e.g., the use of closed models or other digital tools to accomplish the same ends) and may be addressed through less restrictive means than direct limits on openness.',
      'Read the full letter.',
      'For more information on CC’s works on AI, contact us at info@creativecommons.org',
    ],
    boilerplate: [
      'Skip to content', 'Licenses and Tools', 'Join a global community working to strengthen the Commons', 'Related posts',
      'Exploring a Books Data Commons for AI Training', 'Subscribe to our Newsletter', 'PO Box 1866, Mountain View', 'Except where otherwise noted',
    ],
  },
  {
    warc: 'warc/ukwa_IAH-urls-wget.warc.gz',
    url: 'https://archive.org/',
    // A portal page: the welcome text, the announcements and the four collection blocks are
    // what a reader came for; menus, the forum-post link listing and sponsors are furniture.
    main: [
      'Celebrate at the Internet Archive — 1024 — Thursday Oct. 24th',
      'Blacked Out Government Websites Available Through Wayback Machine',
      'Over 7,000 Free Audio Books: Librivox and its New Look!',
      'Welcome to the Archive',
      'The Internet Archive, a 501(c)(3) non-profit, is building a digital library of Internet sites and other cultural artifacts in digital form. Like a paper library, we provide free access to researchers, historians, scholars, the print disabled, and the general public.',
      'Video 1,411,240 movies',
      'filmcollectief-00-060a Unknown movie, found in a cannister which should contain something elso. So if someone can help me...',
      'The Stars Look Down (1940)',
      'Live Music 121,538 concerts',
      'Grateful Dead Live at Jai-Alai Fronton on... Set 1 Ramble On Rose Black Throated Wind Mississippi Half-Step Uptown Toodeloo Beat It On Down The...',
      'Zero Live at Maritime Hall - on 1999-04-10',
      'Audio 1,744,979 recordings',
      'Various Artists - phase01 [hi001] Our first release! This compilation includes all the original Heavy Industries collaborators...',
      'IAA Top 40 Countdown',
      'Texts 5,325,972 texts',
      'Sommaire du plaidoyé. Pour les abbé, prieur,... 7 p. ; in-2 Cote du document : FOL Z 588 INV 518 FA (P.29)',
      'كيف أصبحوا وزراء؟ دراسة في صناعة القرار السياسي - محمد الجوادي',
    ],
    boilerplate: ['Volunteer Positions', 'Advanced Search', 'TVNews', 'OpenLibrary', 'Institutional Support', 'Alexa Internet', 'Terms of Use'],
  },
  {
    warc: 'warc/aut_IAH-2008-archive.org.warc.gz',
    url: 'http://www.archive.org/iathreads/post-view.php?id=191024',
    main: [
      'Poster: bluedevil Date: April 30, 2008 12:36:40pm',
      "Forum: GratefulDead Subject: Re: Bob's shorts not going into archives",
      'He still has my lavender Lacoste/alligator shirt ...',
      'Poster: rastamon Date: April 30, 2008 12:41:21pm',
      "Forum: GratefulDead Subject: Re: Bob's shorts not going into archives",
      'part of Bobs toilet seat snafu? >> http://www.city-visitor.com/bridgeofweir/toilets.html',
      'the mystery deepens',
    ],
    boilerplate: ['Moving Images', 'Patron Info', 'Terms, Privacy, & Copyright', 'Advanced Search', 'See parent post', 'Terms of Use'],
  },
  {
    warc: 'warc/cc_CC-MAIN-2014-35_excerpt.warc',
    url: 'http://0x20.be/Special:WhatLinksHere/Thread:Talk:Gentse_feesten/foo',
    main: ['← Thread:Talk:Gentse feesten/foo', 'No pages link to Thread:Talk:Gentse feesten/foo.'],
    boilerplate: ['Jump to: navigation', 'Navigation menu', 'Create account', 'Recent changes', 'Google+ page', 'Privacy policy', 'Printable version'],
  },
  {
    warc: 'warc/cc_whirlwind_CC-MAIN-2024-22.warc.gz',
    url: 'https://an.wikipedia.org/wiki/Escopete',
    main: [
      "Escopete ye un municipio d'a provincia de Guadalachara, en a comunidat autonoma de Castiella-La Mancha, Espanya, comarca de La Alcarria y partiu chudicial de Guadalachara.",
      'A suya población ye de 84 habitants (2007), en una superficie de 19,01 km² y una densidat de población de 4,42 hab/km².',
      'Cheografía',
      "Ye situato a 860 metros d'altaria sobre o ran d'a mar, a una distancia de 47 km de Guadalachara, a capital d'a suya provincia, y d'o suyo termin municipal fa parti o lugar de Monteumbría.",
      'Historia',
      'Escopete ye citato en as Relaciones Topográficas de los pueblos de Espanya, feitas por Felipe II de Castiella en 1578.',
      'Administración', 'Alcaldes', "Lista d'alcaldes", 'Lechislatura Nombre Partiu politico',
      '1979–1983 1983–1987 1987–1991 1991–1995 1995–1999 1999–2003 2003–2007', '2007–2011 Hilario López Herrer Partido Socialista Obrero Español',
      'Molimentos',
      "Ilesia parroquial de l'Asunción, d'estilo romanico, d'o sieglo XIII.[1] Fue parcialment destruita en a Guerra Civil espanyola.",
      'Fiestas', "11 d'agosto.[1]",
      'Referencias', "↑ 1,0 1,1 Deputación Provincial de Guadalachara.",
    ],
    boilerplate: ['Ir al contenido', 'Menú principal', 'Una pachina a l\'azar', 'Creyar cuenta', 'Ferramientas personals', 'Zaguers cambeos'],
  },
];

const results = PAGES.map((page) => {
  const { body, charset } = httpResponse(page.warc, page.url);
  const decoded = decodeBody(body, charset);
  const extracted = extractMainText(decoded.text, { url: page.url });
  const text = normalizeText(extracted.text);
  return { page, text, method: extracted.method, score: tokenPrfOf(text, page.main.join('\n')) };
});

test('hand-marked pages: per-page F1 and mean F1 against the hand-marked main text', () => {
  for (const r of results) {
    console.log(`${r.page.url} [${r.method}] P=${r.score.precision.toFixed(3)} R=${r.score.recall.toFixed(3)} F1=${r.score.f1.toFixed(3)}`);
  }
  const meanF1 = results.reduce((a, r) => a + r.score.f1, 0) / results.length;
  console.log(`mean F1 over ${results.length} pages from ${new Set(PAGES.map((p) => p.warc)).size} WARCs: ${meanF1.toFixed(3)}`);
  // Readability scores 0.947 F1 on Zyte's article benchmark, html2text (everything) about 0.66.
  // Our set is harder than Zyte's (three of six pages are portals, listings or forum pages from
  // 2008-2014 table layouts, where there is no article for Readability to find), so the bar is
  // set between the two: 0.85 mean, and no page below 0.6 (a page below that is mostly menu).
  assert.ok(meanF1 >= 0.85, `mean F1 ${meanF1.toFixed(3)} < 0.85`);
  for (const r of results) assert.ok(r.score.f1 >= 0.6, `${r.page.url}: F1 ${r.score.f1.toFixed(3)} < 0.6`);
});

test('hand-marked pages: no listed boilerplate string appears in the text', () => {
  for (const r of results) {
    for (const b of r.page.boilerplate) assert.ok(!r.text.includes(b), `${r.page.url}: boilerplate "${b}" leaked into the text`);
  }
});

test('article text keeps paragraph breaks as blank lines', () => {
  const cc = results.find((r) => r.page.url.startsWith('https://creativecommons.org/'))!;
  assert.match(cc.text, /“Dual Use Foundation Artificial Intelligence Models with Widely Available Model Weights\.”\n\nThis week, we joined/);
  const wiki = results.find((r) => r.page.url.includes('Escopete'))!;
  assert.match(wiki.text, /\n\nCheografía\n\nYe situato/);
});

test('Common Crawl parity: the whirlwind page against CC\'s own WET conversion', () => {
  const wiki = results.find((r) => r.page.url.includes('Escopete'))!;
  let wet: string | null = null;
  for (const r of warcRecords(corpus('warc/cc_whirlwind_CC-MAIN-2024-22.warc.wet.gz'))) {
    if (r.headers['warc-type'] === 'conversion' && r.headers['warc-target-uri'] === 'https://an.wikipedia.org/wiki/Escopete') wet = r.block.toString('utf8');
  }
  assert.ok(wet !== null, 'WET conversion record for the Escopete page not found');
  // WET is a dump of every visible text node, menus included, so plain F1 against it would
  // reward keeping navigation. Two one-sided measures are fair instead:
  // 1. containment: our tokens should nearly all occur in the WET text (we invent nothing:
  //    decoding and whitespace handling agree with CC's). Precision of ours within WET.
  const ours = tokenPrfOf(wiki.text, wet);
  // 2. article coverage: of the WET's article body (from its first sentence to the references),
  //    how much we kept.
  const start = wet.indexOf('Escopete ye un municipio');
  const end = wet.indexOf('Deputación Provincial de Guadalachara', start);
  assert.ok(start >= 0 && end > start, 'article body not found in the WET text');
  // MediaWiki's "[editar | modificar o codigo]" section-edit links are furniture that WET keeps
  // after every heading; they are not article text, so they do not count against coverage.
  const wetArticle = wet.slice(start, end + 'Deputación Provincial de Guadalachara'.length).replace(/\[editar \| modificar o codigo\]/g, '');
  const coverage = tokenPrfOf(wiki.text, wetArticle).recall;
  // And how much of the WET we dropped: most of it is navigation, which is the point.
  const share = tokens(wiki.text).length / tokens(wet).length;
  console.log(`WET parity: containment ${ours.precision.toFixed(3)}, article coverage ${coverage.toFixed(3)}, share of WET tokens kept ${share.toFixed(3)}`);
  // Containment below 1 only by the few tokens whose rendering differs (CC renders table cells
  // and the external-link marker differently); 0.95 leaves room for that and nothing else.
  assert.ok(ours.precision >= 0.95, `containment ${ours.precision.toFixed(3)} < 0.95`);
  // The whole article should survive; 0.95 allows the odd reference marker rendered differently.
  assert.ok(coverage >= 0.95, `article coverage ${coverage.toFixed(3)} < 0.95`);
  // We must have removed navigation: keep well under the whole page.
  assert.ok(share < 0.6, `kept ${share.toFixed(3)} of the WET tokens: navigation was not removed`);
});

test('no HTML page of the shared corpus that has visible text comes out empty', async () => {
  const { parseLightDocument } = await import('../src/extract/light-dom.js');
  const { htmlToText } = await import('../src/extract/html-to-text.js');
  const { corpusHtmlPages } = await import('./corpus-pages.js');
  let pages = 0;
  const empty: string[] = [];
  for await (const { file, offset, url, html } of corpusHtmlPages(corpus('warc'))) {
    pages++;
    const visible = htmlToText(parseLightDocument(html).body);
    const got = extractMainText(html, { url });
    if (visible.trim() !== '' && got.text.trim() === '') empty.push(`${file}@${offset} ${url} (${got.method}, ${visible.length} visible chars)`);
  }
  assert.ok(pages > 100, `only ${pages} HTML pages read`);
  assert.deepEqual(empty, []);
});
