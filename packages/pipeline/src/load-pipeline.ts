import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { glob, isDynamicPattern } from 'tinyglobby';
import { FoxdenError, schemaFile, type InputFile, type StepModule } from '@foxden/core';
import type { StepRegistry } from './registry.js';

export interface PipelineStep {
  name: string;
  type: string;
  /** Validated, with defaults applied, frozen. */
  params: Record<string, unknown>;
}

/** A pipeline file after validation, with inputs expanded and paths made absolute. */
export interface ResolvedPipeline {
  name: string;
  description: string | null;
  /** Absolute path of the pipeline file. */
  file: string;
  /** Directory relative paths in params are resolved against. */
  dir: string;
  seed: number;
  inputs: InputFile[];
  /** Absolute run directory. */
  output: string;
  steps: PipelineStep[];
}

export interface LoadPipelineOptions {
  registry: StepRegistry;
  /** Replace the file's inputs (paths or globs relative to `cwd`). */
  inputs?: readonly string[];
  /** Replace the file's output directory (relative to `cwd`). */
  output?: string;
  /** Replace the file's seed. */
  seed?: number;
  /** Base for command-line paths. Default process.cwd(). */
  cwd?: string;
  /** Whether inputs must exist and be non-empty. Default true. */
  requireInputs?: boolean;
}

let pipelineValidator: ValidateFunction | undefined;

async function getPipelineValidator(ajv: Ajv): Promise<ValidateFunction> {
  if (!pipelineValidator) pipelineValidator = ajv.compile(JSON.parse(await readFile(schemaFile('pipeline.schema.json'), 'utf8')));
  return pipelineValidator;
}

function newAjv(): Ajv {
  return new Ajv({ allErrors: true, useDefaults: true, strict: false });
}

/** One line per problem: file, field path, what was expected. */
export function formatSchemaErrors(file: string, errors: readonly ErrorObject[] | null | undefined, prefix = ''): string {
  return (errors ?? [])
    .map((e) => {
      const path = `${prefix}${e.instancePath}` || '/';
      let what = e.message ?? 'is invalid';
      if (e.keyword === 'additionalProperties') what = `has unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
      if (e.keyword === 'enum') what = `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
      if (e.keyword === 'type') what = `must be ${(e.params as { type: string }).type}`;
      return `${file}: ${path}: ${what}`;
    })
    .join('\n');
}

/** Loads, validates and resolves a pipeline file. Every error names the file, the field path and what was expected. */
export async function loadPipeline(file: string, options: LoadPipelineOptions): Promise<ResolvedPipeline> {
  const cwd = options.cwd ?? process.cwd();
  const absFile = resolve(cwd, file);
  let raw: unknown;
  try {
    raw = parseYaml(await readFile(absFile, 'utf8'));
  } catch (error) {
    if (error instanceof YAMLParseError) throw new FoxdenError('BAD_CONFIG', `${file}: not valid YAML: ${error.message.split('\n')[0]}`, { file, cause: error });
    throw new FoxdenError('BAD_CONFIG', `${file}: cannot read pipeline file: ${(error as Error).message}`, { file, cause: error });
  }
  return resolvePipeline(raw, absFile, options);
}

/** Validates an already-parsed pipeline object (from YAML or JSON) as if it were read from `file`. */
export async function resolvePipeline(raw: unknown, file: string, options: LoadPipelineOptions): Promise<ResolvedPipeline> {
  const cwd = options.cwd ?? process.cwd();
  const ajv = newAjv();
  const doc = structuredClone(raw) as Record<string, unknown>;
  const validate = await getPipelineValidator(ajv);
  if (!validate(doc)) throw new FoxdenError('BAD_CONFIG', formatSchemaErrors(file, validate.errors), { file });
  const dir = dirname(file);
  const steps = doc['steps'] as { name: string; type: string; params: Record<string, unknown> }[];
  const names = new Set<string>();
  const problems: string[] = [];
  steps.forEach((step, i) => {
    if (names.has(step.name)) problems.push(`${file}: /steps/${i}/name: step name '${step.name}' is used twice`);
    names.add(step.name);
    const registered = options.registry.get(step.type);
    if (!registered) {
      problems.push(`${file}: /steps/${i}/type: unknown step type '${step.type}'; expected one of ${options.registry.types().join(', ')}`);
      return;
    }
    const check = ajv.compile(registered.module.paramsSchema);
    if (!check(step.params)) problems.push(formatSchemaErrors(file, check.errors, `/steps/${i}/params`));
  });
  if (problems.length > 0) throw new FoxdenError('BAD_CONFIG', problems.join('\n'), { file });

  const outputSpec = options.output !== undefined ? resolve(cwd, options.output) : doc['output'] ? resolve(dir, doc['output'] as string) : undefined;
  if (!outputSpec) throw new FoxdenError('BAD_CONFIG', `${file}: /output: no output directory; set 'output' in the pipeline file or pass --out`, { file });
  const patterns = options.inputs !== undefined ? options.inputs.map((p) => ({ pattern: p, base: cwd })) : (doc['inputs'] as string[]).map((p) => ({ pattern: p, base: dir }));
  const inputs = await expandInputs(patterns, file, options.requireInputs ?? true);
  return Object.freeze({
    name: doc['name'] as string,
    description: (doc['description'] as string | undefined) ?? null,
    file,
    dir,
    seed: options.seed ?? (doc['seed'] as number),
    inputs,
    output: outputSpec,
    steps: steps.map((s) => Object.freeze({ name: s.name, type: s.type, params: deepFreeze(s.params) })),
  });
}

