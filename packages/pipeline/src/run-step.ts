import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  FoxdenError, clearTask, mergeTaskStats, readCompletedTask, readStepMarkers, sumCounts,
  type ErrorRecord, type StepContext, type StepOutputs, type StepSummary, type TaskStats,
} from '@foxden/core';
import { removeStepCompaction } from '@foxden/shards';
import { taskLabel, type TaskMessage } from './execute-task.js';
import type { RegisteredStep } from './registry.js';
import type { RunReporter, TaskExecutor } from './run-pipeline.js';

export interface RunStepOptions {
  executor: TaskExecutor;
  /** Redo tasks even when their completion marker exists. Default false. */
  force?: boolean;
  signal?: AbortSignal;
  reporter?: RunReporter;
  /** Steps in the pipeline, for the reporter. Default: this step is the last. */
  stepCount?: number;
}

export interface StepRun {
  /** The step's funnel: the phases that carry documents, with every phase's counters, warnings, seconds and tasks. Balanced. */
  summary: StepSummary;
  /** Stats of every task, phase by phase, each phase's in task order. */
  phases: { phase: string; carriesDocuments: boolean; stats: TaskStats[] }[];
  /** What later steps see of this one. */
  outputs: StepOutputs;
  tasksRun: number;
  tasksSkipped: number;
}

/** A reporter that ignores everything. */
export const silentReporter: RunReporter = { stepStart() {}, progress() {}, stepEnd() {}, log() {} };

/**
 * Runs one step, phase by phase, through an executor: plans each phase's tasks,
 * skips those whose marker exists, hands the rest to the executor, and merges
 * the stats of every task into the step's summary, which must balance. `base`
 * is the step's context (its phase is set per phase). The orchestrator runs
 * each step of a pipeline with it; package tests run one step over shards
 * they wrote themselves.
 */
