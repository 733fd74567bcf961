// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import iconv from 'iconv-lite';
import { SeededRandom } from '@foxden/core';
import { countReplacementChars, decodeBody, extractMainText, normalizeText } from '../src/extract/index.js';
import { trimLineEnds } from '../src/extract/normalize-text.js';
import { htmlToText } from '../src/extract/html-to-text.js';
import { parseLightDocument } from '../src/extract/light-dom.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const corpus = (p: string): string => resolve(repoRoot, '../shared/corpus', p);

/** All HTTP response payloads of a WARC (test-only scan; the readers package is the real parser). */
function responses(path: string): Array<{ url: string; body: Buffer; head: string }> {
  let buf = readFileSync(corpus(path));
  if (path.endsWith('.gz')) buf = gunzipSync(buf);
  const out: Array<{ url: string; body: Buffer; head: string }> = [];
  let pos = 0;
  while (pos < buf.length) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const head = buf.subarray(pos, end).toString('latin1');
    const len = Number(/content-length:\s*(\d+)/i.exec(head)?.[1]);
    const block = buf.subarray(end + 4, end + 4 + len);
    if (/warc-type:\s*response/i.test(head)) {
      const sep = block.indexOf('\r\n\r\n');
      out.push({ url: /warc-target-uri:\s*(\S+)/i.exec(head)?.[1] ?? '', head: block.subarray(0, sep).toString('latin1'), body: block.subarray(sep + 4) });
    }
    pos = end + 4 + len;
    while (buf[pos] === 13 || buf[pos] === 10) pos++;
  }
  return out;
}

const resiliparse = responses('warc/resiliparse_warcfile.warc.gz');
const page = (url: string): Buffer => {
  const r = resiliparse.find((x) => x.url === url);
  assert.ok(r, `${url} not in the corpus WARC`);
  return r.body;
};

test('decodeBody: HTTP-declared windows-1251 (a real .ru page)', () => {
  const d = decodeBody(page('http://01spb.ru/company/'), 'windows-1251');
  assert.equal(d.charset, 'windows-1251');
  assert.equal(d.charsetSource, 'http');
  assert.match(d.text, /[а-яА-Я]{4,}/);
  assert.equal(countReplacementChars(d.text), 0);
});

test('decodeBody: without HTTP charset, <meta> decides; without either, detection does', () => {
  const body = page('http://01spb.ru/company/');
  const viaMeta = decodeBody(body, null);
  assert.equal(viaMeta.charsetSource, 'meta');
  assert.equal(viaMeta.charset, 'windows-1251');
  // Blank out every charset declaration: detection must still find a Cyrillic single-byte charset.
  const stripped = Buffer.from(body.toString('latin1').replace(/charset/gi, 'xxxxxxx'), 'latin1');
  const detected = decodeBody(stripped, null);
  assert.equal(detected.charsetSource, 'detected');
  assert.match(detected.charset, /^(windows-1251|koi8-r|iso-8859-5)$/);
  assert.equal(detected.text, iconv.decode(stripped, detected.charset));
  assert.match(detected.text, /[а-яА-Я]{4,}/);
});

test('decodeBody: gb2312 is decoded as its superset gbk (a real .cn page)', () => {
  const d = decodeBody(page('http://037426.cn/'), 'gb2312');
  assert.equal(d.charset, 'gbk');
  assert.match(d.text, /[\u4e00-\u9fff]{4,}/);
  assert.equal(countReplacementChars(d.text), 0);
});

test('decodeBody: BOM wins over a wrong declaration and is stripped', () => {
  const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<p>Ça marche — 日本語</p>')]);
  assert.deepEqual(decodeBody(utf8, 'iso-8859-1'), { text: '<p>Ça marche — 日本語</p>', charset: 'utf-8', charsetSource: 'bom' });
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('héllo', 'utf16le')]);
  assert.deepEqual(decodeBody(utf16, null), { text: 'héllo', charset: 'utf-16le', charsetSource: 'bom' });
});

