/**
 * Independent, deliberately plain re-statements of the rules (written from
 * the wording, not from src), used to work out the expected decision
 * and deciding value for real documents.
 */
type Ref = { rule: string; value: number } | null;

const words = (t: string) => t.split(/\s+/).filter((w) => w !== '');
const bare = (w: string) => w.replace(/^[\p{P}\p{S}]+/u, '').replace(/[\p{P}\p{S}]+$/u, '');
const nonEmptyLines = (t: string) => t.split('\n').map((l) => l.replace(/\r$/, '').trim()).filter((l) => l !== '');
const count = (t: string, s: string) => t.split(s).length - 1;
const junk = (t: string) => [...t].filter((c) => { const k = c.charCodeAt(0); return (k < 32 && !'\t\n\r\f'.includes(c)) || k === 127 || k === 0xfffd; }).length;

function guard(prefix: string, t: string): Ref {
  if (t.trim() === '') return { rule: `${prefix}:empty`, value: t.length };
  // junk counts UTF-16 units the same way for BMP characters; none of the junk characters is astral.
  let units = 0;
  for (let i = 0; i < t.length; i++) { const k = t.charCodeAt(i); if ((k < 32 && k !== 9 && k !== 10 && k !== 13 && k !== 12) || k === 127 || k === 0xfffd) units++; }
  if (units / t.length > 0.01) return { rule: `${prefix}:invalid-chars`, value: units / t.length };
  void junk;
  return null;
}

export function refGopherQuality(t: string): Ref {
  const g = guard('gopher', t); if (g) return g;
  const toks = words(t);
  const ws = toks.map(bare).filter((w) => w !== '');
  if (ws.length < 50 || ws.length > 100000) return { rule: 'gopher:word-count', value: ws.length };
  const mean = ws.reduce((s, w) => s + [...w].length, 0) / ws.length;
  if (mean < 3 || mean > 10) return { rule: 'gopher:mean-word-length', value: mean };
  if (count(t, '#') / ws.length > 0.1) return { rule: 'gopher:hash-ratio', value: count(t, '#') / ws.length };
  const ell = count(t, '...') + count(t, '…');
  if (ell / ws.length > 0.1) return { rule: 'gopher:ellipsis-ratio', value: ell / ws.length };
  const lines = nonEmptyLines(t);
  const bullets = lines.filter((l) => /^[•\-*‣◦⁃▪●○■□–]/.test(l)).length;
  if (bullets / lines.length > 0.9) return { rule: 'gopher:bullet-lines', value: bullets / lines.length };
  const ellLines = lines.filter((l) => /(\.\.\.|…)$/.test(l)).length;
  if (ellLines / lines.length > 0.3) return { rule: 'gopher:ellipsis-lines', value: ellLines / lines.length };
  const alpha = toks.filter((w) => /\p{L}/u.test(w)).length / toks.length;
  if (alpha < 0.8) return { rule: 'gopher:alpha-words', value: alpha };
  const stops = ws.filter((w) => ['the', 'be', 'to', 'of', 'and', 'that', 'have', 'with'].includes(w.toLowerCase())).length;
  if (stops < 2) return { rule: 'gopher:stop-words', value: stops };
  return null;
}

function dupStats(items: string[]): [number, number] {
  const seen: Record<string, true> = Object.create(null);
  let n = 0; let c = 0;
  for (const x of items) { if (seen[x]) { n++; c += x.length; } else seen[x] = true; }
  return [n, c];
}

