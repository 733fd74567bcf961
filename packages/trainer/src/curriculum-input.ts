import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { FoxdenError, sha256File } from '@foxden/core';
import {
  validateCurriculumManifest, validateStageManifest, type CurriculumManifest, type StageManifest,
} from '@foxden/curriculum';

/** One shard of a stage, its path resolved and checked. */
export interface StageShard {
  file: string;
  sha256: string;
  bytes: number;
  sequences: number;
}

/** A stage manifest, validated, with its shards resolved. */
export interface OpenedStage {
  file: string;
  manifest: StageManifest;
  shards: StageShard[];
}

/** A curriculum ready to feed: every check a trainer needs has passed. */
export interface OpenedCurriculum {
  file: string;
  /** Paths may not leave this directory (the run directory, or the manifest's own). */
  root: string;
  /** sha256 of the curriculum manifest's bytes: part of the loader fingerprint. */
  sha256: string;
  manifest: CurriculumManifest;
  stages: OpenedStage[];
  /** The run's tokenizer.json when found (checked against the manifest's sha256), else null. */
  tokenizerPath: string | null;
}

export interface OpenCurriculumOptions {
  /** Hash every shard before returning (default true): a changed shard is refused before any step. */
  verifyShards?: boolean;
  /** The model's embedding rows: a tokenizer with more ids is refused. */
  modelVocab?: number;
  /** An explicit tokenizer.json; its sha256 must equal the manifest's. */
  tokenizer?: string;
}

const bad = (file: string, message: string): FoxdenError => new FoxdenError('BAD_INPUT', `${file}: ${message}`, { file });

/** A run directory (holding curriculum.json) or a curriculum manifest file. */
export function curriculumFile(input: string): string {
  const path = resolve(input);
  if (!existsSync(path)) throw bad(path, 'no such file or directory (give a run directory or its curriculum.json)');
  if (statSync(path).isDirectory()) {
    const file = join(path, 'curriculum.json');
    if (!existsSync(file)) throw bad(path, 'holds no curriculum.json: run a pipeline with a curriculum step first');
    return file;
  }
  return path;
}

/** The directory paths must stay inside: the nearest ancestor holding run.json, else the manifest's directory. */
function containmentRoot(file: string): string {
  const own = dirname(file);
  for (let dir = own; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'run.json'))) return dir;
    if (dirname(dir) === dir) return own;
  }
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Resolves a manifest-relative path, refusing one that leaves `root` (also through symlinks). */
function containedPath(root: string, base: string, path: string, file: string): string {
  const target = resolve(base, path);
  if (!inside(root, target)) throw bad(file, `path '${path}' leaves ${root}; a manifest may only name files inside its run directory`);
  if (existsSync(target) && !inside(realpathSync(root), realpathSync(target))) {
    throw bad(file, `path '${path}' resolves through a link to ${realpathSync(target)}, outside ${root}`);
  }
  return target;
}

