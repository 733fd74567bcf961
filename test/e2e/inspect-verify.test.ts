/**
 * `foxden inspect --verify` and `--decode` on the demo run: verify passes on
 * the run as written and, on a copy with one byte of a stage shard changed,
 * fails naming that shard; decode prints token and stage rows as text with
 * the document boundaries marked; the curriculum's manifests show their
 * budgets, shards and totals.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { demoFixture, referenceRun, runFoxden, scratchDir } from './fixtures.js';
import { listRunFiles, recordedOutputs } from './run-dir.js';

test('inspect --verify passes on a clean run and fails naming a tampered shard', { timeout: 5 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const runDir = await referenceRun(fixture.pipelineFile);
  const clean = await runFoxden(['inspect', runDir, '--verify', '--rows', '0']);
  assert.equal(clean.code, 0, clean.stderr);
  const outputs = await recordedOutputs(runDir);
  // Shards, their Parquet sidecars and each step's compacted sidecars are all hashed.
  const sidecars = [...outputs.values()].filter((o) => o.sidecar).length;
  const compacted = (await listRunFiles(runDir)).filter((f) => /^steps\/[^/]+\/compacted\/[^/]+\.parquet$/.test(f));
  assert.ok(sidecars > 0 && compacted.length > 0);
  assert.match(clean.stdout, new RegExp(`verify: ${outputs.size + sidecars + compacted.length} file\\(s\\), [\\d.]+ MB hashed against \\d+ record\\(s\\): all match`));

  const dir = await scratchDir('inspect-verify');
  const copy = join(dir, 'run');
  await cp(runDir, copy, { recursive: true });
  const stage = [...outputs.values()].find((o) => o.kind === 'stage')!;
  const handle = await open(join(copy, stage.path), 'r+');
  const byte = Buffer.alloc(1);
  const at = Math.floor(stage.bytes / 2);
  await handle.read(byte, 0, 1, at);
  byte[0] = byte[0]! ^ 0x01;
  await handle.write(byte, 0, 1, at);
  await handle.close();

  const tampered = await runFoxden(['inspect', copy, '--verify', '--rows', '0']);
  assert.equal(tampered.code, 1, `verify passed a tampered shard:\n${tampered.stdout}`);
  assert.match(tampered.stderr, new RegExp(`1 file\\(s\\) differ from the run's records: ${stage.path.replace(/[.]/g, '\\.')}\\n$`));
  // The done marker and the stage manifest both record it; both are named.
  assert.match(tampered.stdout, new RegExp(`DIFFERS ${stage.path.replace(/[.]/g, '\\.')}: ${stage.marker.replace(/[.]/g, '\\.')} records sha256 ${stage.sha256}`));
  assert.match(tampered.stdout, new RegExp(`DIFFERS ${stage.path.replace(/[.]/g, '\\.')}: steps/\\d+-curriculum/manifests/stage-\\d+-\\w+\\.json records`));

  // A changed Parquet sidecar and a changed compacted file are named by the records that hold them.
  await cp(join(runDir, stage.path), join(copy, stage.path));
  const sidecar = [...outputs.values()].find((o) => o.sidecar)!.sidecar!.path;
  for (const file of [sidecar, compacted[0]!]) {
    const bytes = await readFile(join(copy, file));
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    const { writeFile: write } = await import('node:fs/promises');
    await write(join(copy, file), bytes);
    const changed = await runFoxden(['inspect', copy, '--verify', '--rows', '0']);
    assert.equal(changed.code, 1, `verify passed a changed ${file}`);
    assert.match(changed.stderr, new RegExp(`1 file\\(s\\) differ from the run's records: ${file.replace(/[.]/g, '\\.')}\\n$`));
    await cp(join(runDir, file), join(copy, file));
  }

  // A manifest changed after the fact is named too (its done marker and curriculum.json record its sha256).
  const curriculum = JSON.parse(await readFile(join(copy, 'curriculum.json'), 'utf8')) as { stages: { manifest: string }[] };
  const manifest = curriculum.stages[0]!.manifest;
  const text = await readFile(join(copy, manifest), 'utf8');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(copy, manifest), text.replace('"seed"', '"seed" ').replace(/\n$/, '\n\n'));
  const manifestChanged = await runFoxden(['inspect', copy, '--verify', '--rows', '0', '--json']);
  assert.equal(manifestChanged.code, 1);
  const report = JSON.parse(manifestChanged.stdout) as { verify: { problems: { file: string; recordedBy: string }[] } };
  assert.deepEqual([...new Set(report.verify.problems.map((p) => p.file))], [manifest]);
  assert.ok(report.verify.problems.some((p) => p.recordedBy === 'curriculum.json'), 'curriculum.json records the manifest');
  await rm(dir, { recursive: true, force: true });
});

test('inspect --decode shows token and stage rows as text with segment boundaries; manifests show budgets, shards and totals', { timeout: 5 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const runDir = await referenceRun(fixture.pipelineFile);
  const result = await runFoxden(['inspect', runDir, '--decode', '--rows', '2', '--chars', '80']);
  assert.equal(result.code, 0, result.stderr);
  const out = result.stdout;
  assert.match(out, new RegExp(`decoded through ${fixture.tokenizer.replace(/[.]/g, '\\.')}`));
  assert.doesNotMatch(out, /^warning:/m);
  assert.equal((out.match(/^== token row \d+ of \S+tokens\S+\.arrow: \S+, \d+ tokens$/gm) ?? []).length, 2);
  const curriculum = JSON.parse(await readFile(join(runDir, 'curriculum.json'), 'utf8')) as { stages: { name: string; seq_len: number }[] };
  for (const s of curriculum.stages) {
    assert.equal((out.match(new RegExp(`^== stage ${s.name} row \\d+ of \\S+: ${s.seq_len} tokens, \\d+ segment\\(s\\), \\d+ padding$`, 'gm')) ?? []).length, 2, `rows of stage ${s.name}`);
  }
  // Each packed row: one boundary line per segment, and the segments' tokens plus padding fill seq_len.
  const rows = out.split(/^== /m).filter((b) => b.startsWith('stage '));
  for (const block of rows) {
    const head = /^stage \S+ row \d+ of \S+: (\d+) tokens, (\d+) segment\(s\), (\d+) padding/.exec(block)!;
    const segments = [...block.matchAll(/^┃ segment (\d+)\/(\d+): (\S+) from token (\d+), (\d+) tokens$/gm)];
    assert.equal(segments.length, Number(head[2]));
    assert.equal(segments.reduce((a, m) => a + Number(m[5]), 0) + Number(head[3]), Number(head[1]));
  }
  // Text, not ids: the BOS token is shown as the tokenizer spells it, and the demo is English prose.
  assert.match(out, /<bos>/);
  assert.match(out, /\b(the|and|of)\b/);

  const inspect = await runFoxden(['inspect', runDir, '--rows', '0']);
  assert.equal(inspect.code, 0, inspect.stderr);
  assert.match(inspect.stdout, /packing best-fit-fill; budget asked share 0\.12 = \d+ tokens, planned \d+/);
  assert.match(inspect.stdout, /\d+ documents, \d+ pieces, \d+ truncated, \d+ repeats, \d+ cut for the budget, \d+ tokens discarded/);
  assert.match(inspect.stdout, /shard \S*stage\/\S+\.arrow: \d+ sequences, [\d.]+ MB, sha256 [0-9a-f]{16}/);
  assert.match(inspect.stdout, /total: \d+ sequences, \d+ tokens \(\d+ content, \d+ padding\)/);
});