export async function runStep(step: RegisteredStep, base: StepContext, options: RunStepOptions): Promise<StepRun> {
  const reporter = options.reporter ?? silentReporter;
  const { module } = step;
  const { runDir, stepDir, stepName, stepType } = base;
  // Again with the earlier steps' outputs, for checks that need them (mixed tokenizers).
  if (module.validate) await module.validate({ ...base, phase: '', phaseOutputs: [] });
  const phases: StepRun['phases'] = [];
  const earlierPhaseShards = () => phases.flatMap((p) => p.stats.flatMap((s) => s.outputs));
  let tasksRun = 0;
  let tasksSkipped = 0;
  let compactionRemoved = false;
  for (const phase of module.phases) {
    if (options.signal?.aborted) throw new FoxdenError('ABORTED', 'run interrupted');
    const ctx: StepContext = { ...base, phase: phase.name, phaseOutputs: earlierPhaseShards() };
    const tasks = await phase.plan(ctx);
    const ids = new Set<string>();
    for (const t of tasks) {
      if (ids.has(t.id)) throw new FoxdenError('INTERNAL', `step '${stepName}' phase '${phase.name}' planned task id '${t.id}' twice`);
      ids.add(t.id);
    }
    const done: TaskStats[] = [];
    const pending: TaskMessage[] = [];
    for (const task of tasks) {
      if (options.force) await clearTask(runDir, stepDir, phase.name, task.id);
      const completed = options.force ? null : await readCompletedTask(runDir, stepDir, phase.name, task.id);
      if (completed) done.push(completed);
      else pending.push({ moduleUrl: step.moduleUrl, context: ctx, task, carriesDocuments: phase.carriesDocuments });
    }
    tasksSkipped += done.length;
    reporter.stepStart({
      index: base.stepIndex, total: options.stepCount ?? base.stepIndex + 1, step: stepName, type: stepType, phase: phase.name,
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
        throw new FoxdenError('INTERNAL', `the ${options.executor.name} executor returned ${outcomes.filter((o) => o).length} outcomes for ${pending.length} tasks of step '${stepName}' phase '${phase.name}'`);
      }
      const failures: string[] = [];
      const errors: ErrorRecord[] = [];
      const redone: string[] = [];
      for (const o of outcomes) {
        if (!o.ok && o.error.code === 'CORRUPT_INTERMEDIATE' && o.error.file !== undefined) {
          const ownPhases: StepOutputs = { step: stepName, type: stepType, columns: [], shards: earlierPhaseShards() };
          redone.push(...(await clearProducerOfCorruptFile(runDir, [...base.history, ownPhases], o.error.file)));
        }
      }
      outcomes.forEach((o, i) => {
        if (o.ok) done.push(o.stats);
        else {
          errors.push(o.error);
          failures.push(`  ${taskLabel(pending[i]!)} (inputs: ${pending[i]!.task.inputs.join(', ') || '-'}) failed after ${o.attempts} attempt(s): [${o.error.code}] ${o.error.message}`);
        }
      });
      tasksRun += outcomes.filter((o) => o.ok).length;
      if (options.signal?.aborted || errors.some((e) => e.code === 'ABORTED')) {
        throw new FoxdenError('ABORTED', 'run interrupted; completed tasks are kept, run again to resume');
      }
      const first = errors[0];
      if (first) {
        const redo = redone.length > 0 ? `\nthe task(s) that wrote the corrupt shard(s) will be redone on the next run: ${[...new Set(redone)].join(', ')}` : '';
        // The step fails with the first failed task's own code (and its file when it is the only failure), never relabelled.
        throw new FoxdenError(first.code, `step '${stepName}' phase '${phase.name}': ${failures.length} of ${tasks.length} tasks failed; the others' results are kept, fix the cause and run again to finish only what is missing:\n${failures.join('\n')}${redo}`, {
          ...(errors.length === 1 && first.file !== undefined ? { file: first.file } : {}),
          ...(errors.length === 1 && first.offset !== undefined ? { offset: first.offset } : {}),
        });
      }
    }
    done.sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
    phases.push({ phase: phase.name, carriesDocuments: phase.carriesDocuments, stats: done });
  }
  const stepStats = phases.flatMap((p) => p.stats);
  // Only phases that carry documents count toward the step's accounting.
  const summary = mergeTaskStats(stepName, stepType, phases.filter((p) => p.carriesDocuments).flatMap((p) => p.stats));
  const all = mergeTaskStats(stepName, stepType, stepStats);
  summary.seconds = all.seconds;
  summary.counters = all.counters;
  // Warnings come from any phase (the curriculum's plan phase reports an accepted shortfall).
  if (all.warnings) summary.warnings = all.warnings;
  else delete summary.warnings;
  summary.tasks = stepStats.length;
  if (!summary.balanced) {
    throw new FoxdenError('ACCOUNTING', `step '${stepName}' does not balance: ${summary.documents_in} documents in, ${summary.documents_out} out, ${sumCounts(summary.dropped)} dropped; a document was lost or invented`);
  }
  const outputs: StepOutputs = { step: stepName, type: stepType, columns: module.outputColumns(base.inputColumns, base.params), shards: stepStats.flatMap((s) => s.outputs) };
  return { summary, phases, outputs, tasksRun, tasksSkipped };
}

/**
 * A consumer found a file of an earlier step corrupt (a shard whose sha256 no longer matches, its
 * sidecar, an intermediate file): the error names it in its `file` field. Clears the completion
 * marker of the task that wrote it, so that the next run redoes that task (which, being
 * deterministic, writes the same bytes again) and then the consumer. Returns the tasks cleared.
 */
async function clearProducerOfCorruptFile(runDir: string, history: readonly StepOutputs[], file: string): Promise<string[]> {
  // `file` is the path the consumer opened (under runDir) or a run-relative one.
  const names = (path: string) => path === file || resolve(runDir, path) === resolve(file);
  const cleared: string[] = [];
  for (const step of history) {
    for (const shard of step.shards) {
      if (!names(shard.path) && !(shard.sidecar && names(shard.sidecar.path))) continue;
      const stepDir = dirname(dirname(shard.path));
      for (const marker of await readStepMarkers(runDir, stepDir)) {
        if (marker.stats.outputs.some((o) => o.path === shard.path)) {
          await rm(join(runDir, marker.path), { force: true });
          cleared.push(`${step.step}/${marker.key}`);
        }
      }
    }
  }
  return cleared;
}
