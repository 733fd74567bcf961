import { setFlagsFromString } from 'node:v8';

/** Size, in MiB, that the V8 heap of a thread running tasks starts with. */
export const TASK_THREAD_INITIAL_HEAP_MB = 128;

/**
 * V8's tier-up budget for task threads, in bytes of bytecode run before a
 * function is considered for optimization: 6x V8's default (67,584 in
 * Node 20).
 */
export const TASK_THREAD_INTERRUPT_BUDGET = 409_600;

let configured = false;

/**
 * Sets V8 up for the worker threads that run tasks: their heap's starting
 * size and the tier-up budget. Call it before the runner creates them: V8
 * reads the heap setting when a thread's isolate is made, so threads made
 * earlier (this one included) keep the heap they have.
 *
 * Why the heap: a task keeps little on its heap (a few batches of rows) while it
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
  // Why a larger tier-up budget: V8's default optimizes early, which suits
  // code that must get fast within a page load. Every task thread is its own
  // isolate that warms up alone, and on diverse web pages its optimized code
  // keeps meeting shapes it has not seen (deoptimize, recompile): TurboFan
  // took 17.7% of all CPU samples of an ingest run, on V8's helper threads,
  // which share the cores with the task threads. With 6x the budget, only
  // code that stays hot is compiled: on 8 copies of the shared corpus, the
  // helper threads' CPU fell from 4.3 to 3.0 s with 2 workers (3.1 to 2.3 s
  // with 1), the task threads' own CPU did not grow, and 2 workers finished
  // 9% sooner (docs/benchmarks.md). The setting is process-wide and read as
  // code runs, so it applies to threads made earlier too.
  setFlagsFromString(`--interrupt-budget=${TASK_THREAD_INTERRUPT_BUDGET}`);
}
