// foxden-test-needs: torch
/**
 * `foxden train` end to end on the CPU: the real command, the feeder process,
 * the PyTorch engine (Debian's python3-torch), real curricula.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ENGINE_DIR, findPythonWithTorch, openCurriculum, planFeed } from '../../packages/trainer/src/index.ts';
import { flipByte, writeSyntheticCurriculum } from '../../packages/trainer/test/synthetic-curriculum.ts';
import { CLI, demoFixture, referenceRun, runFoxden, scratchDir } from './fixtures.ts';

interface Event { event: string; step?: number; stage?: number; loss?: number; tokens?: number; batch_sha256?: string; lr?: number; grad_norm?: number }

const events = (out: string): Event[] => readFileSync(join(out, 'metrics.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);
const steps = (out: string): Event[] => events(out).filter((e) => e.event === 'step');

let scratch: string;
before(async () => { scratch = await scratchDir('train'); });

describe('foxden train on the demo run', () => {
  it('trains the tiny preset through all three stages: stage changes at the budgets, fixed tokens per step, the loss falls; export reproduces the logits', { timeout: 900_000 }, async (t) => {
    const run = await referenceRun((await demoFixture()).pipelineFile);
    const out = join(scratch, 'demo-train');
    const STAGE_STEPS = 4;
    const result = await runFoxden(['train', run, '--preset', 'tiny', '--device', 'cpu', '--out', out, '--stage-steps', String(STAGE_STEPS), '--batch-tokens', '8192'], { timeoutMs: 800_000 });
    assert.equal(result.code, 0, result.stderr.slice(-3000));
    assert.match(result.stderr, /stage 3\/3 8k/);

    const plan = planFeed(await openCurriculum(run), { batchTokens: 8192, stageSteps: STAGE_STEPS });
    const seen = steps(out);
    assert.equal(seen.length, plan.stages.reduce((n, s) => n + s.steps, 0));
    let at = 0;
    for (const stage of plan.stages) {
      const mine = seen.slice(at, at + stage.steps);
      assert.ok(mine.every((e) => e.stage === stage.index), `steps ${at + 1}..${at + stage.steps} are stage ${stage.name}`);
      at += stage.steps;
    }
    assert.ok(seen.every((e) => e.tokens === 8192), 'every optimizer step sees the batch tokens');
    assert.deepEqual(events(out).filter((e) => e.event === 'stage_end').map((e) => e.stage), plan.stages.map((s) => s.index));
    const first = seen[0]!.loss!;
    const last = seen.at(-1)!.loss!;
    t.diagnostic(`loss ${first.toFixed(3)} -> ${last.toFixed(3)} over ${seen.length} steps`);
    assert.ok(last < first - 0.3, `loss falls (${first} -> ${last})`);

    // Export the last checkpoint as a Hugging Face folder; an independent numpy reader reproduces the engine's logits.
    const checkpoint = join(out, 'checkpoints', `step-${String(seen.length).padStart(6, '0')}`);
    const hf = join(scratch, 'hf');
    const exported = await runFoxden(['train', 'export', checkpoint, '--out', hf]);
    assert.equal(exported.code, 0, exported.stderr);
    const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config['architectures']?.toString(), 'LlamaForCausalLM');
    assert.equal(config['tie_word_embeddings'], true);
    assert.equal(config['num_key_value_heads'], 2);
    assert.equal(config['vocab_size'], 4096);
    assert.deepEqual(readFileSync(join(hf, 'tokenizer.json')), readFileSync((await demoFixture()).tokenizer));
    const torch = findPythonWithTorch();
    const check = spawnSync(torch.python, [join(ENGINE_DIR, 'tests', 'check_export.py'), hf, checkpoint, '2,17,301,4000,9,9,123,77'], {
      encoding: 'utf8', env: { ...process.env, PYTHONPATH: ENGINE_DIR, PYTHONDONTWRITEBYTECODE: '1' },
    });
    assert.equal(check.status, 0, `${check.stdout}\n${check.stderr}`);
    t.diagnostic(`export: ${check.stdout.trim()}`);
  });
});

describe('foxden train survives kill -9 of its engine', () => {
  let run: string;
  before(async () => {
    // 3, 20 and 4 steps of 1024 tokens: the engine is killed in the middle of stage 1 (steps 4..23).
    run = await writeSyntheticCurriculum(join(scratch, 'kill-run'), [
      { name: 's64', seqLen: 64, rows: 48, segments: (r) => [20 + (r % 7), 30, 64 - 50 - (r % 7)] },
      { name: 's128', seqLen: 128, rows: 160, segments: (r) => [100 - (r % 9), 28 + (r % 9)] },
      { name: 's256', seqLen: 256, rows: 16 },
    ], { tokenizer: { name: 'synthetic', vocab_size: 512, special_ids: { '<pad>': 0 }, sha256: '0'.repeat(64) } });
  });
  const train = (out: string, extra: string[] = []): string[] => ['train', run, '--preset', 'tiny', '--device', 'cpu', '--out', out, '--batch-tokens', '1024', '--checkpoint-every', '3', ...extra];

  it('resumes from the last checkpoint: the batches (by hash) and the loss curve equal an uninterrupted run', { timeout: 600_000 }, async () => {
    const reference = join(scratch, 'uninterrupted');
    const plain = await runFoxden(train(reference));
    assert.equal(plain.code, 0, plain.stderr.slice(-3000));

    const out = join(scratch, 'killed');
    const child = spawn(process.execPath, [CLI, ...train(out)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((done) => child.once('close', done));
    // Kill the engine once it is past a checkpoint (every 3 steps), mid-stage; then the feeder of the restarted engine.
    const killAt = async (file: 'engine.pid' | 'feeder.pid', step: number, after: number): Promise<number> => {
      for (let i = 0; i < 6000; i++) {
        await new Promise((r) => setTimeout(r, 20));
        if (!existsSync(join(out, 'metrics.jsonl'))) continue;
        const done = steps(out).at(-1)?.step ?? 0;
        const restarts = events(out).filter((e) => e.event === 'restart').length;
        if (done >= step && restarts === after) {
          process.kill(Number(readFileSync(join(out, file), 'utf8')), 'SIGKILL');
          return done;
        }
      }
      return 0;
    };
    const engineKilledAfter = await killAt('engine.pid', 8, 0);
    const feederKilledAfter = await killAt('feeder.pid', 14, 1);
    assert.equal(await exited, 0, stderr.slice(-3000));
    assert.ok(engineKilledAfter >= 8 && engineKilledAfter < 20, `engine killed mid-stage after step ${engineKilledAfter}`);
    assert.ok(feederKilledAfter >= 14 && feederKilledAfter < 23, `feeder killed mid-stage after step ${feederKilledAfter}`);
    assert.match(stderr, /engine was killed by SIGKILL after step \d+; restarting from checkpoint step \d+ \(restart 1 of 3\)/);
    assert.match(stderr, /engine lost its feeder \(killed by SIGKILL\) after step \d+; restarting from checkpoint step \d+ \(restart 2 of 3\)/);
    assert.equal(events(out).filter((e) => e.event === 'restart').length, 2);
    const strip = (e: Event) => ({ step: e.step, stage: e.stage, loss: e.loss, lr: e.lr, grad_norm: e.grad_norm, batch: e.batch_sha256 });
    assert.deepEqual(steps(out).map(strip), steps(reference).map(strip));
    assert.equal(steps(out).length, 3 + 20 + 4);
  });

  it('refuses to resume on changed data (another batch size) unless --allow-data-change', { timeout: 300_000 }, async () => {
    const out = join(scratch, 'uninterrupted');
    const changed = await runFoxden(train(out, ['--resume']).map((a) => (a === '1024' ? '2048' : a)));
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /other data .*pass --allow-data-change/);
    const again = await runFoxden(train(out));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already holds checkpoints .*--resume/);
  });

  it('refuses bad data before any step, naming the file', { timeout: 300_000 }, async () => {
    const bad = await writeSyntheticCurriculum(join(scratch, 'bad-run'), [{ name: 'a', seqLen: 64, rows: 16 }]);
    const shard = join(bad, 'steps/00-curriculum/stage/pack-00001.stage0.arrow');
    flipByte(shard, 300);
    const out = join(scratch, 'bad-out');
    const result = await runFoxden(['train', bad, '--preset', 'tiny', '--device', 'cpu', '--out', out]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pack-00001\.stage0\.arrow: has sha256 [0-9a-f]+, but .*stage-0-a\.json records/);
    assert.ok(!existsSync(join(out, 'metrics.jsonl')), 'nothing was trained');
    const small = await runFoxden(['train', run, '--preset', 'tiny', '--device', 'cpu', '--out', join(scratch, 'vocab-out'), '--vocab-size', '100']);
    assert.equal(small.code, 1);
    assert.match(small.stderr, /curriculum\.json: tokenizer 'synthetic' has 512 ids, more than the model's embedding of 100 rows/);
  });
});