export function refGopherRepetition(t: string): Ref {
  const g = guard('gopher', t); if (g) return g;
  const paras = t.split(/\n[ \t\r]*\n/).map((p) => p.trim()).filter((p) => p !== '');
  const [pn, pc] = dupStats(paras);
  if (paras.length && pn / paras.length > 0.3) return { rule: 'gopher:dup-paragraph-fraction', value: pn / paras.length };
  if (pc / t.length > 0.2) return { rule: 'gopher:dup-paragraph-chars', value: pc / t.length };
  const lines = nonEmptyLines(t);
  const [ln, lc] = dupStats(lines);
  if (lines.length && ln / lines.length > 0.3) return { rule: 'gopher:dup-line-fraction', value: ln / lines.length };
  if (lc / t.length > 0.2) return { rule: 'gopher:dup-line-chars', value: lc / t.length };
  const ws = words(t);
  const limitsTop = [0.2, 0.18, 0.16];
  for (let n = 2; n <= 4; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= ws.length; i++) { const k = ws.slice(i, i + n).join('\u0001'); counts.set(k, (counts.get(k) ?? 0) + 1); }
    let best = 0;
    for (const [k, c] of counts) if (c >= 2) best = Math.max(best, (k.length - (n - 1)) * c);
    // The highest count wins; among equal counts the longest n-gram.
    let bestCount = 0; for (const c of counts.values()) bestCount = Math.max(bestCount, c);
    let chars = 0;
    if (bestCount >= 2) for (const [k, c] of counts) if (c === bestCount) chars = Math.max(chars, (k.length - (n - 1)) * c);
    void best;
    if (chars / t.length > limitsTop[n - 2]!) return { rule: `gopher:top-${n}-gram`, value: chars / t.length };
  }
  const limitsDup = [0.15, 0.14, 0.13, 0.12, 0.11, 0.1];
  for (let n = 5; n <= 10; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= ws.length; i++) { const k = ws.slice(i, i + n).join('\u0001'); counts.set(k, (counts.get(k) ?? 0) + 1); }
    const covered = new Set<number>();
    for (let i = 0; i + n <= ws.length; i++) if (counts.get(ws.slice(i, i + n).join('\u0001'))! > 1) for (let j = i; j < i + n; j++) covered.add(j);
    let chars = 0; for (const j of covered) chars += ws[j]!.length;
    if (chars / t.length > limitsDup[n - 5]!) return { rule: `gopher:dup-${n}-gram`, value: chars / t.length };
  }
  return null;
}

export function refFineweb(t: string): Ref {
  const g = guard('fineweb', t); if (g) return g;
  const lines = nonEmptyLines(t);
  const term = lines.filter((l) => ['.', '!', '?', '"', "'", '。', '！', '？'].includes(l.slice(-1))).length / lines.length;
  if (term < 0.12) return { rule: 'fineweb:terminal-punct-lines', value: term };
  const short = lines.filter((l) => l.length <= 30).length / lines.length;
  if (short > 0.67) return { rule: 'fineweb:short-lines', value: short };
  const dup = dupStats(lines)[1] / t.replaceAll('\n', '').length;
  if (dup > 0.01) return { rule: 'fineweb:dup-line-chars', value: dup };
  const nl = count(t, '\n') / words(t).length;
  if (nl > 0.3) return { rule: 'fineweb:newline-per-word', value: nl };
  return null;
}

/** C4 reference: returns the drop, or the kept text. */
export function refC4(t: string): Ref | { text: string } {
  const g = guard('c4', t); if (g) return g;
  const lower = t.toLowerCase();
  if (lower.includes('lorem ipsum')) return { rule: 'c4:lorem-ipsum', value: lower.indexOf('lorem ipsum') };
  const braces = [t.indexOf('{'), t.indexOf('}')].filter((x) => x >= 0);
  if (braces.length) return { rule: 'c4:curly-brace', value: Math.min(...braces) };
  const kept: string[] = [];
  let sentences = 0;
  for (let line of t.split('\n')) {
    line = line.replace(/\r$/, '').trim();
    if (!line) continue;
    const stripped = line.replace(/\[\d{1,4}\]|\[edit\]|\[citation needed\]/gi, '');
    if (stripped !== line) line = stripped.replace(/[ \t]{2,}/g, ' ').trim();
    const ws = words(line);
    if (ws.some((w) => w.length > 1000)) continue;
    if (line.endsWith('...') || line.endsWith('…') || !['.', '!', '?', '"', "'"].some((p) => line.endsWith(p))) continue;
    if (ws.length < 3) continue;
    const l = line.toLowerCase();
    if (l.includes('javascript')) continue;
    if (['terms of use', 'privacy policy', 'cookie policy', 'uses cookies', 'use of cookies', 'use cookies'].some((p) => l.includes(p))) continue;
    let s = 0;
    const toks = line.split(/(\s+)/);
    for (const tok of toks) if (/[.!?。！？]+["'”’)\]]*$/.test(tok)) s++;
    sentences += Math.max(1, s);
    kept.push(line);
  }
  if (sentences < 5) return { rule: 'c4:too-few-sentences', value: sentences };
  return { text: kept.join('\n') };
}
