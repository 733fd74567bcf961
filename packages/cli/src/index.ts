export { runCommand } from './run-command.js';
export { inspectCommand, inspectRun, inspectShard } from './inspect-command.js';
export { STEP_PACKAGES, stepPackageUrls } from './step-packages.js';
