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
  stage_index INTEGER, stage_name VARCHAR, seq_len INTEGER
)`;

/** Names of the views every run database defines, in the order they are created. */
export const VIEW_NAMES = ['shards', 'docs', 'drops', 'sequences'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/**
 * The SQL of the views users rely on (documented in docs/sql.md). `hasStages`
 * decides whether `docs.stage` is looked up in the stage shards: without
 * stage shards the column is NULL and `docs` scans the token shards alone.
 */
export function viewStatements(hasStages: boolean): string[] {
  const docStage = hasStages
    ? `LEFT JOIN (
        SELECT s.doc_id, min(m.stage_index) AS stage_index, arg_min(m.stage_name, m.stage_index) AS stage
        FROM (SELECT DISTINCT unnest(segment_doc_ids) AS doc_id, _shard FROM foxden_shards('stage')) s
        JOIN ${SHARD_TABLE} m ON m.path = s._shard
        GROUP BY s.doc_id
      ) st ON st.doc_id = t.id`
    : '';
  const stageColumns = hasStages ? 'st.stage_index, st.stage' : 'CAST(NULL AS INTEGER) AS stage_index, CAST(NULL AS VARCHAR) AS stage';
  return [
    `CREATE VIEW shards AS
      SELECT m.path, m.kind, m.step, m."rows",
        CASE WHEN m.kind = 'tokens' THEN t.tokens WHEN m.kind = 'stage' THEN m."rows" * m.seq_len END AS tokens,
        m.bytes, m.sha256, m.step_index, m.step_type, m.task, m.stage_index, m.stage_name, m.seq_len
      FROM ${SHARD_TABLE} m
      LEFT JOIN (SELECT _shard, CAST(sum(n_tokens) AS BIGINT) AS tokens FROM foxden_shards('tokens') GROUP BY _shard) t ON t._shard = m.path
      ORDER BY m.step_index, m.path`,
    `CREATE VIEW docs AS
      SELECT t.id, t.url, t.source, t.lang, t.n_tokens, t.quality, t.cluster_size, ${stageColumns},
        t._step AS step, t._shard AS shard, t._row AS shard_row
      FROM foxden_shards('tokens') t ${docStage}`,
    `CREATE VIEW drops AS
      SELECT id, url, step, reason, value, source, "offset", _shard AS shard, _row AS shard_row
      FROM foxden_shards('drops')`,
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
