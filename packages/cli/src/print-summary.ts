import type { RunSummary } from '@foxden/pipeline';

/** The per-step funnel: documents in, out and dropped by reason. */
export function printRunSummary(summary: RunSummary, out: NodeJS.WritableStream, reportPath: string | null = null): void {
  const lines: string[] = [];
  lines.push(`run ${summary.pipeline} (seed ${summary.seed}) on the ${summary.runner} runner: ${summary.tasks_run} task(s) run, ${summary.tasks_skipped} already complete, ${summary.seconds.toFixed(1)} s`);
  lines.push('');
  lines.push(`${'step'.padEnd(22)} ${'in'.padStart(9)} ${'out'.padStart(9)} ${'dropped'.padStart(9)}  top drop reasons`);
  for (const s of summary.steps) {
    const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
    const reasons = Object.entries(s.dropped).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k}=${v}`).join(', ');
    lines.push(`${s.step.padEnd(22)} ${String(s.documents_in).padStart(9)} ${String(s.documents_out).padStart(9)} ${String(dropped).padStart(9)}  ${reasons}`);
  }
  const warnings = summary.steps.flatMap((s) => (s.warnings ?? []).map((w) => `${s.step}: ${w}`));
  if (warnings.length > 0) {
    lines.push('');
    lines.push(`warnings (${warnings.length}):`);
    for (const w of warnings) lines.push(`  ${w}`);
  }
  lines.push('');
  lines.push(`accounting: ${summary.balanced ? 'every step balances (in = out + dropped)' : 'DOES NOT BALANCE'}`);
  lines.push(`outputs:    ${summary.run_dir}`);
  if (reportPath) lines.push(`report:     ${reportPath}`);
  lines.push(`inspect:    foxden inspect ${summary.run_dir}`);
  lines.push(`query:      foxden sql ${summary.run_dir} "select step, reason, count(*) from drops group by all order by 3 desc"`);
  out.write(lines.join('\n') + '\n');
}
