import { spawnSync } from 'node:child_process';
import { FoxdenError } from '@foxden/core';

export interface PythonWithTorch {
  python: string;
  torchVersion: string;
}

/** The version of torch `python` imports, or null (no such interpreter, or no torch). */
function torchVersionOf(python: string): string | null {
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 120_000 });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/**
 * The interpreter that runs the engine: `explicit` (--python), else
 * FOXDEN_PYTHON, else the first of `python3` on PATH and the system's own
 * /usr/bin/python3 that imports torch. The order matters where `python3` is a
 * pyenv shim: Debian's python3-torch belongs to the system interpreter.
 */
export function findPythonWithTorch(explicit?: string): PythonWithTorch {
  const chosen = explicit ?? process.env['FOXDEN_PYTHON'];
  if (chosen) {
    const version = torchVersionOf(chosen);
    if (version === null) throw new FoxdenError('BAD_CONFIG', `PyTorch is not importable by ${chosen} (given by ${explicit ? '--python' : 'FOXDEN_PYTHON'}); install it there (pip install torch) or point at an interpreter that has it`);
    return { python: chosen, torchVersion: version };
  }
  const tried: string[] = [];
  for (const candidate of ['python3', '/usr/bin/python3']) {
    tried.push(candidate);
    const version = torchVersionOf(candidate);
    if (version !== null) return { python: candidate, torchVersion: version };
  }
  throw new FoxdenError('BAD_CONFIG', `PyTorch is not importable by ${tried.join(' nor ')}; install it (Debian: apt-get install --no-install-recommends python3-torch; elsewhere: pip install torch), or give --python / FOXDEN_PYTHON`);
}
