import { DOCUMENT_COLUMNS, DROP_COLUMNS, STAGE_COLUMNS, TOKEN_COLUMNS, type ColumnSpec, type ColumnType } from '@foxden/core';
import { quoteIdent, sqlString } from '@foxden/shards';


/**
 * The columns `foxden_shards(kind)` always has for the kinds the views use,
 * so that a view exists (empty) in a run that has no shard of that kind yet.
 */
export const BASE_COLUMNS: Readonly<Record<string, readonly ColumnSpec[]>> = Object.freeze({
  documents: DOCUMENT_COLUMNS,
  drops: DROP_COLUMNS,
  tokens: TOKEN_COLUMNS,
  stage: STAGE_COLUMNS,
});

/** Table the run database fills from the done markers (see run-catalog.ts); the `shards` view reads it. */
export const SHARD_TABLE = '_foxden_shards';

export const SHARD_TABLE_DDL = `CREATE TABLE ${SHARD_TABLE} (
  path VARCHAR NOT NULL, kind VARCHAR NOT NULL, step VARCHAR NOT NULL, step_index INTEGER NOT NULL, step_type VARCHAR,
  task VARCHAR NOT NULL, "rows" BIGINT NOT NULL, bytes BIGINT NOT NULL, sha256 VARCHAR NOT NULL,
  stage_index INTEGER, stage_name VARCHAR, seq_len INTEGER,
  sidecar_path VARCHAR, sidecar_bytes BIGINT, sidecar_sha256 VARCHAR, sidecar_file VARCHAR
)`;

