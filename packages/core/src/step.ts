import type { ColumnSpec } from './document.js';
import { FoxdenError } from './errors.js';
import { compareText, type ShardOutput, type TaskStats } from './stats.js';

/**
 * The contract between steps and runners. A step never knows which runner
 * executes it: it plans serialisable tasks, and runs one task given a context.
 * Every field of TaskSpec and StepContext is plain JSON, so a task can cross a
 * worker-thread boundary or travel through a queue unchanged.
 */
/** A raw input file of the pipeline. */
export interface InputFile {
  /** Absolute path. */
  path: string;
  /**
   * Stable name of the file: its path relative to the static base directory of
   * the input pattern that matched it (a plain file is its own base name). Document
   * ids derive from it, so they do not change when other inputs are added.
   */
  source: string;
  bytes: number;
}

export interface TaskSpec {
  /** Unique within its phase and safe as a file name, e.g. "00003". Ordering tasks by id is deterministic. */
  id: string;
  /** Input files: absolute paths for raw inputs, run-relative paths for shards of earlier steps. */
  inputs: string[];
  /** Bytes of input, for progress and ETA. */
  bytes: number;
  /** Phase-specific parameters (a band index, a hash-prefix range). */
  params?: Record<string, unknown>;
}

/** Shards that a completed step left, grouped by kind ("documents", "drops", "signatures", ...). */
export interface StepOutputs {
  step: string;
  type: string;
  /** Schema of the documents this step emits. */
  columns: ColumnSpec[];
  shards: ShardOutput[];
}

export interface StepContext<P = Record<string, unknown>> {
  /** Absolute path of the run directory. */
  runDir: string;
  /** Position of the step in the pipeline, from 0. */
  stepIndex: number;
  /** Name of the step in the pipeline (unique). */
  stepName: string;
  stepType: string;
  /** Run-relative directory of this step, e.g. "steps/01-ingest". */
  stepDir: string;
  /** Name of the phase being planned or run. */
  phase: string;
  /** Validated parameters with defaults applied. */
  params: P;
  seed: number;
  /** Pipeline-level raw inputs, sorted by source name, for source steps. */
  inputs: InputFile[];
  /** Directory of the pipeline file, for resolving relative paths in params. */
  pipelineDir: string;
  /** Outputs of all earlier steps, in pipeline order (never this step's own). */
  history: StepOutputs[];
  /** Shards written by this step's earlier phases (empty in the first phase). */
  phaseOutputs: ShardOutput[];
  /** Columns of the documents this step receives (the previous step's), or the base columns. */
  inputColumns: ColumnSpec[];
}

export interface TaskContext<P = Record<string, unknown>> extends StepContext<P> {
  signal: AbortSignal;
  /** Reports progress increments to the runner (documents and input bytes processed). */
  progress(delta: { documents?: number; bytes?: number }): void;
  log(message: string): void;
}

export interface StepPhase<P = Record<string, unknown>> {
  name: string;
  /** Whether this phase passes documents on, and so counts toward the accounting equation. */
  carriesDocuments: boolean;
  plan(ctx: StepContext<P>): Promise<TaskSpec[]>;
  run(task: TaskSpec, ctx: TaskContext<P>): Promise<TaskStats>;
}

export interface StepModule<P = Record<string, unknown>> {
  /** The `type` used in pipeline files. */
  readonly type: string;
  readonly description: string;
  /** JSON Schema of the step's params; defaults declared here are applied at load. */
  readonly paramsSchema: Record<string, unknown>;
  /** Columns the step adds to documents it passes on. */
  outputColumns(inputColumns: ColumnSpec[], params: P): ColumnSpec[];
  /**
   * Checks that need the filesystem (a model file exists and loads). Called for every step before
   * any work starts, with an empty `history`, and again just before the step runs, with the
   * earlier steps' outputs: checks that need those must skip when `history` is empty.
   */
  validate?(ctx: StepContext<P>): Promise<void>;
  /** Phases run in order with a barrier between them; most steps have one. */
  readonly phases: readonly StepPhase<P>[];
}

/** What a step package's `step` entry point exports. */
export interface StepPackage {
  steps: readonly StepModule<any>[];
}

/**
 * The shards of one kind that the previous step wrote, in path order: what a
 * step reads. BAD_CONFIG when the step is the first.
 */
export function previousStepShards(ctx: Pick<StepContext, 'history' | 'stepName'>, kind: string): ShardOutput[] {
  const previous = ctx.history[ctx.history.length - 1];
  if (!previous) throw new FoxdenError('BAD_CONFIG', `step '${ctx.stepName}' needs ${kind} shards from an earlier step, but it is the first step`);
  return previous.shards.filter((s) => s.kind === kind).sort((a, b) => compareText(a.path, b.path));
}
