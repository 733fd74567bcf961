import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  FoxdenError, addCount, taskKey,
  type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { runTask, type ShardReader } from '@foxden/shards';
import { TokenShardWriter, type TokenRow } from './token-shards.js';
import { loadTokenizer, type LoadedTokenizer } from './tokenizer.js';

/** Params of the `tokenize` step, with the defaults of its schema applied. */
export interface TokenizeParams {
  tokenizer: string;
  add_bos: boolean;
  add_eos: boolean;
  bos_token: string | null;
  eos_token: string | null;
  shard_target_tokens: number;
  shard_target_bytes: number | null;
  batch_size: number;
}

/** Input columns the step reads; the others (text aside) are not decoded. */
const READ_COLUMNS = ['id', 'text', 'url', 'source', 'lang', 'quality', 'cluster_size', 'meta'] as const;

interface InputDoc {
  id: string;
  text: string;
  url: string | null;
  source: string;
  lang: string | null;
  quality?: number | null;
  cluster_size?: number | null;
  meta?: string | null;
}

// One tokenizer per thread and file version: the native tokenizer is per thread, and loading a 256K vocabulary takes a second.
const cache = new Map<string, Promise<LoadedTokenizer>>();

/** The step's tokenizer, loaded once per thread (keyed by path, size and mtime so an edited file is reloaded). */
export async function stepTokenizer(ctx: { pipelineDir: string; params: TokenizeParams }): Promise<LoadedTokenizer> {
  const path = resolve(ctx.pipelineDir, ctx.params.tokenizer);
  const info = await stat(path).catch((e: unknown) => {
    throw new FoxdenError('BAD_CONFIG', `tokenizer ${path} (param "tokenizer": "${ctx.params.tokenizer}") cannot be read: ${(e as Error).message}`, { file: path, cause: e });
  });
  const key = `${path}\u0000${info.size}\u0000${info.mtimeMs}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = loadTokenizer(path);
    cache.set(key, loaded);
    loaded.catch(() => cache.delete(key));
  }
  return loaded;
}

/** BOS and EOS ids the params ask for; a missing one is a BAD_CONFIG error naming the tokenizer. */
export function boundaryIds(tokenizer: LoadedTokenizer, params: TokenizeParams): { bos: number | null; eos: number | null } {
  const pick = (wanted: boolean, explicit: string | null, role: 'bos' | 'eos'): number | null => {
    if (!wanted) return null;
    const id = explicit === null ? tokenizer.specialId(role) : tokenizer.specialId(explicit) ?? tokenizer.native.tokenToId(explicit);
    if (id === null || id === undefined) {
      const how = explicit === null ? `no special token for ${role.toUpperCase()} (looked for ${role === 'bos' ? '<bos>, <s>, <|begin_of_text|>, ...' : '<eos>, </s>, <|end_of_text|>, ...'})` : `no token ${JSON.stringify(explicit)}`;
      throw new FoxdenError('BAD_CONFIG', `tokenizer ${tokenizer.path} has ${how}; set ${role}_token or add_${role}: false`, { file: tokenizer.path });
    }
    return id;
  };
  return { bos: pick(params.add_bos, params.bos_token, 'bos'), eos: pick(params.add_eos, params.eos_token, 'eos') };
}

type Encoded = Uint32Array | FoxdenError;

/**
 * Encodes a batch. When the library rejects the batch, each document is
 * encoded alone so that only the documents it rejects are dropped, each with
 * an error naming it. Never rejects.
 */
async function encodeSafely(tokenizer: LoadedTokenizer, docs: readonly InputDoc[]): Promise<Encoded[]> {
  try {
    return await tokenizer.encodeBatch(docs.map((d) => d.text));
  } catch {
    const out: Encoded[] = [];
    for (const d of docs) {
      try {
        out.push(await tokenizer.encode(d.text));
      } catch (e) {
        out.push(new FoxdenError('BAD_INPUT', `tokenizer ${tokenizer.path} rejected document ${d.id} (source ${d.source}): ${(e as Error).message}`, { file: d.source, cause: e }));
      }
    }
    return out;
  }
}

/**
 * One task of the tokenize step: streams the task's document shards, encodes
 * `batch_size` documents per encodeBatch call and writes token rows. The
 * next batch is encoded (on the library's own threads) while the previous one
 * is written, so Arrow building and I/O overlap the tokenizer.
 */
export async function runTokenizeTask(task: TaskSpec, ctx: TaskContext<TokenizeParams>): Promise<TaskStats> {
  const params = ctx.params;
  const tokenizer = await stepTokenizer(ctx);
  const { bos, eos } = boundaryIds(tokenizer, params);
  const extra = (bos === null ? 0 : 1) + (eos === null ? 0 : 1);
  // The library matches special tokens spelled out in the text (a page quoting "<eos>"); the binding cannot turn
  // that off, so such ids are counted, to be visible in the stats, and decoding with specials kept stays exact.
  const specialIds = new Set(Object.values(tokenizer.identity.special_ids));
  let specialInText = 0;
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    // The token writer may end in several shards: the task closes it itself, the kit aborts it on failure.
    const writer = scope.guard(new TokenShardWriter({
      runDir: ctx.runDir, dir: join(ctx.stepDir, 'tokens'), stem: taskKey(ctx.phase, task.id), identity: tokenizer.identity,
      metadata: { 'foxden.step': ctx.stepName }, targetTokens: params.shard_target_tokens,
      ...(params.shard_target_bytes === null ? {} : { targetBytes: params.shard_target_bytes }),
    }));
    const drops = await scope.drops();

    const write = async (docs: InputDoc[], encoded: Encoded[]): Promise<void> => {
      let bytes = 0;
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        const ids = encoded[i]!;
        bytes += doc.text.length;
        if (ids instanceof FoxdenError) {
          addCount(stats.dropped, 'tokenize-error');
          drops.add({ id: doc.id, url: doc.url, step: ctx.stepName, reason: 'tokenize-error', value: ids.message, source: doc.source });
          continue;
        }
        if (ids.length === 0) {
          addCount(stats.dropped, 'empty-after-tokenize');
          drops.add({ id: doc.id, url: doc.url, step: ctx.stepName, reason: 'empty-after-tokenize', value: String(doc.text.length), source: doc.source });
          continue;
        }
        if (specialIds.size > 0) for (let k = 0; k < ids.length; k++) if (specialIds.has(ids[k]!)) specialInText++;
        let tokens = ids;
        if (extra > 0) {
          tokens = new Uint32Array(ids.length + extra);
          let at = 0;
          if (bos !== null) tokens[at++] = bos;
          tokens.set(ids, at);
          if (eos !== null) tokens[at + ids.length] = eos;
        }
        const row: TokenRow = {
          id: doc.id, source: doc.source, url: doc.url ?? null, lang: doc.lang ?? null, n_tokens: tokens.length, tokens,
          quality: numberOrNull(doc.quality), cluster_size: numberOrNull(doc.cluster_size), extraction: extractionOf(doc.meta),
        };
        await writer.append(row);
        stats.documents_out++;
      }
      stats.documents_in += docs.length;
      stats.bytes_in += bytes;
      await drops.flush();
      ctx.progress({ documents: docs.length, bytes });
    };

    let pending: InputDoc[] = [];
    let inflight: { docs: InputDoc[]; encoded: Promise<Encoded[]> } | null = null;
    const launch = async (): Promise<void> => {
      const docs = pending;
      pending = [];
      const next = { docs, encoded: encodeSafely(tokenizer, docs) };
      if (inflight) await write(inflight.docs, await inflight.encoded);
      inflight = next;
    };
    const readDocuments = (reader: ShardReader, input: string) => {
      const present = new Set(reader.columns.map((c) => c.name));
      for (const required of ['id', 'text', 'source']) {
        if (!present.has(required)) throw new FoxdenError('CORRUPT_INTERMEDIATE', `document shard ${input} has no column "${required}"`, { file: input });
      }
      return reader.rowBatches(READ_COLUMNS.filter((c) => present.has(c)));
    };
    for await (const { batch: rows } of scope.inputBatches(readDocuments)) {
      for (const row of rows) {
        pending.push(row as unknown as InputDoc);
        if (pending.length >= params.batch_size) await launch();
      }
    }
    if (pending.length > 0) await launch();
    if (inflight !== null) {
      const last = inflight as { docs: InputDoc[]; encoded: Promise<Encoded[]> };
      await write(last.docs, await last.encoded);
    }
    const closed = await writer.close();
    stats.outputs.push(...closed.outputs);
    await scope.close(drops);
    stats.counters['tokens'] = writer.tokens;
    if (specialInText > 0) stats.counters['special_tokens_in_text'] = specialInText;
    stats.counters['token_shards'] = closed.outputs.length;
    stats.bytes_out = closed.outputs.reduce((s, o) => s + o.bytes, 0);
  });
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The HTML extraction method ingest recorded in a document's `meta`
 * (`{"extraction": "main", ...}`, docs/formats.md), or null: the document was
 * not HTML, or its meta is not a JSON object. Meta without the key is not parsed.
 */
export function extractionOf(meta: string | null | undefined): string | null {
  if (typeof meta !== 'string' || !meta.includes('"extraction"')) return null;
  try {
    const value = (JSON.parse(meta) as Record<string, unknown> | null)?.['extraction'];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}
