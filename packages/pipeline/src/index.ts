export { loadPipeline, resolvePipeline, expandInputs, formatSchemaErrors, stepFingerprints } from './load-pipeline.js';
export type { PipelineStep, ResolvedPipeline, LoadPipelineOptions } from './load-pipeline.js';
export { StepRegistry } from './registry.js';
export type { RegisteredStep } from './registry.js';
export { executeTask, taskLabel } from './execute-task.js';
export type { TaskMessage, TaskHooks } from './execute-task.js';
export { runPipeline } from './run-pipeline.js';
export type { TaskExecutor, TaskOutcome, ExecutorEvents, RunReporter, RunSummary, RunPipelineOptions } from './run-pipeline.js';
export { configureTaskThreads, TASK_THREAD_INITIAL_HEAP_MB } from './task-threads.js';
