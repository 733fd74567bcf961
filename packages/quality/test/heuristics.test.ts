// foxden-test-needs: shared-corpus
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { c4Filter } from '../src/heuristics/c4.js';
import { finewebFilter } from '../src/heuristics/fineweb.js';
import { gopherQuality } from '../src/heuristics/gopher-quality.js';
import { gopherRepetition } from '../src/heuristics/gopher-repetition.js';
import { bareWord } from '../src/heuristics/text.js';
import type { Verdict } from '../src/heuristics/verdict.js';
import { SeededRandom } from '@foxden/core';
import { corpusDocs } from './corpus.js';
import { refC4, refFineweb, refGopherQuality, refGopherRepetition } from './reference.js';

const docs = corpusDocs();

function asRef(v: Verdict): { rule: string; value: number } | null {
  if (v.keep) return null;
  return { rule: v.rule, value: Number(v.value) };
}

function sameDecision(name: string, id: string, got: { rule: string; value: number } | null, want: { rule: string; value: number } | null): void {
  assert.equal(got?.rule ?? 'keep', want?.rule ?? 'keep', `${name} on ${id}`);
  if (got && want) assert.ok(Math.abs(got.value - want.value) < 1e-9, `${name} on ${id}: value ${got.value} != ${want.value}`);
}

/** Takes a real document and makes a rule fire: the decision must name that rule with the value the reference works out. */
function firstWithLines(min: number, keptBy: (t: string) => unknown) {
  const d = docs.find((x) => x.text.split('\n').filter((l) => l.trim()).length >= min && x.text.length > 2000 && keptBy(x.text) === null);
  assert.ok(d, 'a multi-line real document');
  return d;
}

describe('bareWord', () => {
  it('strips what /^[\\p{P}\\p{S}]+|[\\p{P}\\p{S}]+$/gu strips, in linear time', () => {
    // Letters, punctuation, symbols (an emoji: two code units) and a lone surrogate.
    const alphabet = ['a', 'é', '.', ',', '=', '$', '\u{1F600}', '\u00a7', '\ud800', '1'];
    const rng = new SeededRandom(7);
    for (let n = 0; n < 5000; n++) {
      let token = '';
      for (let len = rng.nextInt(10); len > 0; len--) token += alphabet[rng.nextInt(alphabet.length)];
      assert.equal(bareWord(token), token.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, ''), JSON.stringify(token));
    }
    // 'a' then a million '=' then 'b': the expression takes minutes (quadratic).
    const long = `a${'='.repeat(1_000_000)}b`;
    assert.equal(bareWord(`(${long}).`), long);
  });
});

