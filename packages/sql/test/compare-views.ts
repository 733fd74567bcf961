/**
 * Compares every view of a run read from Parquet (the steps' compacted files,
 * and the task sidecars) with the same view read from the Arrow shards
 * (openRunDatabase's `sidecars: false`): same columns, same types, same rows
 * in the views' order. Used by the sql
 * tests on the fixture run and by the e2e tests on the demo and
 * shared-corpus runs.
 */
import { openRunDatabase } from '../src/run-database.js';
import { VIEW_NAMES } from '../src/views.js';

export interface ViewComparison {
  /** Differences as lines; empty when the readings agree. */
  problems: string[];
  /** Rows of each view. */
  rows: Record<string, number>;
  /** Whether docs and drops were read from Parquet in the sidecar reading (they must be, for the comparison to mean anything). */
  parquet: Record<string, boolean>;
  /** Whether the default reading read each kind from the steps' compacted files (true), task sidecars (false), or Arrow (null). */
  compacted: { tokens: boolean | null; drops: boolean | null };
}

const text = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));

/**
 * Every view read three ways: the default (each step's compacted file where
 * it has one), the task sidecars (`compacted: false`) and the Arrow shards
 * (`sidecars: false`); each Parquet reading is compared with the Arrow one.
 */
export async function compareViews(runDir: string): Promise<ViewComparison> {
  const readings = [
    { name: 'compacted', db: await openRunDatabase(runDir) },
    { name: 'task sidecars', db: await openRunDatabase(runDir, { compacted: false }) },
  ];
  const viaArrow = await openRunDatabase(runDir, { sidecars: false });
  const problems: string[] = [];
  const rows: Record<string, number> = {};
  const parquet: Record<string, boolean> = {};
  const kindOf = (groups: readonly { compacted: boolean }[] | null) => (groups === null ? null : groups.every((g) => g.compacted));
  const compacted = { tokens: kindOf(readings[0]!.db.sources.tokens), drops: kindOf(readings[0]!.db.sources.drops) };
  try {
    for (const view of VIEW_NAMES) {
      // A total order (every column, left to right), so that the readings' scan orders cannot matter.
      const sql = `SELECT * FROM ${view} ORDER BY ALL`;
      const b = await viaArrow.query(sql);
      for (const { name, db } of readings) {
        const a = await db.query(sql);
        if (text(a.columns) !== text(b.columns)) problems.push(`${view} (${name}): columns ${text(a.columns)} vs ${text(b.columns)}`);
        if (a.rows.length !== b.rows.length) problems.push(`${view}: ${a.rows.length} rows from Parquet (${name}), ${b.rows.length} from Arrow`);
        let shown = 0;
        for (let i = 0; i < Math.min(a.rows.length, b.rows.length) && shown < 5; i++) {
          if (text(a.rows[i]) !== text(b.rows[i])) {
            problems.push(`${view} row ${i}: ${text(a.rows[i])} (Parquet, ${name}) vs ${text(b.rows[i])} (Arrow)`);
            shown++;
          }
        }
        rows[view] = a.rows.length;
      }
      const plan = (await readings[0]!.db.query(`EXPLAIN SELECT * FROM ${view}`)).rows.map((r) => r.join(' ')).join('\n');
      parquet[view] = /READ_PARQUET|PARQUET_SCAN/i.test(plan);
    }
  } finally {
    for (const { db } of readings) await db.close();
    await viaArrow.close();
  }
  return { problems, rows, parquet, compacted };
}
