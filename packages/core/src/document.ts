/**
 * The document record every step reads and writes. Steps may add columns
 * (cluster ids, quality scores); they never silently drop a record.
 */
export interface DocumentRecord {
  /** Stable across runs: derived from source file and record offset, or given in the input. */
  id: string;
  text: string;
  url: string | null;
  /** Input file the record came from, relative to the input root when possible. */
  source: string;
  /** ISO-8601 fetch time when the input has one (WARC-Date, JSONL `created`/`added`). */
  fetched_at: string | null;
  /** ISO 639 code from language identification, or given in the input. */
  lang: string | null;
  lang_score: number | null;
  /** Open metadata as a JSON object string (input fields foxden does not model). */
  meta: string | null;
  /** Columns added by later steps (scores, cluster ids). */
  [column: string]: unknown;
}

/** Arrow column types the shard layer supports; steps declare added columns with these. */
export type ColumnType = 'utf8' | 'float64' | 'float32' | 'int32' | 'int64' | 'uint32' | 'bool' | 'list<uint32>' | 'list<int32>' | 'list<utf8>';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  nullable?: boolean;
}

export const DOCUMENT_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'text', type: 'utf8', nullable: false },
  { name: 'url', type: 'utf8', nullable: true },
  { name: 'source', type: 'utf8', nullable: false },
  { name: 'fetched_at', type: 'utf8', nullable: true },
  { name: 'lang', type: 'utf8', nullable: true },
  { name: 'lang_score', type: 'float32', nullable: true },
  { name: 'meta', type: 'utf8', nullable: true },
]);

/** A document that a step decided not to pass on, with the reason and the value that decided it. */
export interface DropRecord {
  id: string;
  url: string | null;
  step: string;
  reason: string;
  /** The deciding value (a score, a ratio, a duplicate's id, an error message), as text. */
  value: string | null;
  /** Input file and byte offset, for records that could not be parsed. */
  source?: string | null;
  offset?: number | null;
}

export const DROP_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'url', type: 'utf8', nullable: true },
  { name: 'step', type: 'utf8', nullable: false },
  { name: 'reason', type: 'utf8', nullable: false },
  { name: 'value', type: 'utf8', nullable: true },
  { name: 'source', type: 'utf8', nullable: true },
  { name: 'offset', type: 'int64', nullable: true },
]);

/** Adds columns to a schema, replacing same-named ones, keeping order stable. */
export function withColumns(base: readonly ColumnSpec[], added: readonly ColumnSpec[]): ColumnSpec[] {
  const out = base.filter((c) => !added.some((a) => a.name === c.name));
  return [...out, ...added];
}

/**
 * Token shards: one row per document. 32-bit ids because a 256K vocabulary
 * does not fit 16 bits. `quality` and `cluster_size` are null when the steps
 * that set them did not run; `extraction` (added after the others, so shards
 * written before it lack it and the SQL views read it as NULL) is carried
 * from the document's `meta`. Tokenizer identity travels in the schema
 * metadata under the keys of TokenizerIdentity (prefixed `foxden.tokenizer.`).
 */
export const TOKEN_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'source', type: 'utf8', nullable: false },
  { name: 'url', type: 'utf8', nullable: true },
  { name: 'lang', type: 'utf8', nullable: true },
  { name: 'n_tokens', type: 'int32', nullable: false },
  { name: 'tokens', type: 'list<uint32>', nullable: false },
  { name: 'quality', type: 'float32', nullable: true },
  { name: 'cluster_size', type: 'int32', nullable: true },
  /**
   * How ingest got the document's text out of HTML (`main`, `readability`,
   * `boilerplate`, `visible`, `empty`, `failed`; the `extraction` field of the
   * document's `meta`), null for documents that were not HTML.
   */
  { name: 'extraction', type: 'utf8', nullable: true },
]);

export interface TokenizerIdentity {
  name: string;
  vocab_size: number;
  /** Special token ids by name, e.g. {"<bos>": 1, "<eos>": 2, "<pad>": 0}. */
  special_ids: Record<string, number>;
  /** sha256 of the tokenizer.json bytes. */
  sha256: string;
}

/**
 * Stage shards (kind 'stage'): one row per packed training sequence, the
 * contract between the curriculum step, the SQL views and the trainer.
 * Columns may be added, never changed.
 */
export const STAGE_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  /** Exactly seq_len ids, padding included. */
  { name: 'tokens', type: 'list<uint32>', nullable: false },
  /** Lengths of the document pieces in the sequence, in order; padding not included. */
  { name: 'segment_lengths', type: 'list<int32>', nullable: false },
  /** Doc id of each piece. */
  { name: 'segment_doc_ids', type: 'list<utf8>', nullable: false },
  /** Token offset within its document where each piece starts. */
  { name: 'segment_offsets', type: 'list<int32>', nullable: false },
  /** Padding tokens at the end of the sequence. */
  { name: 'padding', type: 'int32', nullable: false },
]);
