import type { ErrorRecord } from '@foxden/core';
import type { TaskMessage } from '@foxden/pipeline';

/**
 * The data of a task's BullMQ job: the task message, and the error of its
 * last failed attempt, which the processor writes before it fails the job.
 * The coordinator reads the failure's code and file from here as fields; the
 * job's `failedReason` (`[CODE] message`) is the same error in words, for
 * `foxden status` and the dashboard.
 */
export interface TaskJobData extends TaskMessage {
  failure?: ErrorRecord;
}