describe('Gopher quality on the shared corpus', () => {
  it('decides every document as the reference does, with the same value', () => {
    const fired = new Set<string>();
    for (const d of docs) {
      const want = refGopherQuality(d.text);
      sameDecision('gopher-quality', d.id, asRef(gopherQuality(d.text)), want);
      fired.add(want?.rule ?? 'keep');
    }
    // The real corpus keeps some documents and drops others for more than one reason.
    assert.ok(fired.has('keep') && fired.size >= 3, `rules seen: ${[...fired].join(', ')}`);
  });

  it('fires each rule on real text edited to cross one threshold', () => {
    const base = firstWithLines(20, refGopherQuality);
    const lines = base.text.split('\n').filter((l) => l.trim());
    const w15 = base.text.split(/\s+/).filter(Boolean);
    const longLines: string[] = [];
    for (let i = 0; i + 15 <= w15.length; i += 15) longLines.push(w15.slice(i, i + 15).join(' '));
    const cases: [string, string][] = [
      ['gopher:word-count', base.text.split(/\s+/).slice(0, 30).join(' ')],
      ['gopher:mean-word-length', base.text.split(/\s+/).filter(Boolean).map((w) => w.repeat(4)).join(' ')],
      ['gopher:hash-ratio', base.text.split(/\s+/).filter(Boolean).map((w) => `#${w}`).join(' ')],
      ['gopher:ellipsis-ratio', base.text.split(/\s+/).filter(Boolean).map((w, i) => (i % 5 === 0 ? `${w}...` : w)).join(' ')],
      ['gopher:bullet-lines', lines.map((l) => `• ${l}`).join('\n')],
      ['gopher:ellipsis-lines', longLines.map((l, i) => (i % 2 === 0 ? `${l} …` : l)).join('\n')],
      ['gopher:alpha-words', base.text.split(/\s+/).filter(Boolean).map((w, i) => (i % 3 === 0 ? `${w} 1234 5678` : w)).join(' ')],
      ['gopher:stop-words', base.text.replace(/\b(the|be|to|of|and|that|have|with)\b/gi, 'xyz')],
    ];
    for (const [rule, text] of cases) {
      const want = refGopherQuality(text);
      assert.equal(want?.rule, rule, `reference decision for ${rule}`);
      sameDecision('gopher-quality', rule, asRef(gopherQuality(text)), want);
    }
  });

  it('treats text without spaces as one word per line (documented): a Japanese novel is dropped', () => {
    const ja = docs.find((d) => d.id.includes('wagahaiwa'))!;
    const v = gopherQuality(ja.text);
    assert.equal(v.keep, false);
    // Each line is one long "word": the mean word length is far above 10.
    assert.equal(!v.keep && v.rule, 'gopher:mean-word-length');
    assert.ok(!v.keep && Number(v.value) > 10);
    assert.equal(!v.keep && v.value, refGopherQuality(ja.text)!.value);
    // Without line breaks it is a single word, under the 50-word minimum.
    const oneLine = ja.text.replace(/\s+/g, '');
    assert.deepEqual(asRef(gopherQuality(oneLine)), { rule: 'gopher:word-count', value: 1 });
  });
});

describe('Gopher repetition on the shared corpus', () => {
  it('decides every document as the reference does, with the same value', () => {
    const fired = new Set<string>();
    for (const d of docs) {
      const want = refGopherRepetition(d.text);
      sameDecision('gopher-repetition', d.id, asRef(gopherRepetition(d.text)), want);
      fired.add(want?.rule ?? 'keep');
    }
    assert.ok(fired.has('keep') && fired.size >= 2, `rules seen: ${[...fired].join(', ')}`);
  });

  it('fires each rule on real text edited to cross one threshold', () => {
    const base = firstWithLines(20, refGopherRepetition);
    const lines = base.text.split('\n').filter((l) => l.trim());
    const paras = lines.slice(0, 12).map((l, i) => (i < 6 ? lines[0]! : l));
    const w = base.text.split(/\s+/).filter(Boolean);
    const cases: [string, string][] = [
      ['gopher:dup-paragraph-fraction', paras.join('\n\n')],
      ['gopher:dup-line-fraction', [...lines.slice(0, 10), ...lines.slice(0, 10)].join('\n')],
      ['gopher:dup-line-chars', [...lines.slice(0, 10), lines.slice(0, 6).join(' '), lines.slice(0, 6).join(' ')].join('\n')],
      ['gopher:top-2-gram', w.slice(0, 200).map((x, i) => (i % 4 === 0 ? `${x} ${w[0]} ${w[1]}` : x)).join(' ')],
      ['gopher:dup-5-gram', [w.slice(0, 200).join(' '), w.slice(50, 120).join(' ')].join(' ')],
    ];
    for (const [rule, text] of cases) {
      const want = refGopherRepetition(text);
      assert.equal(want?.rule, rule, `reference decision for ${rule}: got ${JSON.stringify(want)}`);
      sameDecision('gopher-repetition', rule, asRef(gopherRepetition(text)), want);
    }
  });
});

