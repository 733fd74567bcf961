import type { TestContext } from 'node:test';
import { findPythonWithTorch, type PythonWithTorch } from '../src/index.ts';

let found: PythonWithTorch | null | undefined;

/**
 * The interpreter with PyTorch, or null after marking the test skipped with
 * one line saying what is missing and how to get it. Under
 * FOXDEN_TEST_STRICT=1 (CI) a missing torch fails the test instead.
 */
export function torchOrSkip(t: TestContext): PythonWithTorch | null {
  if (found === undefined) {
    try {
      found = findPythonWithTorch();
    } catch {
      found = null;
    }
  }
  if (found) return found;
  const message = 'PyTorch missing: apt-get install --no-install-recommends python3-torch (Debian), or set FOXDEN_PYTHON to an interpreter with torch';
  if (process.env['FOXDEN_TEST_STRICT'] === '1') throw new Error(`${message} (FOXDEN_TEST_STRICT=1: prerequisites may not be skipped)`);
  t.skip(message);
  return null;
}
