export { ShardWriter } from './shard-writer.js';
export type { ShardWriterOptions } from './shard-writer.js';
export { ShardReader, batchToRows } from './shard-reader.js';
export { arrowSchema, arrowType, columnTypeOf } from './columns.js';
// The step-authoring kit: a task's frame (writers, abort checks, balance), the document-to-document task and the map step.
export { runTask } from './run-task.js';
export type { TaskScope, TaskOutputWriter, AbortableWriter } from './run-task.js';
export { DropWriter } from './drop-writer.js';
export { runDocumentTask, planPerShard } from './document-task.js';
export { openInputShard, findShardChecksum } from './open-input-shard.js';
export type { DocumentSink, DocumentTransform, DocumentTaskOptions } from './document-task.js';
export { mapStep } from './map-step.js';
export type { MapStepSpec, PreparedTransform } from './map-step.js';
export { ParquetSidecarWriter, sidecarColumns, verifySidecar } from './parquet-sidecar.js';
export { compactStepSidecars, compactableShard, preloadCompaction, readCompactedStep, removeStepCompaction, verifyCompactedSidecar } from './compact-sidecars.js';
export { sqlString, quoteIdent } from './sql-text.js';
