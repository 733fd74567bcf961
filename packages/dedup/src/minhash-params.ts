/** Parameters of the minhash-dedup step (shared, frozen, by all its phases). */
export interface MinHashDedupParams {
  /** LSH bands; each is one task of the buckets phase. Default 14. */
  num_bands: number;
  /** Hash functions per band. Default 8 (14 x 8 = 112 hash functions). */
  rows_per_band: number;
  /** Tokens per shingle (words, or characters of scripts without spaces). Default 5. */
  ngram: number;
  /** Seed of the 112 hash functions; independent of the pipeline seed so signatures stay comparable across runs. Default 1. */
  hash_seed: number;
  /** Verify candidate pairs by their estimated Jaccard similarity before joining them. Default false. */
  verify: boolean;
  /** Jaccard similarity a verified pair must reach. Default 0.75. */
  threshold: number;
  /** Read buffer of one band's merge, split over its sorted runs, in bytes. Default 67108864 (64 MiB). */
  merge_buffer_bytes: number;
}

export const MINHASH_PARAMS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    num_bands: { type: 'integer', minimum: 1, maximum: 1024, default: 14, description: 'LSH bands; each band is one task of the buckets phase.' },
    rows_per_band: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: 'Hash functions per band; num_bands x rows_per_band hash functions in all (112 by default).' },
    ngram: { type: 'integer', minimum: 1, maximum: 64, default: 5, description: 'Tokens per shingle: normalised words, or single characters of scripts written without spaces.' },
    hash_seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 1, description: 'Seed of the hash functions (not the pipeline seed, so that signatures of different runs are comparable).' },
    verify: { type: 'boolean', default: false, description: 'Check each candidate pair\'s estimated Jaccard similarity (fraction of equal signature values) against threshold before joining it.' },
    threshold: { type: 'number', minimum: 0, maximum: 1, default: 0.75, description: 'Jaccard similarity a candidate pair must reach when verify is on.' },
    merge_buffer_bytes: { type: 'integer', minimum: 65536, default: 67108864, description: 'Read buffer of one band task\'s merge of sorted runs, in bytes, shared by its runs.' },
  },
} as const;
