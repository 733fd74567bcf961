#!/usr/bin/env node
/** `node packages/demo-corpus/dist/main.js <outDir> [--scale N]`: builds the demo corpus and prints its summary. */
import { FoxdenError } from '@foxden/core';
import { buildDemoCorpus } from './build-demo-corpus.js';

function usage(): never {
  process.stderr.write('usage: node packages/demo-corpus/dist/main.js <outDir> [--scale N]\n');
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let outDir: string | undefined;
  let scale: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--scale') {
      const value = argv[++i];
      if (value === undefined) usage();
      scale = Number(value);
    } else if (arg.startsWith('--scale=')) {
      scale = Number(arg.slice('--scale='.length));
    } else if (arg === '-h' || arg === '--help') {
      usage();
    } else if (outDir === undefined) {
      outDir = arg;
    } else {
      usage();
    }
  }
  if (outDir === undefined) usage();
  const started = Date.now();
  const corpus = await buildDemoCorpus({ outDir, ...(scale === undefined ? {} : { scale }) });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${corpus.reused ? 'reused existing build in' : `built in ${seconds}s:`} ${outDir}\n`);
  for (const file of corpus.files) process.stdout.write(`  ${file}\n`);
  process.stdout.write(`  labels: ${corpus.labelsFile}\n`);
  process.stdout.write(`  ${corpus.bytes} bytes on disk, ${corpus.textBytes} bytes of text, ${corpus.duplicates.length} deliberate duplicates\n`);
  for (const [key, n] of Object.entries(corpus.counts)) process.stdout.write(`  ${key.padEnd(28)} ${n}\n`);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = FoxdenError.from(error);
  process.stderr.write(`demo-corpus: ${e.code}: ${e.message}\n`);
  process.exit(1);
});
