/**
 * Ctrl-C and crashes: `foxden run` of the demo pipeline interrupted by SIGINT
 * mid-run exits 130 and says how to resume, leaves no temporary files, and a
 * second `foxden run` finishes the job, skipping completed tasks, with outputs
 * byte-identical to an uninterrupted run. The same after SIGKILL (a crash).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, REPO_ROOT, demoFixture, referenceRun, runFoxden, scratchDir } from './fixtures.js';
import { compareRuns, readMarkers, readSummary, temporaryFiles } from './run-dir.js';

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Starts `foxden run`, waits until its progress output on stderr matches
 * `when` and then until `ready()` holds (polled), sends `signal`, and waits
 * for the process to end. The run gets a process group of its own and the
 * signal goes to the whole group, as a terminal's Ctrl-C does: its child
 * processes (fastText) get it too.
 */
function runAndStop(args: string[], when: RegExp, signal: NodeJS.Signals, ready: (stderr: string) => Promise<boolean> = async () => true): Promise<Stopped & { sent: boolean }> {
  const env = { ...process.env };
  delete env['FOXDEN_DEBUG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stderr = '';
    let sent = false;
    let polling = false;
    let exited = false;
    const poll = async () => {
      while (!exited && !sent) {
        if (await ready(stderr)) {
          sent = true;
          process.kill(-child.pid!, signal);
          return;
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    child.stdout.resume();
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (!polling && when.test(stderr)) {
        polling = true;
        void poll();
      }
    });
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      exited = true;
      clearTimeout(timer);
      resolve({ code, signal: sig, stderr, sent });
    });
  });
}

/** Progress line of the 4th step (language filter) starting: ingest and both dedup steps are complete. */
const MID_RUN = /^\[4\/11\] language/m;

test('Ctrl-C stops the run with exit 130, no temporary files, and a re-run resumes to identical outputs', async () => {
  const demo = await demoFixture();
  const reference = await referenceRun(demo.pipelineFile);
  const dir = await scratchDir('sigint');
  const runDir = join(dir, 'run');

  const stopped = await runAndStop(['run', demo.pipelineFile, '--out', runDir, '--workers', '2'], MID_RUN, 'SIGINT');
  assert.ok(stopped.sent, `the run ended before reaching the language step:\n${stopped.stderr.slice(-2000)}`);
  assert.equal(stopped.code, 130, `exit ${stopped.code ?? stopped.signal}:\n${stopped.stderr.slice(-2000)}`);
  assert.match(stopped.stderr, /run again to resume/);
  assert.doesNotMatch(stopped.stderr, /^\s+at .+[:(]/m, 'stack trace on Ctrl-C');
  assert.deepEqual(await temporaryFiles(runDir), []);
  assert.ok(!existsSync(join(runDir, 'summary.json')), 'an interrupted run must not write summary.json');
  const completed = (await readMarkers(runDir)).length;
  assert.ok(completed > 0, 'no task completed before Ctrl-C');

  const resumed = await runFoxden(['run', demo.pipelineFile, '--out', runDir, '--workers', '2']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  const summary = await readSummary(runDir);
  assert.equal(summary.tasks_skipped, completed, 'the re-run must skip exactly the tasks completed before Ctrl-C');
  assert.ok(summary.tasks_run > 0);
  assert.match(resumed.stderr, /already complete/);
  assert.deepEqual(await compareRuns(reference, runDir), []);
  assert.deepEqual(await temporaryFiles(runDir), []);
  await rm(dir, { recursive: true, force: true });
});

test('after SIGKILL (a crash) mid-run, a re-run completes with outputs identical to an uninterrupted run', async () => {
  const demo = await demoFixture();
  const reference = await referenceRun(demo.pipelineFile);
  const dir = await scratchDir('sigkill');
  const runDir = join(dir, 'run');

  // Killed in the middle of ingest: one task complete, others writing their shards
  // (or, should ingest outrun the polling, early in the next steps).
  const midIngest = async (stderr: string) =>
    /^\[3\/11\]/m.test(stderr) || ((await readMarkers(runDir).catch(() => [])).length > 0 && (await temporaryFiles(runDir)).length > 0);
  const killed = await runAndStop(['run', demo.pipelineFile, '--out', runDir, '--workers', '2'], /^\[1\/11\] ingest/m, 'SIGKILL', midIngest);
  assert.ok(killed.sent, `the run ended before it could be killed:\n${killed.stderr.slice(-2000)}`);
  assert.equal(killed.signal, 'SIGKILL');
  const completed = (await readMarkers(runDir)).length;
  assert.ok(completed > 0);

  const resumed = await runFoxden(['run', demo.pipelineFile, '--out', runDir, '--workers', '2']);
  assert.equal(resumed.code, 0, resumed.stderr.slice(-3000));
  const summary = await readSummary(runDir);
  assert.equal(summary.tasks_skipped, completed, 'the re-run must skip exactly the tasks completed before the crash');
  assert.deepEqual(await compareRuns(reference, runDir), []);
  const leftovers = await temporaryFiles(runDir);
  await rm(dir, { recursive: true, force: true });
  // A resumed run leaves the run directory as an uninterrupted run would: the
  // crashed attempt's half-written files (renamed into place only when complete) are removed.
  assert.deepEqual(leftovers, [], 'temporary files of the crashed run are left in the run directory');
});
