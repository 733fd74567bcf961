import { FoxdenError } from '@foxden/core';

/** The packing policies; see packing.ts. */
export type PackingPolicy = 'best-fit-fill' | 'best-fit-decreasing' | 'decomposition' | 'concat-chunk';
export const PACKING_POLICIES: readonly PackingPolicy[] = ['best-fit-fill', 'best-fit-decreasing', 'decomposition', 'concat-chunk'];

/** A stage budget: absolute content tokens, or a share of `total_tokens`. */
export type StageBudget = { tokens: number } | { share: number };

export interface StageSelect {
  /** Smallest document (in tokens) this stage takes. Default: previous stage's seq_len + 1, or 1 for the first stage. */
  min_tokens?: number;
  /** Largest document this stage takes; null = unbounded. Default: seq_len, or null for the last stage. */
  max_tokens?: number | null;
  /** Smallest quality score this stage takes; null = any (documents without a score included). Default null. */
  min_quality?: number | null;
}

/** One curriculum stage as written in the pipeline file. */
export interface StageParams {
  name: string;
  seq_len: number;
  /** Default: an equal share of the total. */
  budget?: StageBudget;
  select?: StageSelect;
  /** Default 'best-fit-decreasing'. */
  packing?: PackingPolicy;
  /** Whether documents longer than piece_tokens are cut into pieces. Default: true for the last stage, false otherwise. */
  split?: boolean;
  /** Length of the pieces a long document is cut into. Default seq_len; may not exceed it. */
  piece_tokens?: number;
}

export interface CurriculumParams {
  /** Stages in training order. Default: the Fox-1 recipe (2K / 4K / 8K). */
  stages: StageParams[];
  /** Tokens that `share` budgets are shares of; null = every selected document counted once. Default null. */
  total_tokens: number | null;
  /** Source glob (or name) -> weight, the share of each stage's budget; {} = natural proportions. Default {}. */
  mixture: Record<string, number>;
  /** Most times a document (and so a source) may be used; fractions allowed. Default 1 (no repeats). */
  max_repeats: number;
  /**
   * A stage whose budget the data cannot meet: 'fail' stops the run at the plan phase, before any
   * stage shard is written; 'warn' packs what there is and reports the shortfall as a warning
   * (run summary, inspect, manifests). Default 'fail': a budget means what it says.
   */
  on_shortfall: 'fail' | 'warn';
  /** Relative shortfall below which a budget counts as met. Default 0.001. */
  budget_tolerance: number;
  /**
   * Token shards per planning and packing group (the unit of parallelism and
   * of packing memory, and each group's stages end in a partly filled row).
   * Default null: groups by size instead (group_bytes).
   */
  group_shards: number | null;
  /**
   * With group_shards null, consecutive token shards form a group until it
   * holds this many bytes of token shards (about 4 bytes a token), so a run
   * of many small shards does not end every stage of every group in a
   * padded row. Default 268,435,456 (about 60M tokens).
   */
  group_bytes: number;
  /** Smallest piece the decomposition policy keeps (a power of two); shorter tails are not used. Default 64. */
  decomposition_min_piece: number;
  /** Token id used for padding; null = the tokenizer's `<pad>` id, else 0. Default null. */
  pad_id: number | null;
}

/** A stage with every default resolved, as the planner and packer use it. */
export interface ResolvedStage {
  index: number;
  name: string;
  seq_len: number;
  budget: StageBudget;
  min_tokens: number;
  max_tokens: number | null;
  min_quality: number | null;
  packing: PackingPolicy;
  split: boolean;
  piece_tokens: number;
}

export const FOX1_STAGES: StageParams[] = [
  { name: '2k', seq_len: 2048, budget: { share: 0.4 }, packing: 'best-fit-decreasing' },
  { name: '4k', seq_len: 4096, budget: { share: 0.35 }, packing: 'best-fit-decreasing' },
  { name: '8k', seq_len: 8192, budget: { share: 0.25 }, select: { min_quality: 0.5 }, packing: 'best-fit-decreasing' },
];

