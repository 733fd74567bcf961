import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { FoxdenError } from '@foxden/core';
import { latestCheckpoint, type Checkpoint } from './checkpoints.js';
import type { OpenedCurriculum } from './curriculum-input.js';
import { checkStart, type FeedPlan } from './feed-plan.js';
import { ENGINE_DIR, TRAINER_ROOT, type Preset } from './presets.js';
import { TrainProgress, type StepEvent } from './train-progress.js';

export interface TrainOptions {
  curriculum: OpenedCurriculum;
  plan: FeedPlan;
  preset: Preset;
  python: string;
  out: string;
  device: 'cpu' | 'cuda';
  /** The model's embedding rows, agreed by feeder and engine. */
  vocabSize: number;
  resume: boolean;
  /** Stop after this many optimizer steps in all (smoke runs); null trains every stage to its budget. */
  steps: number | null;
  checkpointEvery: number;
  microBatchTokens: number;
  maxRestarts: number;
  allowDataChange: boolean;
  /** Extra engine flags (--compile, --attention X, --peak-tflops X). */
  engineArgs: string[];
  log?: NodeJS.WriteStream;
}

export interface TrainResult {
  steps: number;
  restarts: number;
  lastLoss: number | null;
  checkpoint: string | null;
  metrics: string;
}

/** Engine exit codes that a restart cannot fix (docs/trainer.md). */
const FATAL_ENGINE_CODES: Record<number, string> = { 2: 'bad configuration', 3: 'out of memory at the pre-flight step', 4: 'no PyTorch' };

const FEED_MAIN = join(TRAINER_ROOT, 'dist', 'feed-main.js');

/**
 * glibc's allocator for the engine on the CPU: keep freed blocks in the heap.
 * Tensors of tens of MB come and go every micro-batch; by default each is
 * mapped fresh and unmapped on free, page-faulting the working set every step
 * (tiny preset at 2K: 3.3k tokens/s without, 5.7k with, on 2 cores).
 */
const CPU_MALLOC_ENV = { MALLOC_MMAP_THRESHOLD_: String(16 << 30), MALLOC_TRIM_THRESHOLD_: String(16 << 30), MALLOC_TOP_PAD_: String(1 << 30) };
const STDERR_TAIL = 30;

interface Attempt {
  code: number | null;
  signal: NodeJS.Signals | null;
  feederError: string | null;
  /** The feeder was killed (not by us) while the engine still ran: the engine's feed error is not its own. */
  feederKilled: NodeJS.Signals | null;
  lastStep: StepEvent | null;
}

/**
 * Runs a training: spawns the feeder (`foxden train feed`, a Node process)
 * piped into the engine (Python), shows progress, appends every engine event
 * to metrics.jsonl, and when the engine dies restarts both from the last
 * checkpoint, up to `maxRestarts` times, each restart logged.
 */
export class TrainController {
  private readonly o: TrainOptions;
  private readonly metricsFile: string;
  private readonly progress: TrainProgress;
  private readonly log: NodeJS.WriteStream;

  constructor(options: TrainOptions) {
    this.o = options;
    this.metricsFile = join(options.out, 'metrics.jsonl');
    this.log = options.log ?? process.stderr;
    this.progress = new TrainProgress(options.plan, this.log, options.steps);
  }

  async run(): Promise<TrainResult> {
    const { out } = this.o;
    mkdirSync(out, { recursive: true });
    const existing = latestCheckpoint(out);
    if (existing && !this.o.resume) {
      throw new FoxdenError('BAD_CONFIG', `${out} already holds checkpoints (latest ${existing.dir}); pass --resume to go on from it, or --out a new directory`);
    }
    if (!this.o.resume && existsSync(this.metricsFile)) writeFileSync(this.metricsFile, '');
    // Refused here, before anything is spawned; the feeder and the engine check it again.
    if (existing) checkStart(this.o.plan, existing.state.loader, this.o.allowDataChange);
    let restarts = 0;
    let lastLoss: number | null = null;
    let lastStep = existing?.state.step ?? 0;
    for (;;) {
      const checkpoint = latestCheckpoint(out);
      this.keepMetricsUpTo(checkpoint?.state.step ?? 0);
      const attempt = await this.attempt(checkpoint);
      lastLoss = attempt.lastStep?.loss ?? lastLoss;
      lastStep = attempt.lastStep?.step ?? lastStep;
      if (attempt.code === 0 && attempt.feederError === null) break;
      if (attempt.feederError !== null) throw new FoxdenError('BAD_INPUT', `the feeder failed: ${attempt.feederError}`);
      const fatal = attempt.code === null || attempt.feederKilled ? undefined : FATAL_ENGINE_CODES[attempt.code];
      const how = attempt.feederKilled ? `lost its feeder (killed by ${attempt.feederKilled})` : attempt.signal ? `was killed by ${attempt.signal}` : `exited with code ${attempt.code}`;
      if (fatal) throw new FoxdenError('BAD_CONFIG', `the engine ${how} (${fatal}); see ${join(out, 'engine.log')}`);
      if (restarts >= this.o.maxRestarts) throw new FoxdenError('INTERNAL', `the engine ${how} and ${restarts} restarts are spent; see ${join(out, 'engine.log')}`);
      restarts++;
      const from = latestCheckpoint(out);
      const message = `engine ${how} after step ${attempt.lastStep?.step ?? 0}; restarting from ${from ? `checkpoint step ${from.state.step}` : 'the start'} (restart ${restarts} of ${this.o.maxRestarts})`;
      this.progress.note(`foxden train: ${message}`);
      appendFileSync(this.metricsFile, `${JSON.stringify({ event: 'restart', restart: restarts, reason: how, after_step: attempt.lastStep?.step ?? 0, from_step: from?.state.step ?? 0 })}\n`);
    }
    this.progress.end();
    const final = latestCheckpoint(out);
    return { steps: lastStep, restarts, lastLoss, checkpoint: final?.dir ?? null, metrics: this.metricsFile };
  }

