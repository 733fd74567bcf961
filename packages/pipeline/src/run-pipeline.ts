import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  DOCUMENT_COLUMNS, FoxdenError, clearTask, mergeTaskStats, readCompletedTask, stepDirName, sumCounts, writeFileAtomic,
  type ColumnSpec, type StepContext, type StepOutputs, type StepSummary, type TaskStats,
} from '@foxden/core';
import { compactStepSidecars, removeStepCompaction } from '@foxden/shards';
import { stepFingerprints, type ResolvedPipeline } from './load-pipeline.js';
import type { StepRegistry } from './registry.js';
import { taskLabel, type TaskMessage } from './execute-task.js';

/** The outcome of one task as an executor reports it. */
export type TaskOutcome = { ok: true; stats: TaskStats } | { ok: false; error: { code: string; message: string }; attempts: number };

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

const silentReporter: RunReporter = { stepStart() {}, progress() {}, stepEnd() {}, log() {} };

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
    // Again with the earlier steps' outputs, for checks that need them (mixed tokenizers).
    if (registered.module.validate) await registered.module.validate(base);
    const outputColumns = registered.module.outputColumns(inputColumns, step.params);
    const stepStats: TaskStats[] = [];
    const phaseStats: { phase: string; carries: boolean; stats: TaskStats[] }[] = [];
    const earlierPhaseShards = () => phaseStats.flatMap((p) => p.stats.flatMap((s) => s.outputs));
    let compactionRemoved = false;
    for (const phase of registered.module.phases) {
      if (options.signal?.aborted) throw new FoxdenError('ABORTED', 'run interrupted');
      const ctx: StepContext = { ...base, phase: phase.name, phaseOutputs: earlierPhaseShards() };
      const tasks = await phase.plan(ctx);
      const ids = new Set<string>();
      for (const t of tasks) {
        if (ids.has(t.id)) throw new FoxdenError('INTERNAL', `step '${step.name}' phase '${phase.name}' planned task id '${t.id}' twice`);
        ids.add(t.id);
      }
      const done: TaskStats[] = [];
      const pending: TaskMessage[] = [];
      for (const task of tasks) {
        if (options.force) await clearTask(runDir, stepDir, phase.name, task.id);
        const completed = options.force ? null : await readCompletedTask(runDir, stepDir, phase.name, task.id);
        if (completed) done.push(completed);
        else pending.push({ moduleUrl: registered.moduleUrl, context: ctx, task, carriesDocuments: phase.carriesDocuments });
      }
      tasksSkipped += done.length;
      reporter.stepStart({
        index, total: pipeline.steps.length, step: step.name, type: step.type, phase: phase.name,
        tasks: tasks.length, skipped: done.length, bytes: pending.reduce((n, m) => n + m.task.bytes, 0),
      });
      if (pending.length > 0) {
        // The step's compacted sidecars no longer describe it once any of its tasks runs again.
        if (!compactionRemoved) await removeStepCompaction(runDir, stepDir);
        compactionRemoved = true;
        const outcomes = await options.executor.runPhase(pending, {
          progress: (d) => reporter.progress(d),
          taskDone: () => undefined,
          log: (m) => reporter.log(m),
        });
        if (outcomes.length !== pending.length || outcomes.some((o) => o === undefined)) {
          throw new FoxdenError('INTERNAL', `the ${options.executor.name} executor returned ${outcomes.filter((o) => o).length} outcomes for ${pending.length} tasks of step '${step.name}' phase '${phase.name}'`);
        }
        const failures: string[] = [];
        const redone: string[] = [];
        for (const o of outcomes) {
          if (!o.ok && o.error.code === 'CORRUPT_INTERMEDIATE') {
            const ownPhases: StepOutputs = { step: step.name, type: step.type, columns: [], shards: earlierPhaseShards() };
            redone.push(...(await clearProducersOfCorruptShards(runDir, [...history, ownPhases], o.error.message)));
          }
        }
        outcomes.forEach((o, i) => {
          if (o.ok) done.push(o.stats);
          else failures.push(`  ${taskLabel(pending[i]!)} (inputs: ${pending[i]!.task.inputs.join(', ') || '-'}) failed after ${o.attempts} attempt(s): [${o.error.code}] ${o.error.message}`);
        });
        tasksRun += outcomes.filter((o) => o.ok).length;
        if (options.signal?.aborted || outcomes.some((o) => !o.ok && o.error.code === 'ABORTED')) {
          throw new FoxdenError('ABORTED', 'run interrupted; completed tasks are kept, run again to resume');
        }
        if (failures.length > 0) {
          const redo = redone.length > 0 ? `\nthe task(s) that wrote the corrupt shard(s) will be redone on the next run: ${redone.join(', ')}` : '';
          throw new FoxdenError('BAD_INPUT', `step '${step.name}' phase '${phase.name}': ${failures.length} of ${tasks.length} tasks failed; the others' results are kept, fix the cause and run again to finish only what is missing:\n${failures.join('\n')}${redo}`);
        }
      }
      done.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
      phaseStats.push({ phase: phase.name, carries: phase.carriesDocuments, stats: done });
      stepStats.push(...done);
    }
    // Only phases that carry documents count toward the step's accounting.
    const counted = phaseStats.filter((p) => p.carries).flatMap((p) => p.stats);
    const summary = mergeTaskStats(step.name, step.type, counted);
    const all = mergeTaskStats(step.name, step.type, stepStats);
    summary.seconds = all.seconds;
    summary.counters = all.counters;
    // Warnings come from any phase (the curriculum's plan phase reports an accepted shortfall).
    if (all.warnings) summary.warnings = all.warnings;
    else delete summary.warnings;
    summary.tasks = stepStats.length;
    if (!summary.balanced) {
      throw new FoxdenError('ACCOUNTING', `step '${step.name}' does not balance: ${summary.documents_in} documents in, ${summary.documents_out} out, ${sumCounts(summary.dropped)} dropped; a document was lost or invented`);
    }
    if (summaries.length > 0) {
      const previous = summaries[summaries.length - 1]!;
      const carries = registered.module.phases.some((p) => p.carriesDocuments);
      if (carries && summary.documents_in !== previous.documents_out) {
        throw new FoxdenError('ACCOUNTING', `step '${step.name}' read ${summary.documents_in} documents but step '${previous.step}' passed on ${previous.documents_out}`);
      }
    }
    // Every task of the step is complete: its sidecars of the kinds the SQL views read become one
    // Parquet file per kind. Idempotent, so a crash before this line is repaired by the next run.
    await compactStepSidecars(runDir, stepDir, step.name, stepStats.flatMap((s) => s.outputs));
    reporter.stepEnd(summary);
    summaries.push(summary);
    history.push({ step: step.name, type: step.type, columns: outputColumns, shards: stepStats.flatMap((s) => s.outputs) });
    inputColumns = outputColumns;
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

/**
 * A consumer found a shard of an earlier step corrupt (its sha256 no longer matches): clear the
 * completion marker of the task that wrote it, so that the next run redoes that task (which, being
 * deterministic, writes the same bytes again) and then the consumer. Returns the tasks cleared.
 */
async function clearProducersOfCorruptShards(runDir: string, history: readonly StepOutputs[], message: string): Promise<string[]> {
  const cleared: string[] = [];
  for (const step of history) {
    for (const shard of step.shards) {
      if (!message.includes(join(runDir, shard.path)) && !message.includes(shard.path)) continue;
      const stepDir = dirname(dirname(shard.path));
      const doneDir = join(runDir, stepDir, 'done');
      for (const marker of await readdir(doneDir).catch(() => [] as string[])) {
        const stats = JSON.parse(await readFile(join(doneDir, marker), 'utf8').catch(() => '{}')) as Partial<TaskStats>;
        if (stats.outputs?.some((o) => o.path === shard.path)) {
          await rm(join(doneDir, marker), { force: true });
          cleared.push(`${step.step}/${marker.replace(/\.json$/, '')}`);
        }
      }
    }
  }
  return cleared;
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