/**
 * One step's params as the loader makes them: a copy with the schema's defaults
 * applied, checked against the schema (a BAD_CONFIG error names `where`). For
 * running a step outside a pipeline file (package tests).
 */
export function resolveStepParams<P>(module: StepModule<P>, params: Partial<P> = {}, where = `${module.type} params`): P {
  const copy = structuredClone(params) as Record<string, unknown>;
  const check = newAjv().compile(module.paramsSchema);
  if (!check(copy)) throw new FoxdenError('BAD_CONFIG', formatSchemaErrors(where, check.errors));
  return copy as P;
}

/**
 * Expands files, directories and globs to input files, sorted by source name.
 * A pattern that matches nothing is an error: a typo must not yield an empty run.
 */
export async function expandInputs(patterns: readonly { pattern: string; base: string }[], file: string, required: boolean): Promise<InputFile[]> {
  const byPath = new Map<string, InputFile>();
  for (const { pattern, base } of patterns) {
    const absolute = isAbsolute(pattern) ? pattern : join(base, pattern);
    let root: string;
    let matches: string[];
    if (isDynamicPattern(pattern)) {
      root = staticPrefix(absolute);
      matches = await glob(absolute.split(sep).join('/'), { absolute: true, onlyFiles: true, dot: false });
    } else {
      const info = await stat(absolute).catch(() => null);
      if (!info) {
        if (required) throw new FoxdenError('BAD_CONFIG', `${file}: /inputs: input '${pattern}' does not exist (looked for ${absolute})`, { file });
        continue;
      }
      if (info.isDirectory()) {
        root = absolute;
        matches = await glob('**/*', { cwd: absolute, absolute: true, onlyFiles: true, dot: false });
      } else {
        root = dirname(absolute);
        matches = [absolute];
      }
    }
    if (matches.length === 0 && required) throw new FoxdenError('BAD_CONFIG', `${file}: /inputs: pattern '${pattern}' matches no files`, { file });
    for (const m of matches) {
      const path = resolve(m);
      if (/\.(tmp-\d+-\d+|partial)$/.test(path) || /(^|\/)(README|LICENSE)[^/]*$/i.test(path)) continue;
      const { size } = await stat(path);
      byPath.set(path, { path, source: relative(root, path).split(sep).join('/'), bytes: size });
    }
  }
  const inputs = [...byPath.values()].sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.path < b.path ? -1 : 1));
  const seen = new Map<string, string>();
  for (const input of inputs) {
    const other = seen.get(input.source);
    if (other) throw new FoxdenError('BAD_CONFIG', `${file}: /inputs: two inputs have the same source name '${input.source}' (${other} and ${input.path}); document ids would collide. Give them distinct names or pass their common parent directory.`, { file });
    seen.set(input.source, input.path);
  }
  if (inputs.length === 0 && required) throw new FoxdenError('BAD_CONFIG', `${file}: /inputs: no input files; set 'inputs' or pass --input`, { file });
  return inputs;
}

function staticPrefix(pattern: string): string {
  const parts = pattern.split(sep);
  const out: string[] = [];
  for (const part of parts) {
    if (isDynamicPattern(part)) break;
    out.push(part);
  }
  return out.join(sep) || sep;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value as object)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Fingerprint of what a step's outputs depend on: its type and params, the
 * seed, the previous step's fingerprint and, for the first step, the inputs.
 * A completed step whose fingerprint changed is redone, with all after it.
 */
export function stepFingerprints(pipeline: ResolvedPipeline): string[] {
  const out: string[] = [];
  let previous = createHash('sha256').update(JSON.stringify(pipeline.inputs.map((i) => [i.source, i.bytes]))).digest('hex');
  for (const step of pipeline.steps) {
    previous = createHash('sha256').update(JSON.stringify([step.type, step.params, pipeline.seed, previous])).digest('hex');
    out.push(previous);
  }
  return out;
}
