import type { QueryResult } from './run-database.js';

export type ResultFormat = 'table' | 'csv' | 'json';
export const RESULT_FORMATS: readonly ResultFormat[] = ['table', 'csv', 'json'];

/** Renders a query result as an aligned text table, RFC 4180 CSV, or a JSON array of row objects. */
export function formatResult(result: QueryResult, format: ResultFormat): string {
  switch (format) {
    case 'json': return formatJson(result);
    case 'csv': return formatCsv(result);
    case 'table': return formatTable(result);
  }
}

function formatJson(result: QueryResult): string {
  const objects = result.rows.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
  // Only integers beyond 2^53 stay bigint (see QueryResult); JSON numbers would lose digits, so they are written as strings.
  return JSON.stringify(objects, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2) + '\n';
}

function formatCsv(result: QueryResult): string {
  const lines = [result.columns.map((c) => csvField(c.name)).join(',')];
  for (const row of result.rows) lines.push(row.map((v) => (v === null || v === undefined ? '' : csvField(text(v)))).join(','));
  return lines.join('\n') + '\n';
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Longest cell shown in table format; longer values are cut with an ellipsis. */
const MAX_CELL = 60;

function formatTable(result: QueryResult): string {
  const header = result.columns.map((c) => c.name);
  const cells = result.rows.map((row) => row.map((v) => cell(v)));
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const numeric = result.columns.map((c) => /INT|FLOAT|DOUBLE|DECIMAL|NUMERIC|REAL/.test(c.type) && !c.type.endsWith('[]'));
  const line = (values: string[]) => '| ' + values.map((v, i) => (numeric[i] ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ') + ' |';
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const out = [rule, line(header), rule, ...cells.map(line), rule, `${result.rows.length} row${result.rows.length === 1 ? '' : 's'}`];
  return out.join('\n') + '\n';
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  const t = text(value).replace(/[\r\n\t]/g, ' ');
  return t.length > MAX_CELL ? t.slice(0, MAX_CELL - 1) + '…' : t;
}

function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
