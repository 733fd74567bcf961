import { isAbsolute, join } from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBTableFunctionInfo, DuckDBType } from '@duckdb/node-api';
import type { RecordBatch, Vector } from '@foxden/shards/arrow';
import { FoxdenError, type ColumnSpec } from '@foxden/core';
import { arrowType } from '@foxden/shards';
import { ArrowFileSync } from './arrow-file-sync.js';
import { copyColumn, duckdbTypeOf } from './duckdb-columns.js';
import { duckdb } from './duckdb.js';
import type { CatalogShard } from './run-catalog.js';

const { BIGINT, DuckDBTableFunction, VARCHAR } = duckdb;

/** DuckDB's standard vector size: a table function emits at most this many rows per call. */
const CHUNK_ROWS = 2048;

/** Columns `foxden_shards(kind)` adds to the shard's own: where each row came from. */
export const PROVENANCE_COLUMNS = ['_shard', '_step', '_row'] as const;

interface BoundColumn {
  name: string;
  type: DuckDBType;
  /** Text form of the DuckDB type, to detect two shards disagreeing on a column. */
  typeText: string;
}

interface ScanSource {
  /** Absolute file path. */
  file: string;
  /** Run-relative path (the `_shard` value). */
  path: string;
  step: string;
}

interface BindData {
  sources: ScanSource[];
  columns: BoundColumn[];
  provenance: boolean;
}

interface ScanState {
  sources: ScanSource[];
  /** Bound column index of each output column. */
  projected: number[];
  sourceIndex: number;
  reader: ArrowFileSync | null;
  batchIndex: number;
  batch: RecordBatch | null;
  rowInBatch: number;
  /** Row number within the current shard, for `_row`. */
  rowInShard: number;
  /** Per output column: the batch's vector, or null when the shard lacks the column. */
  vectors: (Vector | null)[];
}

/**
 * Registers the two table functions every run database has:
 *
 *   arrow_shard(path)    one Arrow IPC file (absolute or run-relative path), its own columns
 *   foxden_shards(kind)  every shard of that kind that a completed task recorded, with the
 *                        union of their columns (missing ones are NULL) plus _shard, _step, _row
 *
 * Both support projection pushdown: only the columns a query uses are read
 * from disk and copied into DuckDB, so `sum(n_tokens)` over token shards
 * never touches the token lists.
 */
export function registerShardFunctions(
  connection: DuckDBConnection,
  runDir: string,
  shards: readonly CatalogShard[],
  baseColumns: Readonly<Record<string, readonly ColumnSpec[]>>,
): void {
  // Footers are parsed once per database: every query binds again, and a run's shards do not change under a snapshot.
  const footers = new Map<string, ArrowFileSync>();
  const openFile = (file: string): ArrowFileSync => {
    let reader = footers.get(file);
    if (!reader) {
      reader = ArrowFileSync.open(file);
      footers.set(file, reader);
    }
    return reader;
  };
  connection.registerTableFunction(DuckDBTableFunction.create({
    name: 'arrow_shard',
    parameterTypes: [VARCHAR],
    supportsProjectionPushdown: true,
    bindFunction: (info) => {
      try {
        const path = String(info.getParameter(0));
        const file = isAbsolute(path) ? path : join(runDir, path);
        const columns = unionColumns([], [file], openFile);
        for (const c of columns) info.addResultColumn(c.name, c.type);
        info.setBindData({ sources: [{ file, path, step: '' }], columns, provenance: false } satisfies BindData);
      } catch (error) {
        info.setError(message(error));
      }
    },
    initFunction: (info) => initScan(info),
    mainFunction: (info, output) => scanChunk(info, output, openFile),
  }));

  connection.registerTableFunction(DuckDBTableFunction.create({
    name: 'foxden_shards',
    parameterTypes: [VARCHAR],
    supportsProjectionPushdown: true,
    bindFunction: (info) => {
      try {
        const kind = String(info.getParameter(0));
        const chosen = shards.filter((s) => s.kind === kind);
        const sources = chosen.map((s) => ({ file: join(runDir, s.path), path: s.path, step: s.step }));
        const columns = unionColumns(baseColumns[kind] ?? [], sources.map((s) => s.file), openFile);
        if (columns.length === 0) throw new FoxdenError('BAD_CONFIG', `no shards of kind '${kind}' in this run, and no known columns for that kind`);
        columns.push(
          { name: '_shard', type: VARCHAR, typeText: 'VARCHAR' },
          { name: '_step', type: VARCHAR, typeText: 'VARCHAR' },
          { name: '_row', type: BIGINT, typeText: 'BIGINT' },
        );
        for (const c of columns) info.addResultColumn(c.name, c.type);
        info.setCardinality(chosen.reduce((n, s) => n + s.rows, 0), true);
        info.setBindData({ sources, columns, provenance: true } satisfies BindData);
      } catch (error) {
        info.setError(message(error));
      }
    },
    initFunction: (info) => initScan(info),
    mainFunction: (info, output) => scanChunk(info, output, openFile),
  }));
}

