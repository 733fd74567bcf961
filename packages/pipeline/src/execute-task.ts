import { writeFileSync } from 'node:fs';
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

/**
 * The name the threads that run tasks carry on Linux (`top -H`, `ps -L`,
 * /proc/<pid>/task/<tid>/comm), where every thread of a Node process is
 * otherwise called "node": a user watching a run, or a benchmark splitting
 * its CPU time, tells task threads from V8's and libuv's helper threads by it.
 */
export const TASK_THREAD_NAME = 'foxden-task';

/**
 * Names the calling thread TASK_THREAD_NAME where the system allows it
 * (Linux); elsewhere, or if it fails, nothing happens: the name is a
 * convenience. Call it from the entry of a thread that runs tasks, never on a
 * process's main thread.
 */
export function nameTaskThread(): void {
  if (process.platform !== 'linux') return;
  try {
    writeFileSync('/proc/thread-self/comm', TASK_THREAD_NAME);
  } catch {
    // No /proc (a container without it): the thread keeps Node's name.
  }
}

const modules = new Map<string, Promise<StepPackage>>();

/** The step package at `moduleUrl`, imported once per thread. */
function stepPackage(moduleUrl: string): Promise<StepPackage> {
  let pending = modules.get(moduleUrl);
  if (!pending) {
    pending = import(moduleUrl) as Promise<StepPackage>;
    modules.set(moduleUrl, pending);
  }
  return pending;
}

/**
 * Imports the step packages at `moduleUrls` into this thread, one after
 * another, ahead of the tasks that will need them: a runner calls it while
 * its thread has nothing else to do. A task that arrives meanwhile waits for
 * the import already under way rather than starting its own. Errors are left
 * to that task: a package that fails to load fails the first task that needs
 * it, with the error it would give without preloading.
 */
export async function preloadStepPackages(moduleUrls: readonly string[]): Promise<void> {
  for (const url of moduleUrls) await stepPackage(url).catch(() => undefined);
}

async function findStep(moduleUrl: string, type: string): Promise<StepModule<any>> {
  const mod = await stepPackage(moduleUrl);
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
