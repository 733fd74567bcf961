import { DOCUMENT_COLUMNS, DROP_COLUMNS, STAGE_COLUMNS, TOKEN_COLUMNS, type ColumnSpec } from '@foxden/core';

export { STAGE_COLUMNS };

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
 * Where the `docs` and `drops` views read their rows: the shards' Parquet
 * sidecars (DuckDB's own parallel reader) when every shard of the kind has a
 * verified one, otherwise the Arrow shards through `foxden_shards(kind)`.
 */
export interface ViewSources {
  /** Absolute paths of the token shards' sidecars, in catalog order, or null to read the Arrow shards. */
  tokens: readonly string[] | null;
  /** Absolute paths of the drop shards' sidecars, in catalog order, or null to read the Arrow shards. */
  drops: readonly string[] | null;
  /** The absolute run directory the sidecar paths start with (`<runDir>/`). */
  runPrefix: string;
}

/** A SQL string literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * The Parquet scan of a list of sidecars, with `_shard` (the Arrow shard's
 * run-relative path: the sidecar's with `.parquet` -> `.arrow`, see
 * sidecarPath), `_step` (the step directory's name less its `NN-`) and
 * `_row` (the row in the file, which is the row in the shard) computed from
 * DuckDB's `filename` and `file_row_number` only when a query uses them.
 */
function sidecarScan(files: readonly string[], runPrefix: string, columns: string): string {
  const relative = `substr(filename, ${runPrefix.length + 1})`;
  return `(SELECT ${columns},
      regexp_replace(${relative}, '\\.parquet$', '.arrow') AS _shard,
      regexp_extract(${relative}, '^steps/[0-9]+-([^/]+)/', 1) AS _step,
      file_row_number AS _row
    FROM read_parquet([${files.map(sqlString).join(', ')}], filename = true, file_row_number = true))`;
}

const TOKEN_VIEW_COLUMNS = 'id, url, source, lang, n_tokens, quality, cluster_size';
const DROP_VIEW_COLUMNS = 'id, url, step, reason, value, source, "offset"';

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
  const tokens = sources.tokens ? sidecarScan(sources.tokens, sources.runPrefix, TOKEN_VIEW_COLUMNS) : "foxden_shards('tokens')";
  const drops = sources.drops ? sidecarScan(sources.drops, sources.runPrefix, DROP_VIEW_COLUMNS) : "foxden_shards('drops')";
  const shardTokens = sources.tokens
    ? `LEFT JOIN (SELECT filename AS sidecar_file, CAST(sum(n_tokens) AS BIGINT) AS tokens
        FROM read_parquet([${sources.tokens.map(sqlString).join(', ')}], filename = true) GROUP BY filename) t ON t.sidecar_file = m.sidecar_file`
    : `LEFT JOIN (SELECT _shard, CAST(sum(n_tokens) AS BIGINT) AS tokens FROM foxden_shards('tokens') GROUP BY _shard) t ON t._shard = m.path`;
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
      SELECT t.id, t.url, t.source, t.lang, t.n_tokens, t.quality, t.cluster_size, ${stageColumns},
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
