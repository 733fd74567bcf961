import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FoxdenError } from '@foxden/core';
import type { LoaderState } from './feed-plan.js';

/** state.json beside each checkpoint (the engine writes it; docs/trainer.md). */
export interface CheckpointState {
  format: 'foxden.checkpoint/1';
  /** Optimizer steps completed. */
  step: number;
  fingerprint: string;
  /** Where the loader goes on: the state after the last completed batch. */
  loader: LoaderState;
}

export interface Checkpoint {
  dir: string;
  state: CheckpointState;
}

const CHECKPOINT_DIR = /^step-(\d+)$/;

export function readCheckpoint(dir: string): Checkpoint {
  const file = join(dir, 'state.json');
  if (!existsSync(file)) throw new FoxdenError('BAD_INPUT', `${dir}: not a checkpoint (no state.json)`, { file: dir });
  const state = JSON.parse(readFileSync(file, 'utf8')) as CheckpointState;
  if (state.format !== 'foxden.checkpoint/1') throw new FoxdenError('BAD_INPUT', `${file}: format ${JSON.stringify(state.format)}, expected foxden.checkpoint/1`, { file });
  return { dir, state };
}

/** The newest complete checkpoint under `<out>/checkpoints` (a `.tmp` one was never renamed, so never complete), or null. */
export function latestCheckpoint(out: string): Checkpoint | null {
  const root = join(out, 'checkpoints');
  if (!existsSync(root)) return null;
  const steps = readdirSync(root)
    .map((name) => ({ name, match: CHECKPOINT_DIR.exec(name) }))
    .filter((e) => e.match && existsSync(join(root, e.name, 'state.json')))
    .sort((a, b) => Number(b.match![1]) - Number(a.match![1]));
  return steps[0] ? readCheckpoint(join(root, steps[0].name)) : null;
}
