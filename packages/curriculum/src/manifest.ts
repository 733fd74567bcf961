import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { FoxdenError, schemaFile, type ColumnSpec, type TokenizerIdentity } from '@foxden/core';
import type { PackingPolicy, StageBudget } from './params.js';
import type { ReportEntry } from './sampler.js';

/** A stage manifest (schemas/stage-manifest.schema.json): all a trainer needs for one stage. */
export interface StageManifest {
  format: 'foxden.stage-manifest/1';
  index: number;
  name: string;
  seq_len: number;
  packing: PackingPolicy;
  seed: number;
  pipeline?: string | null;
  tokenizer: TokenizerIdentity;
  pad_id: number;
  budget: { requested: StageBudget; target_tokens: number; planned_tokens: number; met: boolean };
  select: { min_tokens: number; max_tokens: number | null; min_quality: number | null; split: boolean; piece_tokens: number };
  mixture: Record<string, { weight: number; supply_tokens: number; supply_documents: number; target_tokens: number; tokens: number; documents: number; repeats: number }>;
  totals: {
    sequences: number; tokens: number; content_tokens: number; padding_tokens: number; padding_fraction: number; documents: number;
    document_copies: number; repeats: number; pieces: number; truncations: number; budget_cut_documents: number; discarded_tokens: number;
  };
  report: ReportEntry[];
  columns: ColumnSpec[];
  /** Paths relative to the manifest's directory. */
  shards: { path: string; sha256: string; bytes: number; sequences: number; tokens: number; content_tokens: number; padding_tokens: number }[];
}

/** The curriculum manifest (schemas/curriculum-manifest.schema.json): the stages in training order. */
export interface CurriculumManifest {
  format: 'foxden.curriculum-manifest/1';
  pipeline?: string | null;
  seed: number;
  tokenizer: TokenizerIdentity;
  total_tokens: number;
  stages: { index: number; name: string; seq_len: number; manifest: string; sha256: string; sequences: number; tokens: number; content_tokens: number; padding_tokens: number; budget_met: boolean }[];
  totals: { sequences: number; tokens: number; content_tokens: number; padding_tokens: number };
  report: ReportEntry[];
  not_selected: Record<string, number>;
}

let validators: { stage: ValidateFunction; curriculum: ValidateFunction } | undefined;

function load(): { stage: ValidateFunction; curriculum: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true });
    const read = (name: string): Record<string, unknown> => JSON.parse(readFileSync(schemaFile(name), 'utf8')) as Record<string, unknown>;
    validators = { stage: ajv.compile(read('stage-manifest.schema.json')), curriculum: ajv.compile(read('curriculum-manifest.schema.json')) };
  }
  return validators;
}

function check(fn: ValidateFunction, value: unknown, what: string): void {
  if (!fn(value)) {
    const errors = (fn.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new FoxdenError('INTERNAL', `${what} does not validate against its schema: ${errors}`);
  }
}

/** Throws a FoxdenError listing every schema violation. */
export function validateStageManifest(value: unknown, what = 'stage manifest'): asserts value is StageManifest {
  check(load().stage, value, what);
}

export function validateCurriculumManifest(value: unknown, what = 'curriculum manifest'): asserts value is CurriculumManifest {
  check(load().curriculum, value, what);
}

export const stageManifestName = (index: number, name: string): string => `stage-${index}-${name}.json`;
