import type { ResolvedStage } from './params.js';
import { usableTokens } from './params.js';

/** The source group used when the mixture is empty: every source, in natural proportions. */
export const ALL_SOURCES = '*';

/** Turns a source glob into a RegExp: `**` crosses '/', `*` and `?` do not. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        out += '.*';
        i++;
        if (glob[i + 1] === '/') i++;
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/**
 * Maps a document's `source` to its mixture group: the first key (in the
 * order written) that matches the whole source, or, for a key without '/',
 * its file name. Results are cached because sources repeat across millions
 * of documents.
 */
export class SourceMixture {
  readonly groups: readonly string[];
  private readonly patterns: { key: string; re: RegExp; basename: boolean }[];
  private readonly cache = new Map<string, string | null>();

  constructor(mixture: Record<string, number>) {
    this.groups = Object.keys(mixture).length === 0 ? [ALL_SOURCES] : Object.keys(mixture);
    this.patterns = Object.keys(mixture).map((key) => ({ key, re: globToRegExp(key), basename: !key.includes('/') }));
  }

  /** The mixture group of a source, or null when no key matches it (the document is not used). */
  groupOf(source: string): string | null {
    if (this.patterns.length === 0) return ALL_SOURCES;
    let found = this.cache.get(source);
    if (found !== undefined) return found;
    found = null;
    const base = source.slice(source.lastIndexOf('/') + 1);
    for (const p of this.patterns) {
      if (p.re.test(source) || (p.basename && p.re.test(base))) {
        found = p.key;
        break;
      }
    }
    if (this.cache.size < 100_000) this.cache.set(source, found);
    return found;
  }
}

/** Where a document goes: a stage and mixture group with its usable tokens, or a drop reason. */
export type Route =
  | { stage: number; group: string; usable: number }
  | { reason: string; value: string };

/**
 * Length bucketing: picks the one stage whose length range holds the
 * document (ranges never overlap, resolveStages checks), then applies its
 * quality floor and the source mixture. Pure, so the scan and the pack phase
 * route every document identically.
 */
export class Router {
  private readonly sorted: ResolvedStage[];
  private readonly smallest: number;
  private readonly largest: number | null;

  constructor(private readonly stages: readonly ResolvedStage[], private readonly mixture: SourceMixture, private readonly minPiece: number) {
    this.sorted = [...stages].sort((a, b) => a.min_tokens - b.min_tokens);
    this.smallest = this.sorted[0]!.min_tokens;
    const last = this.sorted[this.sorted.length - 1]!;
    this.largest = last.max_tokens;
  }

  route(nTokens: number, quality: number | null, source: string): Route {
    if (!(nTokens > 0)) return { reason: 'not-selected:empty', value: String(nTokens) };
    if (nTokens < this.smallest) return { reason: 'not-selected:too-short', value: String(nTokens) };
    if (this.largest !== null && nTokens > this.largest) return { reason: 'not-selected:too-long', value: String(nTokens) };
    let stage: ResolvedStage | undefined;
    for (const s of this.sorted) {
      if (nTokens >= s.min_tokens && (s.max_tokens === null || nTokens <= s.max_tokens)) {
        stage = s;
        break;
      }
    }
    if (!stage) return { reason: 'not-selected:length-gap', value: String(nTokens) };
    if (stage.min_quality !== null) {
      if (quality === null || quality === undefined || Number.isNaN(quality)) return { reason: 'not-selected:unscored', value: stage.name };
      if (quality < stage.min_quality) return { reason: 'not-selected:low-quality', value: String(quality) };
    }
    const group = this.mixture.groupOf(source);
    if (group === null) return { reason: 'not-selected:source', value: source };
    const usable = usableTokens(stage, nTokens, this.minPiece);
    if (usable <= 0) return { reason: 'not-selected:too-short', value: String(nTokens) };
    return { stage: stage.index, group, usable };
  }
}
