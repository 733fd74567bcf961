import type { TaskMessage } from './execute-task.js';

/**
 * The order in which an executor should start a phase's tasks: largest input
 * first (ties in plan order). A crawl's files differ in size by orders of
 * magnitude; started in plan order, the biggest file may come last and keep
 * one worker busy while the others idle. Largest first bounds that tail by
 * the largest task instead (LPT scheduling). Only the start order changes:
 * each task writes its own outputs and outcomes stay in plan order, so the
 * run's bytes do not depend on it.
 */
export function largestFirst(messages: readonly Pick<TaskMessage, 'task'>[]): number[] {
  return messages.map((_, i) => i).sort((a, b) => messages[b]!.task.bytes - messages[a]!.task.bytes || a - b);
}