  /** A restarted engine redoes the steps after its checkpoint: their earlier lines go, so metrics.jsonl reads as one run. */
  private keepMetricsUpTo(step: number): void {
    if (!existsSync(this.metricsFile)) return;
    const kept = readFileSync(this.metricsFile, 'utf8').split('\n').filter((line) => {
      if (!line) return false;
      const e = JSON.parse(line) as { event?: string; step?: number };
      return e.event === 'restart' || e.step === undefined || e.step <= step;
    });
    writeFileSync(this.metricsFile, kept.map((l) => `${l}\n`).join(''));
  }

  private feederArgs(checkpoint: Checkpoint | null): string[] {
    const { plan, curriculum, steps } = this.o;
    const state = checkpoint?.state.loader ?? { fingerprint: plan.fingerprint, stage: 0, tokens: 0 };
    const remaining = steps === null ? null : Math.max(0, steps - (checkpoint?.state.step ?? 0));
    return [
      FEED_MAIN, curriculum.file, '--preset', this.o.preset.file, '--batch-tokens', String(plan.batchTokens), '--seed', String(plan.seed),
      '--start-stage', String(state.stage), '--start-tokens', String(state.tokens), '--fingerprint', state.fingerprint,
      '--vocab-size', String(this.o.vocabSize), '--no-verify',
      ...(this.o.allowDataChange ? ['--allow-data-change'] : []),
      ...(curriculum.tokenizerPath ? ['--tokenizer', curriculum.tokenizerPath] : []),
      ...(remaining === null ? [] : ['--steps', String(remaining)]),
      ...(plan.stageSteps === null ? [] : ['--stage-steps', String(plan.stageSteps)]),
    ];
  }

  private engineArgs(checkpoint: Checkpoint | null): string[] {
    const o = this.o;
    return [
      '-m', 'foxden_engine', 'train', '--preset', o.preset.file, '--device', o.device, '--out', o.out,
      '--checkpoint-every', String(o.checkpointEvery), '--micro-batch-tokens', String(o.microBatchTokens), '--vocab-size', String(o.vocabSize),
      ...(checkpoint ? ['--resume', checkpoint.dir] : []), ...(o.allowDataChange ? ['--allow-data-change'] : []), ...o.engineArgs,
    ];
  }

  private attempt(checkpoint: Checkpoint | null): Promise<Attempt> {
    const engineLog = createWriteStream(join(this.o.out, 'engine.log'), { flags: 'a' });
    const feeder = spawn(process.execPath, this.feederArgs(checkpoint), { stdio: ['ignore', 'pipe', 'pipe'] });
    const engine = spawn(this.o.python, this.engineArgs(checkpoint), {
      stdio: [feeder.stdout, 'pipe', 'pipe'],
      env: { ...process.env, ...(this.o.device === 'cpu' ? CPU_MALLOC_ENV : {}), PYTHONPATH: [ENGINE_DIR, process.env['PYTHONPATH']].filter(Boolean).join(':'), PYTHONUNBUFFERED: '1' },
    });
    // The engine holds the pipe's read end now; the controller must not, or a dead engine would leave the feeder blocked.
    feeder.stdout!.destroy();
    writeFileSync(join(this.o.out, 'engine.pid'), `${engine.pid}\n`);
    writeFileSync(join(this.o.out, 'feeder.pid'), `${feeder.pid}\n`);
    let engineRunning = true;
    let feederKilled: NodeJS.Signals | null = null;
    engine.once('exit', () => {
      engineRunning = false;
      feeder.kill('SIGTERM');
    });
    feeder.once('exit', (_code, signal) => {
      if (signal && engineRunning) feederKilled = signal;
    });
    const feederStderr: string[] = [];
    const engineStderr: string[] = [];
    feeder.stderr!.on('data', (d: Buffer) => feederStderr.push(d.toString('utf8')));
    engine.stderr!.on('data', (d: Buffer) => {
      engineLog.write(d);
      engineStderr.push(...d.toString('utf8').split('\n').filter(Boolean));
      engineStderr.splice(0, Math.max(0, engineStderr.length - STDERR_TAIL));
    });
    let lastStep: StepEvent | null = null;
    createInterface({ input: engine.stdout! }).on('line', (line) => {
      let event: { event?: string } & Record<string, unknown>;
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        engineLog.write(`${line}\n`);
        return;
      }
      appendFileSync(this.metricsFile, `${line}\n`);
      if (event.event === 'step') {
        lastStep = event as unknown as StepEvent;
        this.progress.step(lastStep);
      } else if (event.event === 'checkpoint' || event.event === 'start' || event.event === 'preflight') {
        this.progress.note(`foxden train: ${describe(event)}`);
      }
    });
    const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
      new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
    return Promise.all([exited(engine), exited(feeder)]).then(([e, f]) => {
      engineLog.end();
      // The feeder ends with the engine (a closed pipe); only its own failure counts.
      const feederFailed = f.code !== 0 && f.code !== null && feederStderr.join('').trim() !== '';
      if (e.code !== 0 && engineStderr.length > 0) this.progress.note(engineStderr.slice(-8).map((l) => `  engine: ${l}`).join('\n'));
      return { code: e.code, signal: e.signal, feederError: feederFailed ? feederStderr.join('').trim() : null, feederKilled, lastStep };
    });
  }
}

function describe(event: Record<string, unknown>): string {
  const { event: kind, ...rest } = event;
  return `${String(kind)} ${Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}`;
}
