export { ShardWriter } from './shard-writer.js';
export type { ShardWriterOptions } from './shard-writer.js';
export { ShardReader, batchToRows } from './shard-reader.js';
export { arrowSchema, arrowType, columnTypeOf } from './columns.js';
export { runDocumentTask, finishDocumentTask, openInputShard, DropWriter, findShardChecksum, planPerShard } from './document-task.js';
export type { DocumentSink, DocumentTransform, DocumentTaskOptions, TaskOutputWriter } from './document-task.js';
export { ParquetSidecarWriter, sidecarColumns, verifySidecar } from './parquet-sidecar.js';
export { compactStepSidecars, compactableShard, readCompactedStep, removeStepCompaction, verifyCompactedSidecar } from './compact-sidecars.js';
