import { join } from 'node:path';
import { FoxdenError, addCount, indexTaskId, type StepContext, type TaskContext, type TaskSpec, type TaskStats } from '@foxden/core';
import { runTask } from '@foxden/shards';
import type { MinHashDedupParams } from './minhash-params.js';
import { bandSuffix } from './minhash-signatures.js';
import { phaseOutputs, shardTaskIds, type FileRef } from './phase-outputs.js';
import { RecordFileReader, RecordFileWriter, corrupt } from './record-file.js';

/** A sorted run of one band from one input shard. */
export interface BandRun extends FileRef {
  shard: number;
}

/** One task per band; its inputs are that band's sorted run from every signatures task. */
export async function planBuckets(ctx: StepContext<MinHashDedupParams>): Promise<TaskSpec[]> {
  const outs = await phaseOutputs(ctx, 'signatures', shardTaskIds(ctx));
  const tasks: TaskSpec[] = [];
  for (let b = 0; b < ctx.params.num_bands; b++) {
    const suffix = bandSuffix(b);
    const runs: BandRun[] = [];
    outs.forEach((o, shard) => {
      const f = o.outputs.find((x) => x.kind === 'minhash-bands' && x.path.endsWith(suffix));
      if (!f) throw new FoxdenError('INTERNAL', `signatures task ${o.task} recorded no run for band ${b}`);
      runs.push({ path: f.path, sha256: f.sha256, rows: f.rows, shard });
    });
    tasks.push({ id: indexTaskId(b), inputs: runs.map((r) => r.path), bytes: runs.reduce((n, r) => n + r.rows * 12, 0), params: { band: b, runs } });
  }
  return tasks;
}

/** Merge cursor over one run: the current chunk and position in it. */
interface Cursor {
  reader: RecordFileReader;
  shard: number;
  chunk: Uint32Array;
  pos: number;
  hi: number;
  lo: number;
  row: number;
}

function advance(c: Cursor): boolean {
  c.pos += 3;
  if (c.pos >= c.chunk.length) {
    const next = c.reader.next();
    if (next === null) return false;
    c.chunk = next;
    c.pos = 0;
  }
  const hi = c.chunk[c.pos]!;
  const lo = c.chunk[c.pos + 1]!;
  const row = c.chunk[c.pos + 2]!;
  // A run out of order means a damaged file that the digest has not reached yet.
  if (hi < c.hi || (hi === c.hi && (lo < c.lo || (lo === c.lo && row <= c.row)))) throw corrupt(c.reader.file, 'records out of order');
  c.hi = hi;
  c.lo = lo;
  c.row = row;
  return true;
}

function less(a: Cursor, b: Cursor): boolean {
  if (a.hi !== b.hi) return a.hi < b.hi;
  if (a.lo !== b.lo) return a.lo < b.lo;
  return a.shard < b.shard;
}

/**
 * Phase `buckets`, one task per band: a k-way merge of the band's sorted runs (one per input
 * shard), streamed through a fixed read buffer, so a bucket is never held in memory. Documents
 * with the same band key form a bucket; every member after the first is written as a candidate
 * pair (first, member): enough for union-find, and linear in the bucket size.
 * Output: minhash-pairs/buckets-<band>.bin, records (shard a, row a, shard b, row b).
 */
export async function runBuckets(task: TaskSpec, ctx: TaskContext<MinHashDedupParams>): Promise<TaskStats> {
  return runTask(task, ctx, async (scope) => {
    const { stats } = scope;
    const runs = (task.params?.['runs'] ?? []) as BandRun[];
    const perRun = Math.max(1024, Math.floor(ctx.params.merge_buffer_bytes / 12 / Math.max(1, runs.length)));
    const heap: Cursor[] = [];
    const readers: RecordFileReader[] = [];
    const out = scope.own(new RecordFileWriter(ctx.runDir, join(ctx.stepDir, 'minhash-pairs', `buckets-${task.id}.bin`), 'minhash-pairs', 4));
    try {
      for (const r of runs) {
        const reader = RecordFileReader.open(join(ctx.runDir, r.path), 3, perRun);
        readers.push(reader);
        if (reader.count !== r.rows) throw corrupt(reader.file, `holds ${reader.count} records, its writer recorded ${r.rows}`);
        const chunk = reader.next();
        if (chunk === null) continue;
        const c: Cursor = { reader, shard: r.shard, chunk, pos: -3, hi: 0, lo: 0, row: -1 };
        advance(c);
        heap.push(c);
      }
      // Binary min-heap of cursors.
      const down = (i: number): void => {
        const n = heap.length;
        const item = heap[i]!;
        for (;;) {
          const l = 2 * i + 1;
          if (l >= n) break;
          const r = l + 1;
          const m = r < n && less(heap[r]!, heap[l]!) ? r : l;
          if (!less(heap[m]!, item)) break;
          heap[i] = heap[m]!;
          i = m;
        }
        heap[i] = item;
      };
      for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
      let records = 0;
      let buckets = 0;
      let pairs = 0;
      let have = false;
      let curHi = 0, curLo = 0, firstShard = 0, firstRow = 0;
      while (heap.length > 0) {
        const c = heap[0]!;
        records++;
        if (have && c.hi === curHi && c.lo === curLo) {
          out.push4(firstShard, firstRow, c.shard, c.row);
          pairs++;
        } else {
          have = true;
          curHi = c.hi;
          curLo = c.lo;
          firstShard = c.shard;
          firstRow = c.row;
          buckets++;
        }
        if (!advance(c)) {
          const last = heap.pop()!;
          if (heap.length > 0 && last !== c) heap[0] = last;
        }
        if (heap.length > 0) down(0);
        if ((records & 0xfffff) === 0) scope.checkAborted();
      }
      // Every run must have been read to its end, so that every digest was checked.
      addCount(stats.counters, 'minhash_band_records', records);
      addCount(stats.counters, 'minhash_buckets', buckets);
      addCount(stats.counters, 'minhash_candidate_pairs', pairs);
      stats.bytes_in = records * 12;
      stats.bytes_out = (await scope.close(out)).bytes;
    } finally {
      for (const r of readers) r.close();
    }
  });
}
