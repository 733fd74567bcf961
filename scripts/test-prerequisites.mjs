// What a test file needs beyond the clone itself, and whether this machine has it.
// A test file declares its needs in a comment line of its own:
//   // foxden-test-needs: shared-corpus, redis
// scripts/run-tests.mjs runs a file only when all of them are there; otherwise the
// file is one skipped test whose reason says what is missing and how to get it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { resolve } from 'node:path';

/** Each prerequisite: how to check it, and the one line a user reads when it is missing. */
export function prerequisites(root) {
  return {
    'shared-corpus': {
      check: async () => existsSync(resolve(root, '../shared/corpus')),
      missing: 'needs the shared real-web corpus at ../shared/corpus (the project\'s test data, beside the clone); not there',
    },
    'extraction-dev': {
      check: async () => existsSync(resolve(root, '../shared/extraction-dev/readability-test-pages.jsonl.gz')),
      missing: 'needs the HTML extraction development set at ../shared/extraction-dev (Readability.js test pages, beside the clone); not there',
    },
    chromium: {
      check: async () => existsSync('/usr/bin/chromium'),
      missing: 'needs Chromium at /usr/bin/chromium: apt-get install chromium',
    },
    redis: {
      check: () => new Promise((done) => {
        const socket = createConnection({ host: '127.0.0.1', port: 6379 });
        const finish = (ok) => { socket.destroy(); done(ok); };
        socket.setTimeout(1000, () => finish(false));
        socket.once('connect', () => finish(true));
        socket.once('error', () => finish(false));
      }),
      missing: 'needs Redis on 127.0.0.1:6379: apt-get install redis-server (.ci/run starts one)',
    },
    torch: {
      check: async () => [process.env.FOXDEN_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)
        .some((python) => spawnSync(python, ['-c', 'import torch'], { timeout: 120_000 }).status === 0),
      missing: 'needs PyTorch: apt-get install --no-install-recommends python3-torch libopenblas0-pthread (or FOXDEN_PYTHON=<python with torch>)',
    },
  };
}

/** The needs a test file declares. */
export function declaredNeeds(file) {
  const line = /^\/\/ foxden-test-needs: (.+)$/m.exec(readFileSync(file, 'utf8'));
  return line ? line[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/**
 * Splits test files into those that can run and those that cannot (with the
 * reasons). An unknown need is an error: a typo must not skip a file quietly.
 */
export async function checkNeeds(root, files) {
  const known = prerequisites(root);
  const have = new Map();
  const runnable = [];
  const blocked = [];
  for (const file of files) {
    const reasons = [];
    for (const need of declaredNeeds(file)) {
      const p = known[need];
      if (!p) throw new Error(`${file}: unknown foxden-test-needs '${need}' (one of ${Object.keys(known).join(', ')})`);
      if (!have.has(need)) have.set(need, await p.check());
      if (!have.get(need)) reasons.push(p.missing);
    }
    if (reasons.length === 0) runnable.push(file);
    else blocked.push({ file, reasons });
  }
  return { runnable, blocked };
}
