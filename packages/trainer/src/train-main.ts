#!/usr/bin/env node
/**
 * `foxden train` on its own (what a GPU machine without the whole CLI runs,
 * bundled by scripts/gpu-bench/prepare.mjs): the same command and exit codes.
 */
import { FoxdenError } from '@foxden/core';
import { trainCommand } from './train-command.js';

try {
  process.exitCode = await trainCommand(process.argv.slice(2));
} catch (error) {
  const e = error instanceof FoxdenError ? error : FoxdenError.from(error);
  process.stderr.write(`foxden train: ${e.message}\n`);
  process.exitCode = 1;
}
