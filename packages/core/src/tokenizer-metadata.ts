import type { TokenizerIdentity } from './document.js';
import { FoxdenError } from './errors.js';

/**
 * The tokenizer identity in the schema metadata of token and stage shards:
 * one key per field of TokenizerIdentity, prefixed `foxden.tokenizer.`
 * (special ids as JSON). The tokenize step writes it, the curriculum checks
 * and copies it, the trainer and `foxden decode` read it.
 */
export const TOKENIZER_METADATA_PREFIX = 'foxden.tokenizer.';

export const TOKENIZER_METADATA_KEYS = Object.freeze({
  name: `${TOKENIZER_METADATA_PREFIX}name`,
  vocab_size: `${TOKENIZER_METADATA_PREFIX}vocab_size`,
  special_ids: `${TOKENIZER_METADATA_PREFIX}special_ids`,
  sha256: `${TOKENIZER_METADATA_PREFIX}sha256`,
});

/** A tokenizer identity as schema metadata entries. */
export function tokenizerIdentityToMetadata(identity: TokenizerIdentity): Record<string, string> {
  return {
    [TOKENIZER_METADATA_KEYS.name]: identity.name,
    [TOKENIZER_METADATA_KEYS.vocab_size]: String(identity.vocab_size),
    [TOKENIZER_METADATA_KEYS.special_ids]: JSON.stringify(identity.special_ids),
    [TOKENIZER_METADATA_KEYS.sha256]: identity.sha256,
  };
}

/** The `foxden.tokenizer.*` entries of a shard's schema metadata, sorted by key (what a stage shard copies). */
export function pickTokenizerMetadata(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([k]) => k.startsWith(TOKENIZER_METADATA_PREFIX)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The tokenizer identity recorded in a shard's schema metadata; BAD_INPUT naming `file` when an entry is missing or malformed. */
export function tokenizerIdentityFromMetadata(metadata: Record<string, string>, file: string): TokenizerIdentity {
  const get = (k: keyof TokenizerIdentity): string => {
    const v = metadata[TOKENIZER_METADATA_KEYS[k]];
    if (v === undefined) throw new FoxdenError('BAD_INPUT', `token shard ${file} has no '${TOKENIZER_METADATA_KEYS[k]}' metadata: cannot tell which tokenizer wrote it`, { file });
    return v;
  };
  let special: Record<string, number>;
  try {
    special = JSON.parse(get('special_ids')) as Record<string, number>;
  } catch (error) {
    if (error instanceof FoxdenError) throw error;
    throw new FoxdenError('BAD_INPUT', `token shard ${file}: '${TOKENIZER_METADATA_KEYS.special_ids}' is not JSON`, { file, cause: error });
  }
  return { name: get('name'), vocab_size: Number(get('vocab_size')), special_ids: special, sha256: get('sha256') };
}