function readJson(file: string): { bytes: Buffer; value: unknown } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw bad(file, `cannot read: ${(e as Error).message}`);
  }
  try {
    return { bytes, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch (e) {
    throw bad(file, `is not JSON: ${(e as Error).message}`);
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function validated<T>(fn: (value: unknown, what: string) => void, value: unknown, file: string): T {
  try {
    fn(value, file);
  } catch (e) {
    throw new FoxdenError('BAD_INPUT', (e as Error).message, { file });
  }
  return value as T;
}

async function openStage(root: string, curriculumFile: string, entry: CurriculumManifest['stages'][number], options: OpenCurriculumOptions): Promise<OpenedStage> {
  const file = containedPath(root, dirname(curriculumFile), entry.manifest, curriculumFile);
  const { bytes, value } = readJson(file);
  const actual = sha256(bytes);
  if (actual !== entry.sha256) throw bad(file, `has sha256 ${actual}, but ${curriculumFile} records ${entry.sha256}: the stage manifest was changed after the curriculum was written`);
  const manifest = validated<StageManifest>(validateStageManifest, value, file);
  if (manifest.index !== entry.index || manifest.seq_len !== entry.seq_len || manifest.name !== entry.name) {
    throw bad(file, `is stage ${manifest.index} '${manifest.name}' (seq_len ${manifest.seq_len}), but the curriculum lists stage ${entry.index} '${entry.name}' (seq_len ${entry.seq_len}) there`);
  }
  let rows = 0;
  const shards: StageShard[] = [];
  for (const shard of manifest.shards) {
    const path = containedPath(root, dirname(file), shard.path, file);
    if (!existsSync(path)) throw bad(file, `shard '${shard.path}' is missing (${path})`);
    const size = statSync(path).size;
    if (size !== shard.bytes) throw bad(path, `is ${size} bytes, but ${file} records ${shard.bytes}: the shard was changed or truncated`);
    rows += shard.sequences;
    shards.push({ file: path, sha256: shard.sha256, bytes: shard.bytes, sequences: shard.sequences });
  }
  if (rows !== manifest.totals.sequences) throw bad(file, `its shards hold ${rows} sequences, but its totals say ${manifest.totals.sequences}`);
  if (options.verifyShards !== false) {
    for (const shard of shards) {
      const hash = await sha256File(shard.file);
      if (hash !== shard.sha256) throw new FoxdenError('CORRUPT_INTERMEDIATE', `${shard.file}: has sha256 ${hash}, but ${file} records ${shard.sha256}: the shard was changed after the curriculum step wrote it; rerun the pipeline to redo it`, { file: shard.file });
    }
  }
  return { file, manifest, shards };
}

/** Candidate tokenizer.json paths from the run's tokenize step, relative to where a pipeline could have named them from. */
function runTokenizerCandidates(root: string): string[] {
  const runFile = join(root, 'run.json');
  if (!existsSync(runFile)) return [];
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as { steps?: { type?: string; params?: { tokenizer?: unknown } }[] };
  const named = (run.steps ?? []).filter((s) => s.type === 'tokenize').map((s) => s.params?.tokenizer).filter((t): t is string => typeof t === 'string');
  // The pipeline resolved the path against its own file, which run.json does not record: try the places it usually is.
  return named.flatMap((t) => (isAbsolute(t) ? [t] : [resolve(root, t), resolve(dirname(root), t), resolve(t), resolve('pipelines', t)]));
}

async function findTokenizer(root: string, expected: string, explicit: string | undefined): Promise<string | null> {
  if (explicit !== undefined) {
    const path = resolve(explicit);
    if (!existsSync(path)) throw bad(path, 'tokenizer file not found');
    const hash = await sha256File(path);
    if (hash !== expected) throw bad(path, `has sha256 ${hash}, but the curriculum was tokenized with ${expected}: not the run's tokenizer`);
    return path;
  }
  for (const candidate of runTokenizerCandidates(root)) {
    if (existsSync(candidate) && (await sha256File(candidate)) === expected) return candidate;
  }
  return null;
}

/**
 * Opens a curriculum for training: the curriculum and every stage manifest
 * validated against their schemas and checksums, every path kept inside the
 * run directory, every shard present with its size and (by default) sha256,
 * and the tokenizer no larger than the model. Each refusal is one error
 * naming the file, raised before anything is fed.
 */
export async function openCurriculum(input: string, options: OpenCurriculumOptions = {}): Promise<OpenedCurriculum> {
  const file = curriculumFile(input);
  const { bytes, value } = readJson(file);
  const manifest = validated<CurriculumManifest>(validateCurriculumManifest, value, file);
  const root = containmentRoot(file);
  if (options.modelVocab !== undefined && manifest.tokenizer.vocab_size > options.modelVocab) {
    throw bad(file, `tokenizer '${manifest.tokenizer.name}' has ${manifest.tokenizer.vocab_size} ids, more than the model's embedding of ${options.modelVocab} rows; use a preset with vocab_size >= ${manifest.tokenizer.vocab_size} (or vocab_size null to follow the tokenizer)`);
  }
  const stages: OpenedStage[] = [];
  for (const entry of manifest.stages) {
    const stage = await openStage(root, file, entry, options);
    if (stage.manifest.tokenizer.sha256 !== manifest.tokenizer.sha256) throw bad(stage.file, `was tokenized with ${stage.manifest.tokenizer.sha256}, the curriculum with ${manifest.tokenizer.sha256}`);
    stages.push(stage);
  }
  const tokenizerPath = await findTokenizer(root, manifest.tokenizer.sha256, options.tokenizer);
  return { file, root, sha256: sha256(bytes), manifest, stages, tokenizerPath };
}