test('decodeBody: unknown charset names fall through to the next evidence; bad bytes become U+FFFD', () => {
  const body = Buffer.from('<meta charset="utf-8"><p>naïve</p>');
  const d = decodeBody(body, 'x-no-such-charset');
  assert.equal(d.charsetSource, 'meta');
  assert.equal(d.text, '<meta charset="utf-8"><p>naïve</p>');
  const junk = decodeBody(Buffer.from('<meta charset="klingon"><p>caf\xe9 \xff\xfe ok</p>', 'latin1'), 'bogus');
  assert.ok(['detected', 'default'].includes(junk.charsetSource));
  assert.equal(typeof junk.text, 'string');
  // Declared UTF-8 over invalid bytes: decoded anyway, the damage visible as U+FFFD.
  const bad = decodeBody(Buffer.from([0x61, 0xff, 0x62]), 'utf-8');
  assert.equal(bad.text, 'a\uFFFDb');
  assert.equal(countReplacementChars(bad.text), 1);
  // ISO-8859-1 is decoded as windows-1252, as browsers do: 0x93/0x94 are curly quotes.
  assert.equal(decodeBody(Buffer.from([0x93, 0x68, 0x69, 0x94]), 'ISO-8859-1').text, '“hi”');
  assert.deepEqual(decodeBody(new Uint8Array(0), null), { text: '', charset: 'utf-8', charsetSource: 'detected' });
});

test('normalizeText: NFC, controls, soft hyphens, line ends, trailing spaces, blank-line runs, U+FFFD kept', () => {
  assert.equal(normalizeText('\uFEFFe\u0301t\u00e9\r\nline two  \t\rthree\u0000\u0007\tx'), 'été\nline two\nthree\tx');
  // A hyphenating site's words come out whole; a visible hyphen stays.
  assert.equal(normalizeText('Ita\u00ADli\u00ADens Wei\u00ADne, well-known'), 'Italiens Weine, well-known');
  assert.equal(normalizeText('a\n\n\n\n\n\nb\n\nc\n\n\nd'), 'a\n\n\nb\n\nc\n\n\nd');
  assert.equal(normalizeText('\n\n  indented\nbad \uFFFD byte   \n\n'), '  indented\nbad \uFFFD byte');
  assert.equal(normalizeText(''), '');
  // Idempotent: normalising twice changes nothing.
  const once = normalizeText('x\r\n\r\n\r\n\r\n\r\ny  ');
  assert.equal(normalizeText(once), once);
});

test('trimLineEnds removes what /[^\\S\\n]+$/gm removes, in linear time', () => {
  // Random texts over the characters that matter: spaces and other whitespace, line and paragraph
  // separators (line ends to a multiline $, and whitespace themselves), newlines and letters.
  const alphabet = [' ', '\t', '\u00a0', '\u3000', '\u2028', '\u2029', '\n', 'a', 'b'];
  const rng = new SeededRandom(12);
  for (let n = 0; n < 5000; n++) {
    let text = '';
    for (let len = rng.nextInt(24); len > 0; len--) text += alphabet[rng.nextInt(alphabet.length)];
    assert.equal(trimLineEnds(text), text.replace(/[^\S\n]+$/gm, ''), JSON.stringify(text));
  }
  // A line of a million spaces before its text: the expression takes minutes on it (quadratic).
  const wide = `a${' '.repeat(1_000_000)}b  \nc`;
  assert.equal(trimLineEnds(wide), `a${' '.repeat(1_000_000)}b\nc`);
  assert.equal(normalizeText(wide), `a${' '.repeat(1_000_000)}b\nc`);
});

test('normalizeText on a real Gutenberg book: BOM and CRLF gone, text otherwise intact', () => {
  const raw = gunzipSync(readFileSync(corpus('books/gutenberg_Vathek.txt.gz'))).toString('utf8');
  assert.ok(raw.includes('\r\n'));
  const text = normalizeText(raw);
  assert.ok(!text.includes('\r') && !text.startsWith('\uFEFF'));
  assert.ok(!/\n{5,}/.test(text));
  assert.equal(text.replace(/\s+/g, ''), raw.replace(/^\uFEFF/, '').normalize('NFC').replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u00AD\uFEFF]/g, '').replace(/\s+/g, ''));
});

test('extractMainText: hostile inputs give text or "" and never throw', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['plain text', 'just some words, no markup at all'],
    ['unclosed tags', '<html><body><div><p>one<p>two<div><span>three<b>four'],
    ['no body', '<html><head><title>T</title></head></html>'],
    ['only head', '<title>Only a title</title><script>var x = "<p>not text</p>";</script>'],
    ['frameset', '<html><head><title>F</title></head><frameset cols="50%,50%"><frame src="a.html"><frame src="b.html"><noframes><body><p>Your browser has no frames.</p></body></noframes></frameset></html>'],
    ['garbage', '\u0000\u0001<<<>>>&&&;;<!-- <![CDATA[ ]]> </</</p></div>'],
    ['deep nesting', '<div>'.repeat(20000) + 'deep text' + '</div>'.repeat(5)],
  ];
  for (const [name, html] of cases) {
    const r = extractMainText(html);
    assert.equal(typeof r.text, 'string', name);
    assert.ok(['readability', 'boilerplate', 'empty', 'failed'].includes(r.method), `${name}: method ${r.method}`);
  }
  assert.match(extractMainText(cases[2]![1]).text, /one\n\ntwo\n\nthree ?four/);
  assert.equal(extractMainText(cases[4]![1]).text, '');
  assert.equal(extractMainText(cases[3]![1]).title, 'T');
  assert.match(extractMainText(cases[7]![1]).text, /deep text/);
});

