import {
  FoxdenError, clearTask, compareText, mergeTaskStats, readCompletedTask, sumCounts,
  type ErrorRecord, type StepContext, type StepOutputs, type StepPhase, type StepSummary, type TaskStats,
} from '@foxden/core';
import { preloadCompaction, removeStepCompaction } from '@foxden/shards';
import { taskLabel, type TaskMessage } from './execute-task.js';
import { clearProducerOfCorruptFile } from './recover-corrupt.js';
import type { RegisteredStep } from './registry.js';
import type { RunReporter, TaskExecutor, TaskOutcome } from './run-pipeline.js';

export interface RunStepOptions {
  executor: TaskExecutor;
  /** Redo tasks even when their completion marker exists. Default false. */
  force?: boolean;
  signal?: AbortSignal;
  reporter?: RunReporter;
  /** Steps in the pipeline, for the reporter. Default: this step is the last. */
  stepCount?: number;
}

/** The tasks of one phase: those already complete (their stats read back) and those to run. */
interface PhasePlan {
  planned: number;
  done: TaskStats[];
  pending: TaskMessage[];
}

/** A phase's completed tasks, in task order. */
type PhaseResult = { phase: string; carriesDocuments: boolean; stats: TaskStats[] };

export interface StepRun {
  /** The step's funnel: the phases that carry documents, with every phase's counters, warnings, seconds and tasks. Balanced. */
  summary: StepSummary;
  /** Stats of every task, phase by phase, each phase's in task order. */
  phases: PhaseResult[];
  /** What later steps see of this one. */
  outputs: StepOutputs;
  tasksRun: number;
  tasksSkipped: number;
}

/** A reporter that ignores everything. */
export const silentReporter: RunReporter = { stepStart() {}, progress() {}, stepEnd() {}, log() {} };

/**
 * Runs one step, phase by phase, through an executor: plans each phase's tasks
 * (skipping those whose marker exists), dispatches the rest to the executor,
 * and accounts the stats of every task into the step's summary, which must
 * balance. `base` is the step's context (its phase is set per phase). The
 * orchestrator runs each step of a pipeline with it; package tests run one
 * step over shards they wrote themselves.
 */
export async function runStep(step: RegisteredStep, base: StepContext, options: RunStepOptions): Promise<StepRun> {
  const reporter = options.reporter ?? silentReporter;
  const { module } = step;
  // Again with the earlier steps' outputs, for checks that need them (mixed tokenizers).
  if (module.validate) await module.validate({ ...base, phase: '', phaseOutputs: [] });
  const phases: PhaseResult[] = [];
  let tasksRun = 0;
  let tasksSkipped = 0;
  let compactionRemoved = false;
  for (const phase of module.phases) {
    if (options.signal?.aborted) throw new FoxdenError('ABORTED', 'run interrupted');
    const ctx: StepContext = { ...base, phase: phase.name, phaseOutputs: shardsOf(phases) };
    const plan = await planPhase(step, phase, ctx, options.force ?? false);
    tasksSkipped += plan.done.length;
    reporter.stepStart({
      index: base.stepIndex, total: options.stepCount ?? base.stepIndex + 1, step: base.stepName, type: base.stepType, phase: phase.name,
      tasks: plan.planned, skipped: plan.done.length, bytes: plan.pending.reduce((n, m) => n + m.task.bytes, 0),
    });
    if (plan.pending.length > 0) {
      // The step's compacted sidecars no longer describe it once any of its tasks runs again.
      if (!compactionRemoved) await removeStepCompaction(base.runDir, base.stepDir);
      compactionRemoved = true;
      const ran = await dispatchPhase(plan, ctx, options, reporter);
      plan.done.push(...ran);
      tasksRun += ran.length;
    }
    plan.done.sort((a, b) => compareText(a.task, b.task));
    phases.push({ phase: phase.name, carriesDocuments: phase.carriesDocuments, stats: plan.done });
  }
  const summary = accountStep(base, phases);
  const outputs: StepOutputs = {
    step: base.stepName, type: base.stepType, columns: module.outputColumns(base.inputColumns, base.params),
    shards: shardsOf(phases),
  };
  return { summary, phases, outputs, tasksRun, tasksSkipped };
}

/** Every output the phases' tasks wrote, phase by phase, each phase's in task order. */
function shardsOf(phases: readonly PhaseResult[]) {
  return phases.flatMap((p) => p.stats.flatMap((s) => s.outputs));
}

/** Plans one phase: its tasks (ids unique), split into those complete (marker present, unless forced) and those to run. */
async function planPhase(step: RegisteredStep, phase: StepPhase, ctx: StepContext, force: boolean): Promise<PhasePlan> {
  const tasks = await phase.plan(ctx);
  const ids = new Set<string>();
  for (const t of tasks) {
    if (ids.has(t.id)) throw new FoxdenError('INTERNAL', `step '${ctx.stepName}' phase '${phase.name}' planned task id '${t.id}' twice`);
    ids.add(t.id);
  }
  const plan: PhasePlan = { planned: tasks.length, done: [], pending: [] };
  for (const task of tasks) {
    if (force) await clearTask(ctx.runDir, ctx.stepDir, phase.name, task.id);
    const completed = force ? null : await readCompletedTask(ctx.runDir, ctx.stepDir, phase.name, task.id);
    if (completed) plan.done.push(completed);
    else plan.pending.push({ moduleUrl: step.moduleUrl, context: ctx, task, carriesDocuments: phase.carriesDocuments });
  }
  return plan;
}

