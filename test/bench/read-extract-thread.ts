/**
 * Worker-thread half of the ingest benchmark's machine ceiling
 * (ingest.bench.ts, `twoThreadCeiling`): the ingest step's own work on each
 * document (its reader and `documentText`: HTTP decode, charset, main-text
 * extraction, NFC), with no runner, no language id and no writing, over
 * `files`, `warmup` passes and then `passes` timed ones. Posts the timed
 * passes' wall seconds.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from '../../packages/ingest/src/readers/index.js';
import { documentText } from '../../packages/ingest/src/ingest-task.js';

interface Job {
  files: string[];
  warmup: number;
  passes: number;
}

async function pass(files: readonly string[]): Promise<number> {
  let chars = 0;
  for (const file of files) {
    for await (const r of readSource(file)) {
      if (r.kind === 'document') chars += documentText(r, {}).length;
    }
  }
  return chars;
}

const job = workerData as Job;
for (let i = 0; i < job.warmup; i++) await pass(job.files);
const start = performance.now();
for (let i = 0; i < job.passes; i++) await pass(job.files);
parentPort!.postMessage((performance.now() - start) / 1000);
