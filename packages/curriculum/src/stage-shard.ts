import type { ColumnSpec } from '@foxden/core';

/** Schema metadata keys of a stage shard (besides the copied `foxden.tokenizer.*`). */
export const STAGE_METADATA = {
  index: 'foxden.stage.index',
  name: 'foxden.stage.name',
  seqLen: 'foxden.stage.seq_len',
  packing: 'foxden.stage.packing',
  padId: 'foxden.stage.pad_id',
} as const;

/** One row per document a pack task used (kind 'selection'): what the sampler asked the packer for. */
export const SELECTION_COLUMNS: readonly ColumnSpec[] = Object.freeze([
  { name: 'id', type: 'utf8', nullable: false },
  { name: 'stage_index', type: 'int32', nullable: false },
  { name: 'stage', type: 'utf8', nullable: false },
  { name: 'source_group', type: 'utf8', nullable: false },
  { name: 'n_tokens', type: 'int32', nullable: false },
  /** Tokens of the document the stage can use (decomposition drops the tail below its smallest piece). */
  { name: 'usable_tokens', type: 'int32', nullable: false },
  /** Whole copies of [0, usable_tokens). */
  { name: 'copies', type: 'int32', nullable: false },
  /** Tokens [0, extra_tokens) used once more (the sampler's boundary copy, possibly cut). */
  { name: 'extra_tokens', type: 'int32', nullable: false },
  { name: 'tokens_used', type: 'int64', nullable: false },
]);