test('extractMainText: the largest real page (a 1.2 MB forum listing) is bounded and extracted', () => {
  const big = responses('warc/aut_IAH-2008-archive.org.warc.gz').sort((a, b) => b.body.length - a.body.length)[0]!;
  assert.ok(big.body.length > 1_000_000);
  const r = extractMainText(decodeBody(big.body, null).text);
  // 35,000 elements: the fast extractor reads them all in linear time (Readability is skipped over maxElements).
  assert.ok(r.method === 'main' || r.method === 'boilerplate', r.method);
  // A listing of one poster's forum posts: the heading survives; the rows are link lists, dropped by link density.
  assert.match(r.text, /Posts by William Tell/);
  assert.ok(!r.text.includes('Patron Info'));
  // Cut to 100 KB of HTML (maxHtmlChars bounds the work), the page still yields text.
  const cut = extractMainText(decodeBody(big.body, null).text, { maxHtmlChars: 100_000 });
  assert.match(cut.text, /William Tell/);
});

test('extractMainText: scripts, styles, nav, footer, cookie banners and hidden text are dropped', () => {
  const html = `<html><head><title>A page</title><style>p{color:red}</style></head><body>
    <nav><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav>
    <div id="cookie-banner">We use cookies. Accept all</div>
    <main><h1>Heading</h1><p>First paragraph of the article, long enough to matter.</p><script>alert("x")</script>
    <p>Second   paragraph
    spans lines.</p><ul><li>item one</li><li>item two</li></ul><p hidden>secret</p><span class="sr-only">Skip</span></main>
    <footer>© 2024 Someone. All rights reserved.</footer></body></html>`;
  const r = extractMainText(html);
  assert.equal(r.title, 'A page');
  assert.equal(r.text, 'Heading\n\nFirst paragraph of the article, long enough to matter.\n\nSecond paragraph spans lines.\n\nitem one\nitem two');
});

test('a page whose only text sits under a furniture-like name still gives its text (last resort: visible text)', () => {
  // Readability finds no article and the class/id heuristics drop the table ("header-table"): before, the page came out empty.
  const page = '<html><body><table id="header-table"><tr><td>Our bakery has baked bread in the old town since 1921. Every loaf is made by hand from flour milled two streets away.</td></tr></table><nav><a href="/">Home</a> <a href="/b">Bread</a></nav></body></html>';
  const bakery = 'Our bakery has baked bread in the old town since 1921. Every loaf is made by hand from flour milled two streets away.';
  // Readability finds nothing; the page less furniture keeps the table, which holds most of the
  // page's text (class words do not judge such a block), and drops the menu.
  const got = extractMainText(page, { extractor: 'readability' });
  assert.equal(got.method, 'boilerplate');
  assert.equal(got.text, bakery);
  // Split between blocks with furniture names, none holding most of it, the text is cut by the
  // page less furniture too: the visible text is the last resort.
  const split = page.replace(
    '</td></tr></table>',
    '</td></tr></table><table class="footer-table"><tr><td>Fresh rolls come out of the oven at seven and at noon daily.</td></tr></table>' +
      '<table class="sidebar-table"><tr><td>Open Monday to Saturday from six in the morning until six.</td></tr></table>',
  );
  const last = extractMainText(split, { extractor: 'readability' });
  assert.equal(last.method, 'visible');
  assert.ok(last.text.startsWith(bakery) && last.text.includes('Fresh rolls'), last.text);
  // The fast extractor's scores pick the table itself (class words judge only what lies inside the
  // article); too short to stand as an article, it gives way to the page less furniture: the same text.
  const fast = extractMainText(page);
  assert.equal(fast.method, 'boilerplate');
  assert.equal(fast.text, bakery);
  assert.equal(extractMainText(split).text, bakery);
  // Obvious furniture stays out even then, and a page with no visible text is still empty.
  assert.equal(extractMainText('<html><body><nav><a href="/">Home</a></nav><div style="display:none">hidden</div><footer>(c) 2024</footer></body></html>').method, 'empty');
});

