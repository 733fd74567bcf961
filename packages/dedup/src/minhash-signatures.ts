import { join } from 'node:path';
import { GrowableArray, addCount, type TaskContext, type TaskSpec, type TaskStats } from '@foxden/core';
import { runTask } from '@foxden/shards';
import { MinHasher } from './minhash.js';
import type { MinHashDedupParams } from './minhash-params.js';
import { sortByKey64 } from './radix-sort.js';
import { RecordFileWriter } from './record-file.js';
import { utf8Getter } from './utf8-column.js';

export const DOCINFO_COLUMNS = [
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'fetched_at', type: 'utf8', nullable: true },
] as const;

export function bandSuffix(band: number): string {
  return `.b${String(band).padStart(4, '0')}.bin`;
}

export function hasherOf(params: MinHashDedupParams): MinHasher {
  return new MinHasher({ numBands: params.num_bands, rowsPerBand: params.rows_per_band, ngram: params.ngram, seed: params.hash_seed });
}

/**
 * Phase `signatures`, per input shard. Writes, under the step directory:
 *   minhash-bands/signatures-<task>.b<band>.bin   one sorted run per band: (key hi, key lo, row)
 *   minhash-docs/signatures-<task>.arrow          id and fetched_at of every row (for the keep rule)
 *   minhash-sigs/signatures-<task>.bin            full signatures, one record per row (verify only)
 * Rules for awkward text: a document without any word has no signature (counter
 * minhash_no_signature) and is never a duplicate; one with fewer words than ngram gets one
 * shingle of all its words (minhash_short); text in scripts without spaces is shingled by
 * characters (minhash_no_spaces counts documents that are mostly such characters).
 */
export async function runSignatures(task: TaskSpec, ctx: TaskContext<MinHashDedupParams>): Promise<TaskStats> {
  const hasher = hasherOf(ctx.params);
  const bands = hasher.numBands;
  const sig = new Int32Array(hasher.numHashes);
  const key = new Uint32Array(2);
  const his = Array.from({ length: bands }, () => new GrowableArray(Uint32Array));
  const los = Array.from({ length: bands }, () => new GrowableArray(Uint32Array));
  const rowsWithSig = new GrowableArray(Uint32Array);
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const docs = await scope.shard({
      path: join(ctx.stepDir, 'minhash-docs', `signatures-${task.id}.arrow`), kind: 'minhash-docs', columns: [...DOCINFO_COLUMNS], batchRows: 8192,
    });
    const sigs = ctx.params.verify ? scope.own(new RecordFileWriter(ctx.runDir, join(ctx.stepDir, 'minhash-sigs', `signatures-${task.id}.bin`), 'minhash-sigs', hasher.numHashes, 1024)) : null;
    let row = 0;
    for await (const { batch } of scope.inputBatches((reader) => reader.batches())) {
      const ids = batch.getChild('id')!;
      const text = utf8Getter(batch.getChild('text')!);
      const fetched = batch.getChild('fetched_at');
      let bytes = 0;
      for (let i = 0; i < batch.numRows; i++, row++) {
        const t = text(i) ?? '';
        bytes += t.length;
        await docs.append({ id: ids.get(i), fetched_at: fetched ? fetched.get(i) : null });
        const info = hasher.signature(t, sig);
        addCount(stats.counters, 'minhash_shingles', info.shingles);
        if (info.soloTokens * 2 > info.tokens) addCount(stats.counters, 'minhash_no_spaces');
        if (info.shingles === 0) {
          addCount(stats.counters, 'minhash_no_signature');
          sig.fill(0);
          sigs?.pushWords(sig);
          continue;
        }
        if (info.tokens < hasher.ngram) addCount(stats.counters, 'minhash_short');
        sigs?.pushWords(sig);
        rowsWithSig.push(row);
        for (let b = 0; b < bands; b++) {
          hasher.bandKey(sig, b, key);
          his[b]!.push(key[0]!);
          los[b]!.push(key[1]!);
        }
      }
      stats.bytes_in += bytes;
      ctx.progress({ documents: batch.numRows, bytes });
    }
    addCount(stats.counters, 'minhash_documents', row);
    const n = rowsWithSig.length;
    const rowIds = rowsWithSig.data;
    for (let b = 0; b < bands; b++) {
      const hi = his[b]!.data;
      const lo = los[b]!.data;
      const order = sortByKey64(hi, lo, n);
      const w = scope.own(new RecordFileWriter(ctx.runDir, join(ctx.stepDir, 'minhash-bands', `signatures-${task.id}${bandSuffix(b)}`), 'minhash-bands', 3));
      for (let k = 0; k < n; k++) {
        const i = order[k]!;
        w.push3(hi[i]!, lo[i]!, rowIds[i]!);
      }
      await scope.close(w);
      his[b] = new GrowableArray(Uint32Array);
      los[b] = new GrowableArray(Uint32Array);
    }
    // Still open: the documents' file and the signatures; the kit closes them after the band runs, in that order.
  });
}
