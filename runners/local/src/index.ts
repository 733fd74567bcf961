export { WorkerPool } from './worker-pool.js';
export type { WorkerPoolOptions } from './worker-pool.js';
export { ConsoleReporter, formatBytes, formatDuration } from './progress.js';
export type { ConsoleReporterOptions } from './progress.js';
