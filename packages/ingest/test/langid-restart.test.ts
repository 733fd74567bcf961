// A task thread keeps its language identifier (a fastText process) from task to task. When that
// process dies between tasks (killed for memory, say), the next task starts a new one instead of
// failing on the dead one, and so do retries.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import { InProcessExecutor, StepRegistry, loadPipeline, runPipeline } from '@foxden/pipeline';
import { nativeFastTextUsable } from '@foxden/fasttext';
import { HTTP_TYPE, httpResponse, scratchInputs, warcRecord } from './reader-kit.js';

const inputs = scratchInputs('foxden-langid-restart-');

/** This process's fastText children. */
function fastTextChildren(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, 'utf8').includes('predict-prob')) pids.push(Number(name));
    } catch {
      // ended while listed
    }
  }
  return pids;
}

const linuxNative = process.platform === 'linux' && nativeFastTextUsable();

test('a language identifier whose fastText process died is replaced for the next task', { skip: linuxNative ? false : 'needs Linux and the native fastText binary' }, async () => {
  const page = `<html><body><p>${'This is an English page about the weather and the garden. '.repeat(10)}</p></body></html>`;
  inputs.write('pages.warc', warcRecord('response', 'http://example.com/', httpResponse(['Content-Type: text/html'], Buffer.from(page)), HTTP_TYPE));
  const registry = await StepRegistry.load([import.meta.resolve('@foxden/ingest/step')]);
  const run = async (name: string) => {
    const file = inputs.write(`${name}.yaml`, `name: ${name}\ninputs: [pages.warc]\noutput: ${name}\nsteps:\n  - {name: ingest, type: ingest}\n`);
    return runPipeline(await loadPipeline(file, { registry }), registry, { executor: new InProcessExecutor() });
  };
  const first = await run('first');
  assert.equal(first.steps[0]!.documents_out, 1);
  const children = fastTextChildren();
  assert.ok(children.length >= 1, 'the identifier kept a fastText process');
  for (const pid of children) process.kill(pid, 'SIGKILL');
  const second = await run('second');
  assert.equal(second.steps[0]!.documents_out, 1);
  const now = fastTextChildren();
  assert.ok(now.length >= 1 && now.every((pid) => !children.includes(pid)), 'a new fastText process took the dead one\'s place');
});
