import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DOCUMENT_COLUMNS, FoxdenError, stepDirName, writeFileAtomic, type ColumnSpec, type ErrorRecord, type StepContext, type StepOutputs, type StepSummary,
  type TaskStats,
} from '@foxden/core';
import { compactStepSidecars } from '@foxden/shards';
import { stepFingerprints, type ResolvedPipeline } from './load-pipeline.js';
import type { StepRegistry } from './registry.js';
import type { TaskMessage } from './execute-task.js';
import { runStep, silentReporter } from './run-step.js';

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

interface RunRecord {
  pipeline: string;
  seed: number;
  inputs: { source: string; path: string; bytes: number }[];
  steps: { name: string; type: string; params: Record<string, unknown>; fingerprint: string }[];
}

/**
 * Executes a pipeline step by step, phase by phase, through an executor.
 * Completed tasks (marker present) are skipped, so a re-run resumes; a step
 * whose configuration changed since its tasks completed is redone with all
 * steps after it. Fails loudly when a step does not balance.
 */
export async function runPipeline(pipeline: ResolvedPipeline, registry: StepRegistry, options: RunPipelineOptions): Promise<RunSummary> {
  const started = performance.now();
  const reporter = options.reporter ?? silentReporter;
  const runDir = pipeline.output;
  // Every step's own checks (a model file loads, a tokenizer parses) run before any work, so that a
  // typo in the last step's params does not surface after hours of the first steps.
  for (const [index, step] of pipeline.steps.entries()) {
    const registered = registry.get(step.type);
    if (!registered) throw new FoxdenError('BAD_CONFIG', `${pipeline.file}: unknown step type '${step.type}'`);
    if (!registered.module.validate) continue;
    try {
      await registered.module.validate({
        runDir, stepIndex: index, stepName: step.name, stepType: step.type, stepDir: stepDirName(index, step.name), phase: '',
        params: step.params, seed: pipeline.seed, inputs: pipeline.inputs, pipelineDir: pipeline.dir, history: [], phaseOutputs: [],
        inputColumns: [...DOCUMENT_COLUMNS],
      });
    } catch (error) {
      const e = FoxdenError.from(error, 'BAD_CONFIG');
      throw new FoxdenError(e.code, `${pipeline.file}: /steps/${index}/params (step '${step.name}'): ${e.message}`, { cause: error });
    }
  }
  await mkdir(runDir, { recursive: true });
  const fingerprints = stepFingerprints(pipeline);
  await invalidateChangedSteps(runDir, pipeline, fingerprints, reporter);
  const record: RunRecord = {
    pipeline: pipeline.name,
    seed: pipeline.seed,
    inputs: pipeline.inputs.map((i) => ({ source: i.source, path: i.path, bytes: i.bytes })),
    steps: pipeline.steps.map((s, i) => ({ name: s.name, type: s.type, params: s.params, fingerprint: fingerprints[i]! })),
  };
  await writeFileAtomic(join(runDir, 'run.json'), JSON.stringify(record, null, 2) + '\n');

  const history: StepOutputs[] = [];
  const summaries: StepSummary[] = [];
  let inputColumns: ColumnSpec[] = [...DOCUMENT_COLUMNS];
  let tasksRun = 0;
  let tasksSkipped = 0;
  for (const [index, step] of pipeline.steps.entries()) {
    const registered = registry.get(step.type);
    if (!registered) throw new FoxdenError('BAD_CONFIG', `unknown step type '${step.type}'`);
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
    const { summary } = run;
    if (summaries.length > 0) {
      const previous = summaries[summaries.length - 1]!;
      const carries = registered.module.phases.some((p) => p.carriesDocuments);
      if (carries && summary.documents_in !== previous.documents_out) {
        throw new FoxdenError('ACCOUNTING', `step '${step.name}' read ${summary.documents_in} documents but step '${previous.step}' passed on ${previous.documents_out}`);
      }
    }
    // Every task of the step is complete: its sidecars of the kinds the SQL views read become one
    // Parquet file per kind. Idempotent, so a crash before this line is repaired by the next run.
    await compactStepSidecars(runDir, stepDir, step.name, run.outputs.shards);
    reporter.stepEnd(summary);
    summaries.push(summary);
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
  // Every task is complete, so any temporary file left is from a crashed attempt: remove it.
  const leftovers = await removeTemporaryFiles(join(runDir, 'steps'));
  if (leftovers > 0) reporter.log(`removed ${leftovers} temporary file(s) left by interrupted tasks`);
  if (options.afterRun) await options.afterRun(runDir, summary);
  return summary;
}

/** Removes `*.tmp-<pid>-<n>` files (see temporaryPath) under a directory; returns how many. */
async function removeTemporaryFiles(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (entry.isFile() && /\.tmp-\d+-\d+$/.test(entry.name)) {
      await rm(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), { force: true });
      removed += 1;
    }
  }
  return removed;
}

/** Removes the outputs of steps whose configuration changed since they ran, and of every step after them. */
async function invalidateChangedSteps(runDir: string, pipeline: ResolvedPipeline, fingerprints: string[], reporter: RunReporter): Promise<void> {
  let previous: RunRecord | null = null;
  try {
    previous = JSON.parse(await readFile(join(runDir, 'run.json'), 'utf8')) as RunRecord;
  } catch {
    previous = null;
  }
  const existing = await readdir(join(runDir, 'steps')).catch(() => [] as string[]);
  let firstChanged = -1;
  for (let i = 0; i < pipeline.steps.length; i++) {
    const before = previous?.steps[i];
    const same = before && before.fingerprint === fingerprints[i] && before.name === pipeline.steps[i]!.name;
    if (!same) {
      firstChanged = i;
      break;
    }
  }
  const keep = new Set(pipeline.steps.map((s, i) => (firstChanged === -1 || i < firstChanged ? stepDirName(i, s.name).slice('steps/'.length) : '')));
  for (const dir of existing) {
    if (!keep.has(dir)) {
      if (previous) reporter.log(`configuration changed: removing outputs of ${dir}`);
      await rm(join(runDir, 'steps', dir), { recursive: true, force: true });
    }
  }
}
