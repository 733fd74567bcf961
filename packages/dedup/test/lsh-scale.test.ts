import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './helpers.js';
import { rootOf, writeSyntheticSignatures } from './synthetic.js';

const run = promisify(execFile);

/** Peak RSS the buckets and clusters phases may use at 1M signatures (node itself is about 60-80 MB of it). */
const CEILING = 320 * 1024 * 1024;

test('buckets and clusters at 1 million signatures stay under the memory ceiling and find every planted duplicate', async (t) => {
  // tmpfs when there is one: the files do not count toward the process's RSS either way, and a
  // busy shared disk would only make the test slow.
  const runDir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'foxden-lsh-'));
  try {
    const options = { documents: 1_000_000, shards: 8, bands: 14, duplicates: 0.1 };
    await writeSyntheticSignatures(runDir, options);
    // A separate process, so that its peak RSS is that of these phases alone. 16 MiB of merge buffer.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(repoRoot, 'packages/dedup/test/lsh-scale.ts'), runDir, String(options.documents), String(options.shards), String(16 << 20)], { cwd: repoRoot, maxBuffer: 1 << 20 });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as { peak_rss_bytes: number; buckets_seconds: number; clusters_seconds: number; counters: Record<string, number> };
    t.diagnostic(JSON.stringify(result));
    assert.equal(result.counters['minhash_band_records'], 14 * options.documents);
    // Every planted duplicate is in a cluster, and the cluster count is the number of originals with copies.
    const roots = new Map<number, number>();
    for (let g = 0; g < options.documents; g++) {
      const r = rootOf(g, options);
      roots.set(r, (roots.get(r) ?? 0) + 1);
    }
    let clustered = 0;
    let clusters = 0;
    for (const n of roots.values()) if (n > 1) { clustered += n; clusters++; }
    assert.equal(result.counters['minhash_clustered_documents'], clustered);
    assert.equal(result.counters['minhash_clusters'], clusters);
    assert.ok(result.peak_rss_bytes < CEILING, `peak RSS ${(result.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB exceeds the ceiling ${CEILING / 2 ** 20} MiB`);
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
});
