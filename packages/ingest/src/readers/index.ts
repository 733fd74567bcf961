export { readSource } from './read-source.js';
export { detectFormat } from './detect-format.js';
export { DEFAULT_JSONL_TEXT_FIELDS, DEFAULT_MAX_RECORD_BYTES } from './types.js';
export type { SourceFormat, SourceDocument, SkippedRecord, RejectedRecord, SourceRecord, ReadSourceOptions, SourceRange } from './types.js';
