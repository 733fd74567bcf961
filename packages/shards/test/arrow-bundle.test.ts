import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as upstream from 'apache-arrow';
import * as bundled from '#apache-arrow';
import { ShardReader } from '../src/index.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));

test("the one-file Arrow (dist/vendor/apache-arrow.js) exports every name apache-arrow's Node build does, and is not that build", () => {
  // And the IPC internals foxden's row readers use (scripts/bundle-arrow.mjs), from the same modules.
  assert.deepEqual(Object.keys(bundled).sort(), [...Object.keys(upstream), 'BufferRegion', 'FileBlock', 'Footer', 'RecordBatchHeader', 'VectorLoader'].sort());
  assert.notEqual(bundled.RecordBatch, upstream.RecordBatch, 'the bundle is its own copy');
  // Node's stream adapters are in it (Arrow.node.mjs registers them as it loads; without them
  // throughNode is the browser build's, which throws).
  assert.equal(typeof bundled.RecordBatchReader.throughNode().pipe, 'function');
});

test('what the shard reader gives is an instance of the one-file Arrow\'s classes', async () => {
  const schema = new bundled.Schema([new bundled.Field('n', new bundled.Int32(), false)]);
  const batch = new bundled.RecordBatch(schema, bundled.makeData({ type: new bundled.Struct(schema.fields), length: 2, nullCount: 0, children: [bundled.makeData({ type: new bundled.Int32(), data: Int32Array.of(1, 2) })] }));
  const bytes = bundled.tableToIPC(new bundled.Table([batch]), 'file');
  const dir = await mkdtemp(join(tmpdir(), 'foxden-arrow-bundle-'));
  try {
    await writeFile(join(dir, 'x.arrow'), bytes);
    const reader = await ShardReader.open(join(dir, 'x.arrow'));
    let batches = 0;
    for await (const b of reader.batches()) {
      assert.ok(b instanceof bundled.RecordBatch);
      batches++;
    }
    await reader.close();
    assert.equal(batches, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** The bundle's build and this test read the package itself on purpose. */
const READ_ON_PURPOSE = ['packages/shards/scripts/bundle-arrow.mjs', 'packages/shards/test/arrow-bundle.test.ts'];

/** Source files of the workspace (not dependencies, not build output). */
async function sources(dir: string, out: string[] = []): Promise<string[]> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await sources(path, out);
    else if (/\.(?:ts|mts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

test('no foxden module imports apache-arrow itself, nor its modules: a second copy of its classes would not take the first one\'s batches', async () => {
  const offenders: string[] = [];
  for (const root of ['packages', 'runners', 'test', 'scripts']) {
    for (const file of await sources(join(repo, root))) {
      if (READ_ON_PURPOSE.some((name) => file.endsWith(name))) continue;
      const text = await readFile(file, 'utf8');
      // A type-only import is erased from the JavaScript and loads nothing.
      const imports = [...text.matchAll(/^\s*(?:import|export)(?!\s+type\b)[^;]*?from\s+['"]apache-arrow(?:\/[^'"]*)?['"]/gm)];
      if (imports.length > 0 || /\b(?:require|import)\(\s*['"]apache-arrow(?:\/[^'"]*)?['"]\s*\)/.test(text)) offenders.push(file.slice(repo.length));
    }
  }
  assert.deepEqual(offenders, []);
});
