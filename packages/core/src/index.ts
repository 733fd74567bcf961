export { FoxdenError, ERROR_CODES } from './errors.js';
export type { ErrorCode, ErrorRecord, FoxdenErrorOptions } from './errors.js';
export { DOCUMENT_COLUMNS, DROP_COLUMNS, TOKEN_COLUMNS, STAGE_COLUMNS, withColumns } from './document.js';
export type { DocumentRecord, DropRecord, ColumnSpec, ColumnType, TokenizerIdentity } from './document.js';
export { emptyTaskStats, addCount, sumCounts, mergeTaskStats, assertBalanced, sortKeys, compareText, SIDECAR_KINDS, COMPACTED_KINDS } from './stats.js';
export type { TaskStats, ShardOutput, SidecarOutput, StepSummary, CompactedSidecar, CompactedStep } from './stats.js';
export { previousStepShards } from './step.js';
export type { InputFile, TaskSpec, StepOutputs, StepContext, TaskContext, StepPhase, StepModule, StepPackage } from './step.js';
export {
  stepDirName, parseStepDir, taskKey, parseTaskKey, indexTaskId, shardPath, sidecarPath, statsPath, markerPath, temporaryPath, writeFileAtomic, openForWriting, sha256File, fileExists,
  compactedRecordPath, compactedSidecarPath, sidecarSetDigest,
  completeTask, readCompletedTask, clearTask, schemaFile, listStepDirs, listCompletedTasks, readStepMarkers,
} from './layout.js';
export type { StepMarker } from './layout.js';
export { SeededRandom, hashString32, fmix32 } from './random.js';
export { GrowableArray } from './growable-array.js';
export type { GrowableArrayType } from './growable-array.js';
export {
  TOKENIZER_METADATA_PREFIX, TOKENIZER_METADATA_KEYS, tokenizerIdentityToMetadata, pickTokenizerMetadata, tokenizerIdentityFromMetadata,
} from './tokenizer-metadata.js';
export { Progress, formatBytes, formatCount, formatDuration, progressIntervalSeconds, progressUsesBar } from './progress.js';
export type { ProgressOptions, ProgressStream, ProgressUpdate } from './progress.js';
