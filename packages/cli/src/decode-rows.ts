import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FoxdenError, TOKENIZER_METADATA_KEYS, listStepDirs, readStepMarkers } from '@foxden/core';
import { ShardReader } from '@foxden/shards';

/** A token or stage row shown as text. */
export interface DecodedRow {
  shard: string;
  row: number;
  kind: 'tokens' | 'stage';
  /** tokens: the document id; stage: the stage name. */
  label: string;
  tokens: number;
  padding?: number;
  /** One entry per document piece (a token row is one piece). */
  segments: { doc_id: string; offset: number; tokens: number; text: string }[];
}

export interface DecodeReport {
  tokenizer: string;
  /** Set when the tokenizer file is not the one the shards were written with. */
  warning: string | null;
  rows: DecodedRow[];
}

interface Decoder {
  decode(ids: ArrayLike<number>, skipSpecialTokens?: boolean): Promise<string>;
  identity: { sha256: string };
}

/** The tokenize step's tokenizer from run.json, unless one is given. */
async function tokenizerPath(runDir: string, given: string | undefined): Promise<string> {
  if (given) return given;
  const run = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8').catch(() => '{}')) as { steps?: { type: string; params?: { tokenizer?: string } }[] };
  const path = run.steps?.find((s) => s.type === 'tokenize')?.params?.tokenizer;
  if (!path) throw new FoxdenError('BAD_CONFIG', `${runDir}/run.json names no tokenize step with a tokenizer; pass --tokenizer <tokenizer.json>`);
  return path;
}

/** The first shard of each kind (tokens) or of each stage (stage), from the done markers. */
async function shardsToDecode(runDir: string): Promise<{ path: string; kind: 'tokens' | 'stage' }[]> {
  const out: { path: string; kind: 'tokens' | 'stage' }[] = [];
  let tokens = false;
  const stageNames = new Set<string>();
  for (const stepDir of await listStepDirs(runDir)) {
    for (const { stats } of await readStepMarkers(runDir, stepDir)) {
      for (const o of [...stats.outputs].sort((a, b) => (a.path < b.path ? -1 : 1))) {
        if (o.rows === 0) continue;
        if (o.kind === 'tokens' && !tokens) {
          tokens = true;
          out.push({ path: o.path, kind: 'tokens' });
        }
        // Stage shards are named stage-<index>-<name>-...; one per stage.
        const stage = o.kind === 'stage' ? /stage-\d+-[^/-]+/.exec(o.path)?.[0] ?? o.path : null;
        if (stage && !stageNames.has(stage)) {
          stageNames.add(stage);
          out.push({ path: o.path, kind: 'stage' });
        }
      }
    }
  }
  return out;
}

const clip = (text: string, chars: number) => (text.length > chars ? `${text.slice(0, chars)}...(${text.length - chars} more chars)` : text);

/**
 * The first rows of the run's first token shard and of the first shard of
 * each curriculum stage, decoded through the run's tokenizer (special tokens
 * kept, so BOS/EOS show); stage rows are decoded piece by piece, so the
 * document boundaries inside a packed sequence can be marked.
 */
export async function decodeRunRows(runDir: string, options: { rows: number; chars: number; tokenizer?: string }): Promise<DecodeReport> {
  const path = await tokenizerPath(runDir, options.tokenizer);
  const specifier = '@foxden/tokenize';
  const { loadTokenizer } = (await import(specifier)) as { loadTokenizer: (p: string) => Promise<Decoder> };
  const tokenizer = await loadTokenizer(path);
  let warning: string | null = null;
  const rows: DecodedRow[] = [];
  for (const shard of await shardsToDecode(runDir)) {
    const reader = await ShardReader.open(join(runDir, shard.path));
    try {
      const recorded = reader.metadata[TOKENIZER_METADATA_KEYS.sha256];
      if (recorded && recorded !== tokenizer.identity.sha256 && !warning) {
        warning = `${path} is not the tokenizer ${shard.path} was written with (sha256 ${tokenizer.identity.sha256.slice(0, 12)} vs ${recorded.slice(0, 12)}); the text below may be wrong`;
      }
      const stageName = reader.metadata['foxden.stage.name'] ?? '';
      let row = 0;
      for await (const batch of reader.rowBatches()) {
        for (const r of batch) {
          if (row >= options.rows) break;
          const ids = r['tokens'] as Uint32Array;
          if (shard.kind === 'tokens') {
            const text = await tokenizer.decode(ids, false);
            rows.push({ shard: shard.path, row, kind: 'tokens', label: String(r['id']), tokens: ids.length, segments: [{ doc_id: String(r['id']), offset: 0, tokens: ids.length, text: clip(text, options.chars) }] });
          } else {
            const lengths = Array.from(r['segment_lengths'] as Int32Array);
            const docIds = r['segment_doc_ids'] as unknown as string[];
            const offsets = Array.from(r['segment_offsets'] as Int32Array);
            const segments: DecodedRow['segments'] = [];
            let start = 0;
            for (let i = 0; i < lengths.length; i++) {
              const text = await tokenizer.decode(ids.subarray(start, start + lengths[i]!), false);
              segments.push({ doc_id: String(docIds[i]), offset: offsets[i] ?? 0, tokens: lengths[i]!, text: clip(text, options.chars) });
              start += lengths[i]!;
            }
            rows.push({ shard: shard.path, row, kind: 'stage', label: stageName, tokens: ids.length, padding: Number(r['padding']), segments });
          }
          row += 1;
        }
        if (row >= options.rows) break;
      }
    } finally {
      await reader.close();
    }
  }
  return { tokenizer: path, warning, rows };
}

/** Decoded rows as text: each document piece starts with a marked boundary line. */
export function renderDecoded(report: DecodeReport): string {
  const lines = [`decoded through ${report.tokenizer} (special tokens shown; each document piece starts at a ┃ boundary line)`];
  if (report.warning) lines.push(`warning: ${report.warning}`);
  for (const r of report.rows) {
    lines.push('');
    lines.push(r.kind === 'tokens'
      ? `== token row ${r.row} of ${r.shard}: ${r.label}, ${r.tokens} tokens`
      : `== stage ${r.label} row ${r.row} of ${r.shard}: ${r.tokens} tokens, ${r.segments.length} segment(s), ${r.padding} padding`);
    r.segments.forEach((s, i) => {
      if (r.kind === 'stage') lines.push(`┃ segment ${i + 1}/${r.segments.length}: ${s.doc_id} from token ${s.offset}, ${s.tokens} tokens`);
      lines.push(...s.text.split('\n').map((l) => `  ${l}`));
    });
    if (r.kind === 'stage' && r.padding) lines.push(`┃ padding: ${r.padding} tokens`);
  }
  return lines.join('\n') + '\n';
}
