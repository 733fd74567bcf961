import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Removes the `*.tmp-<pid>-<n>` files (see temporaryPath) under a run's
 * steps. Called once every task is complete, when any such file can only be
 * left by a crashed attempt. Returns how many were removed.
 */
export async function removeTemporaryFiles(runDir: string): Promise<number> {
  const entries = await readdir(join(runDir, 'steps'), { recursive: true, withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (entry.isFile() && /\.tmp-\d+-\d+$/.test(entry.name)) {
      await rm(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name), { force: true });
      removed += 1;
    }
  }
  return removed;
}