/**
 * Hands a phase's pending tasks to the executor and returns their stats. When
 * any failed, throws with the first failure's own code (never relabelled), after
 * clearing the markers of the tasks that wrote a file a task found corrupt.
 */
async function dispatchPhase(plan: PhasePlan, ctx: StepContext, options: RunStepOptions, reporter: RunReporter): Promise<TaskStats[]> {
  const { pending } = plan;
  const running = options.executor.runPhase(pending, {
    progress: (d) => reporter.progress(d),
    taskDone: () => undefined,
    log: (m) => reporter.log(m),
  });
  // The tasks are handed out; while this thread waits for them it loads what the step's compaction will need.
  preloadCompaction();
  const outcomes = await running;
  if (outcomes.length !== pending.length || outcomes.some((o) => o === undefined)) {
    throw new FoxdenError('INTERNAL', `the ${options.executor.name} executor returned ${outcomes.filter((o) => o).length} outcomes for ${pending.length} tasks of step '${ctx.stepName}' phase '${ctx.phase}'`);
  }
  const failed = outcomes.flatMap((o, i) => (o.ok ? [] : [{ outcome: o, message: pending[i]! }]));
  if (failed.length === 0) return outcomes.map((o) => (o as Extract<TaskOutcome, { ok: true }>).stats);
  const errors = failed.map((f) => f.outcome.error);
  const redone = await recoverCorruptInputs(ctx, errors);
  if (options.signal?.aborted || errors.some((e) => e.code === 'ABORTED')) {
    throw new FoxdenError('ABORTED', 'run interrupted; completed tasks are kept, run again to resume');
  }
  const first = errors[0]!;
  const lines = failed.map(({ outcome, message }) => `  ${taskLabel(message)} (inputs: ${message.task.inputs.join(', ') || '-'}) failed after ${outcome.attempts} attempt(s): [${outcome.error.code}] ${outcome.error.message}`);
  const redo = redone.length > 0 ? `\nthe task(s) that wrote the corrupt shard(s) will be redone on the next run: ${redone.join(', ')}` : '';
  // The step fails with the first failed task's own code (and its file when it is the only failure), never relabelled.
  throw new FoxdenError(first.code, `step '${ctx.stepName}' phase '${ctx.phase}': ${failed.length} of ${plan.planned} tasks failed; the others' results are kept, fix the cause and run again to finish only what is missing:\n${lines.join('\n')}${redo}`, {
    ...(errors.length === 1 && first.file !== undefined ? { file: first.file } : {}),
    ...(errors.length === 1 && first.offset !== undefined ? { offset: first.offset } : {}),
  });
}

/** For each CORRUPT_INTERMEDIATE failure naming a file, clears the marker of the task (of an earlier step or phase) that wrote it. */
async function recoverCorruptInputs(ctx: StepContext, errors: readonly ErrorRecord[]): Promise<string[]> {
  const ownPhases: StepOutputs = { step: ctx.stepName, type: ctx.stepType, columns: [], shards: ctx.phaseOutputs };
  const cleared: string[] = [];
  for (const e of errors) {
    if (e.code === 'CORRUPT_INTERMEDIATE' && e.file !== undefined) cleared.push(...(await clearProducerOfCorruptFile(ctx.runDir, [...ctx.history, ownPhases], e.file)));
  }
  return [...new Set(cleared)];
}

/**
 * The step's summary from its tasks' stats: documents in and out and drops from
 * the phases that carry documents; counters, seconds, warnings and the task
 * count from every phase (the curriculum's plan phase reports an accepted
 * shortfall). Throws ACCOUNTING when the step does not balance.
 */
function accountStep(base: StepContext, phases: readonly PhaseResult[]): StepSummary {
  const every = phases.flatMap((p) => p.stats);
  const summary = mergeTaskStats(base.stepName, base.stepType, phases.filter((p) => p.carriesDocuments).flatMap((p) => p.stats));
  const all = mergeTaskStats(base.stepName, base.stepType, every);
  summary.seconds = all.seconds;
  summary.counters = all.counters;
  if (all.warnings) summary.warnings = all.warnings;
  else delete summary.warnings;
  summary.tasks = every.length;
  if (!summary.balanced) {
    throw new FoxdenError('ACCOUNTING', `step '${base.stepName}' does not balance: ${summary.documents_in} documents in, ${summary.documents_out} out, ${sumCounts(summary.dropped)} dropped; a document was lost or invented`);
  }
  return summary;
}
