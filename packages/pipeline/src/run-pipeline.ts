import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DOCUMENT_COLUMNS, FoxdenError, stepDirName, writeFileAtomic, type ColumnSpec, type ErrorRecord, type StepContext, type StepOutputs, type StepSummary,
  type TaskStats,
} from '@foxden/core';
import { compactStepSidecars } from '@foxden/shards';
import type { ResolvedPipeline } from './load-pipeline.js';
import type { StepRegistry } from './registry.js';
import type { TaskMessage } from './execute-task.js';
import { removeTemporaryFiles } from './clean-up.js';
import { reconcileRunDirectory } from './run-record.js';
import { runStep, silentReporter } from './run-step.js';
import { validateSteps } from './validate-steps.js';

/**
 * The outcome of one task as an executor reports it. A failure is the task's
 * FoxdenError as a record (code, message, file, offset), carried as fields
 * from wherever the task ran.
 */
export type TaskOutcome = { ok: true; stats: TaskStats } | { ok: false; error: ErrorRecord; attempts: number };

/**
 * Runs tasks somewhere: worker threads (local runner) or a job queue (BullMQ
 * runner). The orchestrator does not care which.
 */
export interface TaskExecutor {
  readonly name: string;
  /** Runs the tasks of one phase and returns one outcome per message, in order. */
  runPhase(messages: readonly TaskMessage[], events: ExecutorEvents): Promise<TaskOutcome[]>;
  /**
   * Optional: the step modules the run's tasks will import, in the order the
   * steps run. An executor that keeps threads may start them now and load
   * these while the run plans its first tasks, so that a thread's start
   * overlaps the planning instead of following it. Best effort and without a
   * result: a module that fails to load fails the first task that needs it,
   * as it would without this call.
   */
  prepare?(moduleUrls: readonly string[]): void;
  close(): Promise<void>;
}

export interface ExecutorEvents {
  progress(delta: { documents?: number; bytes?: number }): void;
  taskDone(message: TaskMessage, outcome: TaskOutcome): void;
  log(message: string): void;
}

/** Receives what a run does, for a progress bar or log lines. */
export interface RunReporter {
  stepStart(info: { index: number; total: number; step: string; type: string; phase: string; tasks: number; skipped: number; bytes: number }): void;
  progress(delta: { documents?: number; bytes?: number }): void;
  stepEnd(summary: StepSummary): void;
  log(message: string): void;
}

export interface RunSummary {
  pipeline: string;
  seed: number;
  run_dir: string;
  runner: string;
  steps: StepSummary[];
  /** Documents read by the first step and passed on by the last. */
  documents_in: number;
  documents_out: number;
  /** Whether every step balanced. */
  balanced: boolean;
  tasks_run: number;
  tasks_skipped: number;
  seconds: number;
}

export interface RunPipelineOptions {
  executor: TaskExecutor;
  /** Redo tasks even when their completion marker exists. Default false. */
  force?: boolean;
  signal?: AbortSignal;
  reporter?: RunReporter;
  /** Called after the last step, e.g. to write Parquet for SQL. */
  afterRun?: (runDir: string, summary: RunSummary) => Promise<void>;
}

/**
 * Executes a pipeline step by step, phase by phase, through an executor:
 * validate every step, reconcile the run directory with the pipeline (a step
 * whose configuration changed is redone with all steps after it), run each
 * step (runStep: plan, dispatch, recover, account), check each hand-off,
 * compact, and clean up. Completed tasks (marker present) are skipped, so a
 * re-run resumes. Fails loudly when a step does not balance.
 */
export async function runPipeline(pipeline: ResolvedPipeline, registry: StepRegistry, options: RunPipelineOptions): Promise<RunSummary> {
  const started = performance.now();
  const reporter = options.reporter ?? silentReporter;
  const runDir = pipeline.output;
  await validateSteps(pipeline, registry);
  options.executor.prepare?.(stepModuleUrls(pipeline, registry));
  await mkdir(runDir, { recursive: true });
  await reconcileRunDirectory(pipeline, reporter);

  const history: StepOutputs[] = [];
  const summaries: StepSummary[] = [];
  let inputColumns: ColumnSpec[] = [...DOCUMENT_COLUMNS];
  let tasksRun = 0;
  let tasksSkipped = 0;
  for (const [index, step] of pipeline.steps.entries()) {
    const registered = registry.get(step.type)!;
    const stepDir = stepDirName(index, step.name);
    const base: StepContext = {
      runDir, stepIndex: index, stepName: step.name, stepType: step.type, stepDir, phase: '',
      params: step.params, seed: pipeline.seed, inputs: pipeline.inputs, pipelineDir: pipeline.dir,
      history: [...history], phaseOutputs: [], inputColumns,
    };
    const run = await runStep(registered, base, {
      executor: options.executor, reporter, stepCount: pipeline.steps.length,
      ...(options.force ? { force: true } : {}), ...(options.signal ? { signal: options.signal } : {}),
    });
    tasksRun += run.tasksRun;
    tasksSkipped += run.tasksSkipped;
    if (registered.module.phases.some((p) => p.carriesDocuments)) checkHandOff(summaries[summaries.length - 1], run.summary);
    // Every task of the step is complete: its sidecars of the kinds the SQL views read become one
    // Parquet file per kind. Idempotent, so a crash before this line is repaired by the next run.
    await compactStepSidecars(runDir, stepDir, step.name, run.outputs.shards);
    reporter.stepEnd(run.summary);
    summaries.push(run.summary);
    history.push(run.outputs);
    inputColumns = run.outputs.columns;
  }
  const summary: RunSummary = {
    pipeline: pipeline.name,
    seed: pipeline.seed,
    run_dir: runDir,
    runner: options.executor.name,
    steps: summaries,
    documents_in: summaries[0]?.documents_in ?? 0,
    documents_out: summaries[summaries.length - 1]?.documents_out ?? 0,
    balanced: summaries.every((s) => s.balanced),
    tasks_run: tasksRun,
    tasks_skipped: tasksSkipped,
    seconds: (performance.now() - started) / 1000,
  };
  await writeFileAtomic(join(runDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  const leftovers = await removeTemporaryFiles(runDir);
  if (leftovers > 0) reporter.log(`removed ${leftovers} temporary file(s) left by interrupted tasks`);
  if (options.afterRun) await options.afterRun(runDir, summary);
  return summary;
}

/** The module URLs of the pipeline's steps, each once, in the order the steps run. */
function stepModuleUrls(pipeline: ResolvedPipeline, registry: StepRegistry): string[] {
  return [...new Set(pipeline.steps.map((step) => registry.get(step.type)!.moduleUrl))];
}

/** A step that carries documents reads exactly what the step before it passed on. */
function checkHandOff(previous: StepSummary | undefined, next: StepSummary): void {
  if (previous && next.documents_in !== previous.documents_out) {
    throw new FoxdenError('ACCOUNTING', `step '${next.step}' read ${next.documents_in} documents but step '${previous.step}' passed on ${previous.documents_out}`);
  }
}
