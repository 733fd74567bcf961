#!/usr/bin/env node
/**
 * The feeder as its own process (what `foxden train feed` runs), spawned by
 * the controller so batches flow from this process's stdout straight into
 * the engine's stdin, never through the controller's event loop.
 */
import { FoxdenError } from '@foxden/core';
import { feedCommand } from './feed-command.js';

try {
  process.exitCode = await feedCommand(process.argv.slice(2));
} catch (error) {
  const e = error instanceof FoxdenError ? error : FoxdenError.from(error);
  process.stderr.write(`foxden train feed: ${e.message}\n`);
  process.exitCode = 1;
}