/** Names of the views every run database defines, in the order they are created. */
export const VIEW_NAMES = ['shards', 'docs', 'drops', 'sequences'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/**
 * Parquet files of one kind read in one `read_parquet` call: either task
 * sidecars (the shard path and row come from the file name and row number)
 * or compacted step files (they carry `shard` and `shard_row` columns).
 */
export interface ParquetGroup {
  /** Absolute paths, in catalog order. */
  files: readonly string[];
  compacted: boolean;
  /** Column names the files have (the view's columns they lack read as NULL). */
  columns: readonly string[];
}

/**
 * Where the `docs` and `drops` views read their rows: Parquet (each step's
 * compacted file where it has a valid one, its task sidecars otherwise) when
 * every shard of the kind has a verified sidecar, otherwise the Arrow shards
 * through `foxden_shards(kind)`.
 */
export interface ViewSources {
  /** The token rows' Parquet files, or null to read the Arrow shards. */
  tokens: readonly ParquetGroup[] | null;
  /** The drop rows' Parquet files, or null to read the Arrow shards. */
  drops: readonly ParquetGroup[] | null;
  /** The absolute run directory the paths start with (`<runDir>/`). */
  runPrefix: string;
}



/** A view column read from Parquet: its name and the DuckDB type a NULL stands in with when a file lacks it. */
interface ViewColumn {
  name: string;
  sql: string;
}

const STEP_OF_PATH = "'^steps/[0-9]+-([^/]+)/'";

/**
 * The Parquet scan of a kind's files, with `_shard` (the Arrow shard's
 * run-relative path), `_step` (the step directory's name less its `NN-`) and
 * `_row` (the row in the shard). For task sidecars these are computed from
 * DuckDB's `filename` and `file_row_number` (a sidecar's path is its shard's
 * with `.parquet` -> `.arrow`, see sidecarPath); compacted files carry
 * `shard` and `shard_row`. Either way they are computed only when a query
 * uses them. Groups are joined with UNION ALL.
 */
function parquetScan(groups: readonly ParquetGroup[], runPrefix: string, columns: readonly ViewColumn[]): string {
  const parts = groups.map((g) => {
    const have = new Set(g.columns);
    const select = columns.map((c) => (have.has(c.name) ? quoteIdent(c.name) : `CAST(NULL AS ${c.sql}) AS ${quoteIdent(c.name)}`)).join(', ');
    const files = `[${g.files.map(sqlString).join(', ')}]`;
    if (g.compacted) {
      return `SELECT ${select}, shard AS _shard, regexp_extract(shard, ${STEP_OF_PATH}, 1) AS _step, shard_row AS _row
      FROM read_parquet(${files})`;
    }
    const relative = `substr(filename, ${runPrefix.length + 1})`;
    return `SELECT ${select},
      regexp_replace(${relative}, '\\.parquet$', '.arrow') AS _shard,
      regexp_extract(${relative}, ${STEP_OF_PATH}, 1) AS _step,
      file_row_number AS _row
    FROM read_parquet(${files}, filename = true, file_row_number = true)`;
  });
  if (parts.length === 0) {
    const select = columns.map((c) => `CAST(NULL AS ${c.sql}) AS ${quoteIdent(c.name)}`).join(', ');
    parts.push(`SELECT ${select}, CAST(NULL AS VARCHAR) AS _shard, CAST(NULL AS VARCHAR) AS _step, CAST(NULL AS BIGINT) AS _row WHERE false`);
  }
  return `(${parts.join('\n    UNION ALL ')})`;
}

const SQL_TYPES: Partial<Record<ColumnType, string>> = {
  utf8: 'VARCHAR', float32: 'FLOAT', float64: 'DOUBLE', int32: 'INTEGER', int64: 'BIGINT', uint32: 'UINTEGER', bool: 'BOOLEAN',
};

function viewColumns(specs: readonly ColumnSpec[], names: readonly string[]): ViewColumn[] {
  return names.map((name) => {
    const spec = specs.find((c) => c.name === name);
    const sql = spec ? SQL_TYPES[spec.type] : undefined;
    if (!sql) throw new Error(`view column ${name} has no Parquet type`);
    return { name, sql };
  });
}

const TOKEN_VIEW_COLUMNS = viewColumns(TOKEN_COLUMNS, ['id', 'url', 'source', 'lang', 'n_tokens', 'quality', 'cluster_size', 'extraction']);
const DROP_VIEW_COLUMNS = viewColumns(DROP_COLUMNS, ['id', 'url', 'step', 'reason', 'value', 'source', 'offset']);

/**
 * The SQL of the views users rely on (documented in docs/sql.md). `hasStages`
 * decides whether `docs.stage` is looked up in the stage shards: without
 * stage shards the column is NULL and `docs` scans the token rows alone.
 * `sources` decides whether token and drop rows come from the Parquet
 * sidecars or the Arrow shards; both give the same rows.
 */
export function viewStatements(hasStages: boolean, sources: ViewSources = { tokens: null, drops: null, runPrefix: '' }): string[] {
  const docStage = hasStages
    ? `LEFT JOIN (
        SELECT s.doc_id, min(m.stage_index) AS stage_index, arg_min(m.stage_name, m.stage_index) AS stage
        FROM (SELECT DISTINCT unnest(segment_doc_ids) AS doc_id, _shard FROM foxden_shards('stage')) s
        JOIN ${SHARD_TABLE} m ON m.path = s._shard
        GROUP BY s.doc_id
      ) st ON st.doc_id = t.id`
    : '';
  const stageColumns = hasStages ? 'st.stage_index, st.stage' : 'CAST(NULL AS INTEGER) AS stage_index, CAST(NULL AS VARCHAR) AS stage';
  const tokens = sources.tokens ? parquetScan(sources.tokens, sources.runPrefix, TOKEN_VIEW_COLUMNS) : "foxden_shards('tokens')";
  const drops = sources.drops ? parquetScan(sources.drops, sources.runPrefix, DROP_VIEW_COLUMNS) : "foxden_shards('drops')";
  const shardTokens = `LEFT JOIN (SELECT _shard, CAST(sum(n_tokens) AS BIGINT) AS tokens FROM ${tokens} GROUP BY _shard) t ON t._shard = m.path`;
  return [
    `CREATE VIEW shards AS
      SELECT m.path, m.kind, m.step, m."rows",
        CASE WHEN m.kind = 'tokens' THEN t.tokens WHEN m.kind = 'stage' THEN m."rows" * m.seq_len END AS tokens,
        m.bytes, m.sha256, m.step_index, m.step_type, m.task, m.stage_index, m.stage_name, m.seq_len,
        m.sidecar_path, m.sidecar_bytes, m.sidecar_sha256
      FROM ${SHARD_TABLE} m
      ${shardTokens}
      ORDER BY m.step_index, m.path`,
    `CREATE VIEW docs AS
      SELECT t.id, t.url, t.source, t.lang, t.n_tokens, t.quality, t.cluster_size, t.extraction, ${stageColumns},
        t._step AS step, t._shard AS shard, t._row AS shard_row
      FROM ${tokens} t ${docStage}`,
    `CREATE VIEW drops AS
      SELECT id, url, step, reason, value, source, "offset", _shard AS shard, _row AS shard_row
      FROM ${drops}`,
    `CREATE VIEW sequences AS
      SELECT m.stage_index, m.stage_name AS stage, m.seq_len, len(q.segment_lengths) AS segments, q.padding,
        m.seq_len - q.padding AS doc_tokens, q._shard AS shard, q._row AS shard_row
      FROM foxden_shards('stage') q JOIN ${SHARD_TABLE} m ON m.path = q._shard`,
  ];
}

/** Orders that make a view's rows (and so its Parquet file) the same on every run. */
export const VIEW_ORDER: Readonly<Record<ViewName, string>> = Object.freeze({
  shards: 'step_index, path',
  docs: 'shard, shard_row',
  drops: 'shard, shard_row',
  sequences: 'shard, shard_row',
});