describe('FineWeb on the shared corpus', () => {
  it('decides every document as the reference does, with the same value', () => {
    const fired = new Set<string>();
    for (const d of docs) {
      const want = refFineweb(d.text);
      sameDecision('fineweb', d.id, asRef(finewebFilter(d.text)), want);
      fired.add(want?.rule ?? 'keep');
    }
    assert.ok(fired.has('keep') && fired.size >= 3, `rules seen: ${[...fired].join(', ')}`);
  });

  it('fires each rule on real text edited to cross one threshold', () => {
    const base = firstWithLines(20, refFineweb);
    const lines = base.text.split('\n').filter((l) => l.trim());
    const w = base.text.split(/\s+/).filter(Boolean);
    const cases: [string, string][] = [
      ['fineweb:terminal-punct-lines', lines.map((l) => l.replace(/[.!?"']+$/, '')).join('\n')],
      ['fineweb:short-lines', w.slice(0, 300).map((x, i) => (i % 3 === 2 ? `${x}.\n` : `${x} `)).join('')],
      ['fineweb:dup-line-chars', [...lines, lines[3]!].join('\n')],
    ];
    for (const [rule, text] of cases) {
      const want = refFineweb(text);
      assert.equal(want?.rule, rule, `reference decision for ${rule}: got ${JSON.stringify(want)}`);
      sameDecision('fineweb', rule, asRef(finewebFilter(text)), want);
    }
    // Newlines per word needs long lines (not short) with many newlines: blank lines between sentences.
    const text = w.slice(0, 400).join(' ').replace(/\. /g, '.\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n');
    const want = refFineweb(text);
    assert.equal(want?.rule, 'fineweb:newline-per-word');
    sameDecision('fineweb', 'newline-per-word', asRef(finewebFilter(text)), want);
  });
});

describe('C4 on the shared corpus', () => {
  it('keeps the same lines and drops the same documents as the reference', () => {
    const fired = new Set<string>();
    for (const d of docs) {
      const want = refC4(d.text);
      const got = c4Filter(d.text);
      if (want !== null && 'text' in want) {
        assert.ok(got.keep, `c4 on ${d.id}: kept by the reference, dropped as ${!got.keep && got.rule}`);
        assert.equal(got.text, want.text, `c4 kept text of ${d.id}`);
        fired.add('keep');
      } else {
        sameDecision('c4', d.id, asRef(got), want);
        fired.add(want?.rule ?? 'keep');
      }
    }
    assert.ok(fired.has('keep') && fired.has('c4:curly-brace') && fired.has('c4:too-few-sentences'), `rules seen: ${[...fired].join(', ')}`);
  });

  it('switches rules off, strips citations and counts removed lines', () => {
    const base = docs.find((d) => { const r = refC4(d.text); return r !== null && 'text' in r && r.text.split('\n').length >= 5; })!;
    const lines = base.text.split('\n').filter((l) => l.trim());
    const edited = [...lines.slice(0, 3).map((l) => `${l.replace(/([.!?"'])$/, '[12]$1')}`), 'Please enable JavaScript to view the comments.', 'This site uses cookies to improve your experience.', ...lines.slice(3)].join('\n');
    const counts: Record<string, number> = {};
    const got = c4Filter(edited, undefined, (c, n = 1) => { counts[c] = (counts[c] ?? 0) + n; });
    const want = refC4(edited);
    assert.ok(got.keep && want !== null && 'text' in want);
    assert.equal(got.text, want.text);
    assert.ok(!got.text!.includes('[12]') && !got.text!.includes('JavaScript') && !got.text!.includes('cookies'));
    assert.equal(counts['c4:line-javascript'], 1);
    assert.equal(counts['c4:line-policy'], 1);
    assert.ok((counts['c4:citations-stripped'] ?? 0) >= 3);
    const lorem = `${base.text}\nLorem ipsum dolor sit amet.`;
    assert.deepEqual(asRef(c4Filter(lorem)), refC4(lorem));
    assert.equal(c4Filter(lorem, { ...c4Defaults(), filter_lorem_ipsum: false }).keep, true);
    const braces = `${base.text}\nfunction f() { return 1; }`;
    assert.equal(c4Filter(braces, { ...c4Defaults(), filter_curly_brace: false }).keep, true);
  });
});

function c4Defaults() {
  return { require_terminal_punctuation: true, terminal_punctuation: ['.', '!', '?', '"', "'"], min_words_per_line: 3, max_word_length: 1000, filter_javascript: true, filter_policy: true, filter_lorem_ipsum: true, filter_curly_brace: true, min_sentences: 5, strip_citations: true, max_invalid_char_ratio: 0.01 };
}
