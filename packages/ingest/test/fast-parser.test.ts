/**
 * The fast parser (src/extract/fast-parser.ts) reports what htmlparser2's own
 * does, event for event, on made-up pages that reach each path it changes:
 * text and quoted attribute values skipped to the next `<`, `&` or quote,
 * entities, attribute names in any case, `<![CDATA[`, comments, scripts,
 * and input that ends inside each of these. Real pages: fast-parser-pages.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFastParser } from '../src/extract/fast-parser.js';
import { bothParsers, createReferenceParser, parserEvents } from './parser-events.js';

const PAGES: Record<string, string> = {
  'text and entities': '<p>plain text, then &amp; &lt;b&gt; &#x41;&#66; &nbsp;and &copy without a semicolon, &notit; &unknown; & alone</p>',
  'text only, no tag': 'no markup at all & an entity &amp; the end',
  'text after the last tag': '<div>one</div> trailing text with no tag after it',
  'a page with no ampersand': '<html><head><title>T</title></head><body><p>a</p><p>b</p><div>c</div></body></html>',
  'quoted attributes': `<div class="a b" id='x' style="display:none" title="a 'quote' inside" data-x='"double" inside'>x</div>`,
  'entities in attribute values': '<a href="/p?a=1&amp;b=2&c=3&copy=4" class="x&amp;y" title="&lt;&#x22;">link</a>',
  'unquoted and empty attribute values': '<div class=plain id=a&amp;b hidden data-empty="" role = main>x</div><img src=x.png alt=a>',
  'attribute names in any case': '<DIV CLASS="upper" Id="mixed" ARIA-HIDDEN="true" Data-Sid="S:1" STYLE="color:red">x</DIV>',
  'names near kept ones': '<div classes="no" ids="no" clas="no" hiddenx="no" data-sidx="no" rolex="no">x</div>',
  'repeated attributes: the first wins': '<div class="first" class="second" ID="a" id="b">x</div>',
  'a greater-than sign in a quoted value': '<div title="a > b" class="c>d">x</div>',
  'meta tags': '<head><meta name="description" content="D &amp; E"><meta property="og:title" content=\'T\'></head><body>b</body>',
  'stray CDATA': '<body><![CDATA[ hidden? ]]> seen <p>after</p><![CDATA[x>y]]></body>',
  'conditional comments and declarations': '<!DOCTYPE html><!--[if IE]><p>ie</p><![endif]--><![if !IE]><p>not ie</p><![endif]><p>x</p>',
  'comments': '<!-- one --><p>a</p><!----><!-- two --- --><!-- dashes ---><p>b</p><!-x->',
  'script and style': '<script>var s = "</scr" + "ipt>"; if (a < b && c > d) {}</script><style>p > a { color: red }</style><p>t</p>',
  'script with a CDATA section': '<script>//<![CDATA[\nvar x = "<![CDATA[";\n//]]></script><p>after</p>',
  'title and textarea with entities': '<title>A &amp; B &lt; C</title><textarea>a &amp; b <p> not a tag</textarea><p>x</p>',
  'less-than signs that open no tag': '<p>a < b, c <= d, 3<4, </ > and <> and < /p></p>',
  'processing instruction': '<?xml version="1.0"?><p>x</p>',
  'svg with CDATA': '<svg><style><![CDATA[ .a { fill: red } ]]></style><text>svg text</text></svg><p>x</p>',
  'implied closes': '<ul><li>one<li>two</ul><p>a<p>b<table><tr><td>c<td>d</table></p>',
  'non-ASCII text and attributes': '<p class="ümlaut" title="日本語">日本語のテキスト &amp; émigré — “quotes”</p>',
  'ends inside a quoted value': '<div class="never closed',
  'ends inside an unquoted value': '<div class=open',
  'ends inside an entity in text': '<p>text &am',
  'ends inside an entity in a value': '<a title="x &am',
  'ends inside a comment': '<p>x</p><!-- never closed',
  'ends inside a tag name': '<p>x</p><di',
  'ends inside a script': '<script>var a = 1;',
  'ends inside a declaration': '<p>x</p><!DOCTYPE',
};

for (const [name, html] of Object.entries(PAGES)) {
  test(`fast parser: the same events as htmlparser2 on ${name}`, () => {
    const { fast, reference } = bothParsers(html);
    assert.ok(reference.length > 0);
    assert.deepEqual(fast, reference);
  });
}

test('fast parser: a stray <![CDATA[ ends at the first >, as in a browser, not at ]]>', () => {
  const page = '<body><![CDATA[ x > <p>seen</p> ]]></body>';
  assert.ok(parserEvents(page, createFastParser).includes('text "seen"'));
  // htmlparser2 on its own reads a CDATA section to the next ]]>: the paragraph is lost.
  assert.ok(!parserEvents(page, createReferenceParser).includes('text "seen"'));
});

test('fast parser: a page that ends inside a stray <![CDATA[ keeps its last text as written', () => {
  // htmlparser2 gives what is left of an unclosed declaration as text; the rewrite showed in it.
  const { fast, reference } = bothParsers('<p>x</p><![CDATA[ never closed');
  assert.deepEqual(fast.slice(0, 3), reference.slice(0, 3));
  assert.deepEqual(fast.slice(3), ['text "[CDATA[ never closed"']);
});

test('fast parser: attributes no rule reads are not kept', () => {
  const seen: Record<string, string>[] = [];
  createFastParser({ onopentag: (_name, attribs) => seen.push(attribs) })
    .end('<img src="a.png" srcset="a.png 1x, b.png 2x" data-props=\'{"a":1}\' CLASS="c" alt=x>');
  assert.deepEqual(seen, [{ class: 'c' }]);
});