test('a body wrapped in one <form> (ASP.NET WebForms) is the page, not furniture', () => {
  // Before, the fallback dropped the form and with it the whole page, leaving Readability's first line.
  const page = '<html><body><form name="Form1" method="post" action="calendar.aspx"><input type="hidden" name="__VIEWSTATE" value="x"><table><tr><td>Training: Tuesday 18:00 in the small rink</td></tr><tr><td>Match: Saturday 14:00 against Boden</td></tr></table></form></body></html>';
  assert.equal(extractMainText(page).text, 'Training: Tuesday 18:00 in the small rink\nMatch: Saturday 14:00 against Boden');
});

test('pathological pages cost bounded memory: megabytes of inline data, 100,000 flat or nested elements', () => {
  // Eight megabytes of inline data (a data: URI image and a script) around one paragraph.
  const data = 'A'.repeat(4_000_000);
  const inline = `<html><body><img src="data:image/png;base64,${data}"><script>var x="${data}";</script><p>The only paragraph of this page, long enough to be its text.</p></body></html>`;
  const r1 = extractMainText(inline, { maxHtmlChars: 10_000_000 });
  assert.equal(r1.text, 'The only paragraph of this page, long enough to be its text.');
  // 100,000 flat elements: the tree stops growing at the limit, and the page still gives text.
  const flat = `<html><body><p>Intro paragraph of a very long listing page.</p>${'<div><span>item</span></div>'.repeat(100_000)}</body></html>`;
  const tree = parseLightDocument(flat, 50_000);
  assert.equal(tree.truncated, true);
  assert.ok(tree.elements.length <= 50_001);
  const r2 = extractMainText(flat, { maxTreeElements: 50_000 });
  assert.match(r2.text, /Intro paragraph/);
  // 100,000 unclosed nested elements: no recursion anywhere, so no stack overflow.
  const nested = `<html><body>${'<div>'.repeat(100_000)}<p>Deep text at the bottom of the nesting, long enough to count as an article here and there.</p></body></html>`;
  const r3 = extractMainText(nested);
  assert.notEqual(r3.method, 'failed');
  assert.match(r3.text, /Deep text at the bottom/);
  // A streamed page (React) whose content moves to the bottom of a 30,000-deep nesting (deeper than
  // a recursive walk could go): the tree is renumbered without recursion too.
  const streamed = `<html><body>${'<div>'.repeat(30_000)}<template id="P:0"></template>${'</div>'.repeat(30_000)}` +
    `<div hidden id="S:0"><p>Streamed text at the bottom of the nesting, long enough to count as an article here.</p></div><script>$RS("S:0","P:0")</script></body></html>`;
  assert.match(extractMainText(streamed).text, /Streamed text at the bottom/);
  // 20,000 slots and moves under one parent: each move walks its parent's children, so only the
  // first 500 are made (a real page makes a few dozen), and the page still gives its text.
  const moves = 20_000;
  let many = '<html><body><main>';
  for (let i = 0; i < moves; i++) many += `<template id="P:${i.toString(16)}"></template>`;
  many += '</main>';
  for (let i = 0; i < moves; i++) many += `<div hidden id="S:${i.toString(16)}"><p>Segment number ${i} of the page.</p></div><script>$RS("S:${i.toString(16)}","P:${i.toString(16)}")</script>`;
  const r4 = extractMainText(`${many}</body></html>`);
  assert.match(r4.text, /Segment number 0 of the page/);
  assert.doesNotMatch(r4.text, /Segment number 19999 /);
});

test('the light tree: head content, titles, entities, implied closes and a missing </head>', () => {
  const doc = parseLightDocument('<html><head><title>T &amp; U</title><meta property="og:title" content="OG"><style>p{}</style><div>Body starts here</div><p>One<p>Two &lt;3</body></html>');
  assert.equal(doc.title, 'T & U');
  assert.equal(doc.meta.get('og:title'), 'OG');
  assert.equal(htmlToText(doc.body), 'Body starts here\n\nOne\n\nTwo <3');
  // Past 4,096 open elements the parse goes on in a new parser: nothing before, inside or after is lost.
  const deep = parseLightDocument(`<html><body><p>Before</p>${'<div><b>'.repeat(3_000)}Deep${'</b></div>'.repeat(3_000)}<p>After</p></body></html>`);
  assert.equal(htmlToText(deep.body).replace(/\s+/g, ' '), 'Before Deep After');
});
