import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { temporaryPath } from '@foxden/core';
import { openRunDatabase } from './run-database.js';
import { VIEW_NAMES, VIEW_ORDER, type ViewName } from './views.js';
import { sqlString } from '@foxden/shards';

/** One Parquet file written beside a run. */
export interface ParquetOutput {
  view: ViewName;
  /** Run-relative path, e.g. "parquet/docs.parquet". */
  path: string;
  rows: number;
}

/**
 * Writes the per-document metadata views as Parquet under `<run>/parquet/`
 * (docs, drops, shards, and sequences when the run has stage shards), so any
 * DuckDB client, pandas or Spark can query a run without foxden. No token
 * lists are written. Rows are ordered by shard and row, and DuckDB writes
 * with one thread, so the same run gives byte-identical files. Each file is
 * written under a temporary name and renamed into place.
 */
export async function writeRunParquet(runDir: string): Promise<ParquetOutput[]> {
  // One thread: the Parquet writer's row-group layout then depends only on the data.
  const db = await openRunDatabase(runDir, { threads: 1 });
  const outputs: ParquetOutput[] = [];
  try {
    const hasStages = db.catalog.shards.some((s) => s.kind === 'stage');
    await mkdir(join(runDir, 'parquet'), { recursive: true });
    for (const view of VIEW_NAMES) {
      if (view === 'sequences' && !hasStages) {
        await rm(join(runDir, 'parquet', 'sequences.parquet'), { force: true });
        continue;
      }
      const path = join('parquet', `${view}.parquet`);
      const file = join(runDir, path);
      const tmp = temporaryPath(file);
      try {
        const result = await db.query(`COPY (SELECT * FROM ${view} ORDER BY ${VIEW_ORDER[view]}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
        await rename(tmp, file);
        outputs.push({ view, path, rows: Number(result.rows[0]?.[0] ?? 0) });
      } catch (error) {
        await rm(tmp, { force: true });
        throw error;
      }
    }
  } finally {
    await db.close();
  }
  return outputs;
}