/** The columns of the base spec followed by those the files add, in first-seen order; a type conflict is an error naming the file. */
function unionColumns(base: readonly ColumnSpec[], files: readonly string[], openFile: (file: string) => ArrowFileSync): BoundColumn[] {
  const out: BoundColumn[] = [];
  const byName = new Map<string, BoundColumn>();
  const add = (name: string, type: DuckDBType | null, typeDesc: string, file: string | null) => {
    if (!type) {
      throw new FoxdenError('CORRUPT_INTERMEDIATE', `column '${name}'${file ? ` of ${file}` : ''} has type ${typeDesc}, which the SQL layer cannot expose`, file ? { file } : {});
    }
    const typeText = type.toString();
    const seen = byName.get(name);
    if (seen) {
      if (seen.typeText !== typeText) {
        throw new FoxdenError('CORRUPT_INTERMEDIATE', `column '${name}' is ${typeText} in ${file ?? 'the base schema'} but ${seen.typeText} elsewhere`, file ? { file } : {});
      }
      return;
    }
    const column = { name, type, typeText };
    byName.set(name, column);
    out.push(column);
  };
  for (const c of base) add(c.name, duckdbTypeOf(arrowType(c.type)), c.type, null);
  for (const file of files) {
    const reader = openFile(file);
    for (const f of reader.schema.fields) add(f.name, duckdbTypeOf(f.type), String(f.type), file);
  }
  return out;
}

function initScan(info: import('@duckdb/node-api').DuckDBTableFunctionInitInfo): void {
  try {
    const bind = info.getBindData() as BindData;
    info.setMaxThreads(1);
    const state: ScanState = {
      sources: bind.sources, projected: info.getColumnIndexes(), sourceIndex: -1, reader: null,
      batchIndex: 0, batch: null, rowInBatch: 0, rowInShard: 0, vectors: [],
    };
    info.setInitData(state);
  } catch (error) {
    info.setError(message(error));
  }
}

function scanChunk(info: DuckDBTableFunctionInfo, output: DuckDBDataChunk, openFile: (file: string) => ArrowFileSync): void {
  const bind = info.getBindData() as BindData;
  const state = info.getInitData() as ScanState;
  try {
    const projectedNames = state.projected.map((i) => bind.columns[i]!.name);
    // Advance to a batch with rows left, opening the next shard when one is exhausted.
    while (!state.batch || state.rowInBatch >= state.batch.numRows) {
      if (state.reader && state.batchIndex < state.reader.numBatches) {
        state.batch = state.reader.readBatch(state.batchIndex++, projectedNames);
        state.rowInBatch = 0;
        state.vectors = projectedNames.map((name) => (state.batch!.getChild(name) as Vector | null) ?? null);
        continue;
      }
      state.reader = null;
      state.batch = null;
      state.sourceIndex += 1;
      if (state.sourceIndex >= state.sources.length) {
        output.rowCount = 0;
        return;
      }
      state.reader = openFile(state.sources[state.sourceIndex]!.file);
      state.batchIndex = 0;
      state.rowInShard = 0;
    }
    const source = state.sources[state.sourceIndex]!;
    const count = Math.min(CHUNK_ROWS, state.batch.numRows - state.rowInBatch);
    output.rowCount = count;
    for (let j = 0; j < projectedNames.length; j++) {
      const target = output.getColumnVector(j);
      const name = projectedNames[j]!;
      const vector = state.vectors[j];
      if (bind.provenance && name === '_shard') fill(target, count, source.path);
      else if (bind.provenance && name === '_step') fill(target, count, source.step);
      else if (bind.provenance && name === '_row') {
        for (let i = 0; i < count; i++) target.setItem(i, BigInt(state.rowInShard + i) as never);
        target.flush();
      } else if (vector) copyColumn(vector, target, state.rowInBatch, count);
      else fill(target, count, null);
    }
    state.rowInBatch += count;
    state.rowInShard += count;
  } catch (error) {
    state.reader = null;
    info.setError(message(error));
  }
}

function fill(target: import('@duckdb/node-api').DuckDBVector, count: number, value: string | null): void {
  for (let i = 0; i < count; i++) target.setItem(i, value as never);
  target.flush();
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
