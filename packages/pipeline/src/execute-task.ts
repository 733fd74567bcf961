import {
  FoxdenError, assertBalanced, completeTask, taskKey, type StepContext, type StepModule, type StepPackage, type TaskContext,
  type TaskSpec, type TaskStats,
} from '@foxden/core';

/** Everything a worker (thread or queue process) needs to run one task: plain JSON. */
export interface TaskMessage {
  /** Module URL of the step package. */
  moduleUrl: string;
  context: StepContext;
  task: TaskSpec;
  /** Whether the phase counts documents (then the task must balance). */
  carriesDocuments: boolean;
}

export interface TaskHooks {
  signal: AbortSignal;
  progress(delta: { documents?: number; bytes?: number }): void;
  log(message: string): void;
}

const modules = new Map<string, Promise<StepPackage>>();

async function findStep(moduleUrl: string, type: string): Promise<StepModule<any>> {
  let pending = modules.get(moduleUrl);
  if (!pending) {
    pending = import(moduleUrl) as Promise<StepPackage>;
    modules.set(moduleUrl, pending);
  }
  const mod = await pending;
  const step = mod.steps.find((s) => s.type === type);
  if (!step) throw new FoxdenError('INTERNAL', `step type '${type}' not found in ${moduleUrl}`);
  return step;
}

/** Unique label of a task for messages and queue job ids. */
export function taskLabel(message: Pick<TaskMessage, 'context' | 'task'>): string {
  return `${message.context.stepName}/${message.context.phase}/${message.task.id}`;
}

/**
 * Runs one task and records its completion (stats, then marker). The same
 * function runs inside local worker threads and BullMQ workers, so the two
 * runners cannot drift apart.
 */
export async function executeTask(message: TaskMessage, hooks: TaskHooks): Promise<TaskStats> {
  const step = await findStep(message.moduleUrl, message.context.stepType);
  const phase = step.phases.find((p) => p.name === message.context.phase);
  if (!phase) throw new FoxdenError('INTERNAL', `step '${step.type}' has no phase '${message.context.phase}'`);
  const ctx: TaskContext = { ...message.context, signal: hooks.signal, progress: hooks.progress, log: hooks.log };
  const started = performance.now();
  let stats: TaskStats;
  try {
    stats = await phase.run(message.task, ctx);
  } catch (error) {
    throw FoxdenError.from(error);
  }
  if (hooks.signal.aborted) throw new FoxdenError('ABORTED', `task ${taskLabel(message)} aborted`);
  stats = { ...stats, step: message.context.stepName, task: taskKey(message.context.phase, message.task.id) };
  // Timing is the executor's: steps never stamp their own seconds.
  stats.seconds = (performance.now() - started) / 1000;
  if (message.carriesDocuments) assertBalanced(stats, `task ${taskLabel(message)} of step`);
  await completeTask(message.context.runDir, message.context.stepDir, message.context.phase, message.task.id, stats);
  return stats;
}
