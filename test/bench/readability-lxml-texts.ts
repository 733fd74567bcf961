/**
 * readability-lxml's text of each page (Debian's python3-readability, through
 * peer_readability_lxml.py), for the evaluation scripts that score it beside
 * foxden's extractors on the same decoded pages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type PeerTexts =
  | { library: string; failed: number; texts: (string | null)[] }
  /** Why the peer could not run (the line to print). */
  | { missing: string };

/** Each page's text (null where the library failed on it), in the pages' order. */
export function readabilityLxmlTexts(pages: readonly string[]): PeerTexts {
  const scratch = mkdtempSync(join(tmpdir(), 'foxden-peer-'));
  try {
    const input = join(scratch, 'pages.jsonl');
    const out = join(scratch, 'texts.jsonl');
    writeFileSync(input, pages.map((html) => JSON.stringify(html)).join('\n') + '\n');
    const script = new URL('./peer_readability_lxml.py', import.meta.url).pathname;
    const run = spawnSync('/usr/bin/python3', [script, input, '0', out], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (run.status !== 0) {
      return { missing: `readability-lxml not scored (apt-get install python3-readability): ${run.stderr.trim().split('\n').pop() ?? ''}` };
    }
    const texts = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string | null);
    const peer = JSON.parse(run.stdout) as { library: string; failed_per_round: number };
    return { library: peer.library, failed: peer.failed_per_round, texts };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
