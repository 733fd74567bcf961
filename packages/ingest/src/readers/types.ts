/**
 * Source records: what a reader makes of one input file before any
 * HTML-to-text, normalisation or language id. Every record of the input ends
 * up as exactly one of a document, a skip (a record that is valid but not
 * text to train on) or a reject (a record that could not be read), so the
 * ingest step can account for every record.
 */

export type SourceFormat = 'warc' | 'wet' | 'wat' | 'arc' | 'jsonl' | 'text';

export interface SourceDocument {
  kind: 'document';
  format: SourceFormat;
  /** Byte offset of the record's start in the (decompressed) stream of the file: stable across runs, used for document ids. */
  offset: number;
  /** WARC-Type or ARC/JSONL/text equivalent ('response', 'resource', 'conversion', 'jsonl', 'text'). */
  recordType: string;
  url: string | null;
  /** ISO-8601 date (WARC-Date, ARC date, JSONL created/added/date), or null. */
  date: string | null;
  /** Media type of the payload without parameters, e.g. 'text/html'; null when unknown. */
  mediaType: string | null;
  /** Charset declared by HTTP Content-Type, if any. */
  declaredCharset: string | null;
  /** Payload bytes (HTTP body, de-chunked and content-decoded) when the payload is HTML/markup to extract. */
  body?: Uint8Array;
  /** Text, when the format already carries plain text (WET conversion records, JSONL text, plain text files, text/plain payloads decoded as UTF-8 are NOT here: give those as body). */
  text?: string;
  /** Id given by the input (JSONL `id`), if any. */
  id?: string;
  /** Language given by the input (WET WARC-Identified-Content-Language, JSONL lang/language), if any. */
  lang?: string;
  /** Input fields foxden does not model (JSONL metadata, WARC-Record-ID, HTTP status), kept as open metadata. */
  meta: Record<string, unknown>;
}

/** A well-formed record that carries no document (request, metadata, non-2xx, image, ...). */
export interface SkippedRecord {
  kind: 'skip';
  format: SourceFormat;
  offset: number;
  url: string | null;
  reason: string;
  /** What the reason alone does not say (for 'binary-payload', the format found and the label it had). */
  detail?: string;
}

/** A record that could not be read; `message` names the file, the offset and the cause. */
export interface RejectedRecord {
  kind: 'reject';
  format: SourceFormat;
  offset: number;
  url: string | null;
  reason: string;
  message: string;
}

export type SourceRecord = SourceDocument | SkippedRecord | RejectedRecord;

export interface ReadSourceOptions {
  /** Largest record payload held in memory; larger records are rejected ('record-too-large'). Default 64 MiB. */
  maxRecordBytes?: number;
  /** JSONL field holding the text; several names separated by `|` are tried in order. Default DEFAULT_JSONL_TEXT_FIELDS. */
  jsonlTextField?: string;
  /** JSONL field holding the document id. Default 'id'. */
  jsonlIdField?: string;
  /** Stops the read between records; the generator then throws FoxdenError('ABORTED'). */
  signal?: AbortSignal;
  /** Read one range of a split WARC/ARC file (see readers/split.ts) instead of the whole file. */
  range?: SourceRange;
}

/**
 * One range of a split archive: where it begins in the file and in the
 * decompressed stream, and where the next range's first record begins.
 * Ranges are planned by the ingest step's index phase (readers/split.ts).
 */
export interface SourceRange {
  /** Byte offset in the file: a gzip member boundary (per-record gzip) or a record start (plain). */
  start: number;
  /** Offset of that byte in the decompressed stream: record offsets (document ids) stay those of the whole file. */
  base: number;
  /** Decompressed offset of the next range's first record; absent for the last range (read to the end). */
  stopAt?: number;
  /** File offset to read up to (exclusive): the end of the next range's first gzip member, which the parser peeks into. */
  end?: number;
  /** ARC header version (from the file's filedesc record), for an ARC range after the first. */
  arcVersion?: number;
}

/** Default for ReadSourceOptions.maxRecordBytes. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Where JSONL dumps keep the text: `text` (Dolma, FineWeb, C4), `content` (RefinedWeb, OSCAR), `raw_content` (RedPajama-V2). */
export const DEFAULT_JSONL_TEXT_FIELDS = 'text|content|raw_content';
