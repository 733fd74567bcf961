import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FoxdenError } from '@foxden/core';

/** The parts of a preset (presets/*.json) that the loader and controller use; the engine reads the rest. */
export interface Preset {
  name: string;
  file: string;
  model: { vocab_size: number | null; layers: number; hidden: number };
  train: { batch_tokens: number; micro_batch_tokens: number; checkpoint_every: number };
}

/** packages/trainer, found from this module's real path (also when loaded through node_modules). */
export const TRAINER_ROOT = join(dirname(realpathSync(fileURLToPath(import.meta.url))), '..');
export const PRESETS_DIR = join(TRAINER_ROOT, 'presets');
export const ENGINE_DIR = join(TRAINER_ROOT, 'engine');

/** A preset by name (presets/<name>.json) or by path to a copy a user changed. */
export function loadPreset(nameOrPath: string): Preset {
  const byName = join(PRESETS_DIR, `${nameOrPath}.json`);
  const file = existsSync(byName) ? byName : resolve(nameOrPath);
  if (!existsSync(file)) throw new FoxdenError('BAD_CONFIG', `no preset '${nameOrPath}': give one of tiny, fox-1.6b or the path of a preset JSON file`);
  let value: Preset;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as Preset;
  } catch (e) {
    throw new FoxdenError('BAD_CONFIG', `${file}: not JSON: ${(e as Error).message}`, { file });
  }
  for (const key of ['batch_tokens', 'micro_batch_tokens', 'checkpoint_every'] as const) {
    if (!Number.isInteger(value.train?.[key]) || value.train[key] < 1) throw new FoxdenError('BAD_CONFIG', `${file}: train.${key} must be a positive integer`, { file });
  }
  return { ...value, file };
}