const budgetSchema = {
  description: 'Content tokens of the stage: {tokens: N} absolute, or {share: f} of total_tokens. Default: an equal share.',
  oneOf: [
    { type: 'object', properties: { tokens: { type: 'integer', minimum: 1 } }, required: ['tokens'], additionalProperties: false },
    { type: 'object', properties: { share: { type: 'number', exclusiveMinimum: 0 } }, required: ['share'], additionalProperties: false },
  ],
};

export const paramsSchema: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    stages: {
      description: 'Curriculum stages in training order, each with its sequence length, budget, selection and packing policy.',
      type: 'array',
      minItems: 1,
      default: FOX1_STAGES,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'seq_len'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9_.-]+$', description: 'Stage name, used in file names.' },
          seq_len: { type: 'integer', minimum: 8, maximum: 1048576, description: 'Tokens per packed sequence.' },
          budget: budgetSchema,
          select: {
            type: 'object',
            additionalProperties: false,
            description: 'Which documents the stage takes. Length ranges of different stages may not overlap.',
            properties: {
              min_tokens: { type: 'integer', minimum: 1, description: "Default: previous stage's seq_len + 1 (1 for the first stage)." },
              max_tokens: { type: ['integer', 'null'], minimum: 1, description: 'Default: seq_len; null (unbounded) for the last stage.' },
              min_quality: { type: ['number', 'null'], description: 'Default null: any quality, unscored documents included.' },
            },
          },
          packing: { enum: [...PACKING_POLICIES], description: "Packing policy. Default 'best-fit-decreasing'." },
          split: { type: 'boolean', description: 'Cut documents longer than piece_tokens into pieces. Default: true for the last stage only.' },
          piece_tokens: { type: 'integer', minimum: 1, description: 'Length of the pieces of a split document. Default seq_len.' },
        },
      },
    },
    total_tokens: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Tokens that share budgets are shares of; null = all selected documents once.' },
    mixture: {
      type: 'object', default: {}, additionalProperties: { type: 'number', minimum: 0 },
      description: 'Source glob or name -> weight: the share of each stage budget per source group. {} = natural proportions; sources matching no key are not used.',
    },
    max_repeats: { type: 'number', minimum: 1, default: 1, description: 'Most times a document (so a source) may be used to meet a budget.' },
    on_shortfall: { enum: ['fail', 'warn'], default: 'fail', description: "A budget the data cannot meet: 'fail' stops the run at the plan phase (before any stage shard); 'warn' packs what there is and reports the shortfall as a warning." },
    budget_tolerance: { type: 'number', minimum: 0, maximum: 1, default: 0.001, description: 'Relative shortfall below which a budget counts as met.' },
    group_shards: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Token shards per planning/packing group (parallelism and packing memory); null = group by size (group_bytes).' },
    group_bytes: { type: 'integer', minimum: 1, default: 268435456, description: 'With group_shards null: consecutive token shards form a group until it holds this many bytes (about 4 bytes a token), so many small shards do not each end their stages in a padded row.' },
    decomposition_min_piece: { type: 'integer', minimum: 1, default: 64, description: 'Smallest power-of-two piece kept by the decomposition policy.' },
    pad_id: { type: ['integer', 'null'], minimum: 0, default: null, description: "Padding token id; null = the tokenizer's <pad> id, else 0." },
  },
};

const isPowerOfTwo = (n: number): boolean => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;

/**
 * Resolves stage defaults and checks everything that can be checked without
 * data, so that a bad recipe fails before any work: overlapping length
 * ranges, pieces longer than a sequence, decomposition on a seq_len that is
 * not a power of two.
 */
