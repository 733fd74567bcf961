// foxden-test-needs: torch
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { ENGINE_DIR, findPythonWithTorch } from '../src/index.ts';

// The engine's own suite (python unittest): attention backends against a full-mask
// reference, document isolation, chunked cross-entropy, the feed reader, bit-exact
// checkpoint resume, export with an independent numpy reader, presets.
it('the PyTorch engine passes its unit tests', (t) => {
  const torch = findPythonWithTorch();
  const run = spawnSync(torch.python, ['-m', 'unittest', 'discover', '-s', 'tests'], {
    cwd: ENGINE_DIR, encoding: 'utf8', timeout: 600_000, env: { ...process.env, PYTHONPATH: ENGINE_DIR, PYTHONDONTWRITEBYTECODE: '1' },
  });
  const summary = run.stderr.split('\n').filter((l) => /^(Ran|OK|FAILED)/.test(l)).join('; ');
  t.diagnostic(`engine unittest (torch ${torch.torchVersion}): ${summary}`);
  assert.equal(run.status, 0, run.stderr.slice(-4000));
});
