import { parseArgs } from 'node:util';
import { FoxdenError } from '@foxden/core';
import { writeRunReport } from './write-run-report.js';

export const REPORT_USAGE = `Usage: foxden report <run-dir> [--out file.html]

Writes one self-contained HTML page about a run: the funnel of documents and
bytes through every step with drops per reason (each with the SQL that lists
them), language mix, quality scores with their thresholds, near-duplicate
cluster sizes, document lengths overall and per curriculum stage, tokens per
stage and source, packing and budgets per stage, time per step and the
slowest tasks, rejected records, and the training curves when the run has
train/metrics.jsonl. The page loads nothing: charts are inline SVG.

Options:
  --out <file>   where to write it (default <run-dir>/report.html)
  -h, --help     this help
`;

export async function reportCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(REPORT_USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new FoxdenError('BAD_CONFIG', 'foxden report takes exactly one run directory (see foxden report --help)');
  const result = await writeRunReport(positionals[0]!, values.out ? { out: values.out } : {});
  process.stdout.write(`report: ${result.path} (${(result.bytes / 1e6).toFixed(2)} MB, ${result.charts.length} charts, ${(result.timings.totalMs / 1000).toFixed(1)} s)\n`);
  return 0;
}