export function resolveStages(params: CurriculumParams): ResolvedStage[] {
  const bad = (message: string): never => {
    throw new FoxdenError('BAD_CONFIG', `curriculum: ${message}`);
  };
  const stages = params.stages;
  if (stages.length === 0) bad('at least one stage is needed');
  const names = new Set<string>();
  const resolved = stages.map((s, index): ResolvedStage => {
    if (names.has(s.name)) bad(`two stages are named '${s.name}'`);
    names.add(s.name);
    if (!Number.isInteger(s.seq_len) || s.seq_len < 1) bad(`stage '${s.name}': seq_len ${s.seq_len} is not a positive integer`);
    const last = index === stages.length - 1;
    const previous = index > 0 ? stages[index - 1]! : undefined;
    const min_tokens = s.select?.min_tokens ?? (previous ? previous.seq_len + 1 : 1);
    const max_tokens = s.select?.max_tokens === undefined ? (last ? null : s.seq_len) : s.select.max_tokens;
    const split = s.split ?? last;
    const piece_tokens = s.piece_tokens ?? s.seq_len;
    const packing = s.packing ?? 'best-fit-decreasing';
    if (!PACKING_POLICIES.includes(packing)) bad(`stage '${s.name}': unknown packing '${packing}' (one of ${PACKING_POLICIES.join(', ')})`);
    if (piece_tokens > s.seq_len) bad(`stage '${s.name}': piece_tokens ${piece_tokens} is larger than seq_len ${s.seq_len}: a document piece would not fit a sequence`);
    if (max_tokens !== null && max_tokens < min_tokens) bad(`stage '${s.name}': max_tokens ${max_tokens} < min_tokens ${min_tokens}`);
    if (!split && (max_tokens === null || max_tokens > s.seq_len)) {
      bad(`stage '${s.name}': seq_len ${s.seq_len} is smaller than the documents it selects (max_tokens ${max_tokens ?? 'unbounded'}) and split is false: a document piece would not fit a sequence; set split: true or lower max_tokens`);
    }
    if (packing === 'decomposition') {
      if (!isPowerOfTwo(s.seq_len)) bad(`stage '${s.name}': decomposition packing needs a power-of-two seq_len, got ${s.seq_len}`);
      if (!isPowerOfTwo(params.decomposition_min_piece) || params.decomposition_min_piece > s.seq_len) {
        bad(`decomposition_min_piece ${params.decomposition_min_piece} must be a power of two no larger than stage '${s.name}' seq_len ${s.seq_len}`);
      }
    }
    const budget = s.budget ?? { share: 1 / stages.length };
    if ('tokens' in budget && !(Number.isInteger(budget.tokens) && budget.tokens > 0)) bad(`stage '${s.name}': budget.tokens must be a positive integer`);
    if ('share' in budget && !(budget.share > 0)) bad(`stage '${s.name}': budget.share must be positive`);
    return { index, name: s.name, seq_len: s.seq_len, budget, min_tokens, max_tokens, min_quality: s.select?.min_quality ?? null, packing, split, piece_tokens };
  });
  const byMin = [...resolved].sort((a, b) => a.min_tokens - b.min_tokens);
  for (let i = 1; i < byMin.length; i++) {
    const a = byMin[i - 1]!;
    const b = byMin[i]!;
    if (a.max_tokens === null || a.max_tokens >= b.min_tokens) {
      bad(`length ranges of stages '${a.name}' [${a.min_tokens}, ${a.max_tokens ?? 'inf'}] and '${b.name}' [${b.min_tokens}, ${b.max_tokens ?? 'inf'}] overlap: a document must belong to one stage`);
    }
  }
  if (!(params.max_repeats >= 1)) bad(`max_repeats ${params.max_repeats} must be at least 1`);
  for (const [key, w] of Object.entries(params.mixture)) if (!(w >= 0)) bad(`mixture weight of '${key}' must be >= 0, got ${w}`);
  return resolved;
}

/** Tokens of a document a stage can use: decomposition drops the tail below its smallest piece. */
export function usableTokens(stage: ResolvedStage, nTokens: number, minPiece: number): number {
  if (stage.packing === 'decomposition') return nTokens - (nTokens % minPiece);
  return nTokens;
}
