export { FoxdenError, ERROR_CODES } from './errors.js';
export type { ErrorCode, FoxdenErrorOptions } from './errors.js';
export { DOCUMENT_COLUMNS, DROP_COLUMNS, TOKEN_COLUMNS, STAGE_COLUMNS, withColumns } from './document.js';
export type { DocumentRecord, DropRecord, ColumnSpec, ColumnType, TokenizerIdentity } from './document.js';
export { emptyTaskStats, addCount, sumCounts, mergeTaskStats, assertBalanced, sortKeys, SIDECAR_KINDS, COMPACTED_KINDS } from './stats.js';
export type { TaskStats, ShardOutput, SidecarOutput, StepSummary, CompactedSidecar, CompactedStep } from './stats.js';
export type { InputFile, TaskSpec, StepOutputs, StepContext, TaskContext, StepPhase, StepModule, StepPackage } from './step.js';
export {
  stepDirName, taskKey, shardPath, sidecarPath, statsPath, markerPath, temporaryPath, writeFileAtomic, sha256File, fileExists,
  compactedRecordPath, compactedSidecarPath, sidecarSetDigest,
  completeTask, readCompletedTask, clearTask, schemaFile,
} from './layout.js';
export { SeededRandom, hashString32 } from './random.js';
export { Progress, formatBytes, formatCount, formatDuration, progressIntervalSeconds, progressUsesBar } from './progress.js';
export type { ProgressOptions, ProgressStream, ProgressUpdate } from './progress.js';
