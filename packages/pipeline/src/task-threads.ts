import { setFlagsFromString } from 'node:v8';

/** Size, in MiB, that the V8 heap of a thread running tasks starts with. */
export const TASK_THREAD_INITIAL_HEAP_MB = 128;

let configured = false;

/**
 * Sizes the V8 heap of the worker threads that run tasks. Call it before the
 * runner creates them: V8 reads the setting when a thread's isolate is made,
 * so threads made earlier (this one included) keep what they have.
 *
 * Why: a task keeps little on its heap (a few batches of rows) while it
 * streams large ArrayBuffers (Arrow batches, fastText input) through it.
 * V8 gives a small heap an old-generation limit so close to its live size
 * that incremental marking starts again almost as soon as a collection
 * ends: 5-7 full collections per 41 MB quality-classifier task, with the
 * marking threads they keep busy. Starting the heap at 128 MiB cuts that to
 * 1-2 and the task's own CPU time by about 15% (measured on the quality
 * benchmark, which runs the step the way the runners do). The cost: a
 * thread may hold up to that much garbage between full collections.
 */
export function configureTaskThreads(): void {
  if (configured) return;
  configured = true;
  setFlagsFromString(`--initial-heap-size=${TASK_THREAD_INITIAL_HEAP_MB}`);
}
