import { join } from 'node:path';
import {
  FoxdenError, indexTaskId, pickTokenizerMetadata, previousStepShards, tokenizerIdentityFromMetadata,
  type ShardOutput, type StepContext, type TokenizerIdentity,
} from '@foxden/core';
import { ShardReader } from '@foxden/shards';

/** A unit of parallel work: consecutive token shards (in path order) planned and packed together. */
export interface ShardGroup {
  id: string;
  shards: ShardOutput[];
}

/** The token shards of the previous step, in path order. */
export function previousTokenShards(ctx: Pick<StepContext, 'history' | 'stepName'>): ShardOutput[] {
  const shards = previousStepShards(ctx, 'tokens');
  const previous = ctx.history[ctx.history.length - 1]!;
  if (shards.length === 0) {
    throw new FoxdenError('BAD_CONFIG', `step '${ctx.stepName}' (curriculum) needs token shards, but the previous step '${previous.step}' (${previous.type}) wrote none (kinds: ${[...new Set(previous.shards.map((s) => s.kind))].join(', ') || 'none'})`);
  }
  return shards;
}

/**
 * Planning and packing groups of consecutive token shards: `group_shards`
 * shards each, or, without it, shards until a group holds `group_bytes`.
 */
export function shardGroups(shards: readonly ShardOutput[], by: { group_shards: number | null; group_bytes: number }): ShardGroup[] {
  const groups: ShardGroup[] = [];
  const add = (members: ShardOutput[]): void => {
    groups.push({ id: indexTaskId(groups.length), shards: members });
  };
  if (by.group_shards !== null) {
    for (let i = 0; i < shards.length; i += by.group_shards) add(shards.slice(i, i + by.group_shards));
    return groups;
  }
  let members: ShardOutput[] = [];
  let bytes = 0;
  for (const shard of shards) {
    members.push(shard);
    bytes += shard.bytes;
    if (bytes >= by.group_bytes) {
      add(members);
      members = [];
      bytes = 0;
    }
  }
  if (members.length > 0) add(members);
  return groups;
}

/**
 * Reads the tokenizer identity of every token shard (schema metadata only)
 * and checks they agree: sequences mixing two vocabularies would train on
 * garbage without any error, so this fails before any work.
 */
export async function checkTokenizers(runDir: string, shards: readonly ShardOutput[]): Promise<{ identity: TokenizerIdentity; metadata: Record<string, string> }> {
  let first: { file: string; meta: Record<string, string>; text: string } | undefined;
  for (const s of shards) {
    const file = join(runDir, s.path);
    const reader = await ShardReader.open(file);
    let meta: Record<string, string>;
    try {
      meta = pickTokenizerMetadata(reader.metadata);
      const names = new Set(reader.columns.map((c) => c.name));
      for (const col of ['id', 'source', 'n_tokens', 'tokens']) {
        if (!names.has(col)) throw new FoxdenError('BAD_INPUT', `token shard ${s.path} has no '${col}' column`, { file });
      }
    } finally {
      await reader.close();
    }
    tokenizerIdentityFromMetadata(meta, s.path);
    const text = JSON.stringify(meta);
    if (!first) first = { file: s.path, meta, text };
    else if (text !== first.text) {
      const a = tokenizerIdentityFromMetadata(first.meta, first.file);
      const b = tokenizerIdentityFromMetadata(meta, s.path);
      throw new FoxdenError('BAD_INPUT', `token shards come from two different tokenizers: ${first.file} has ${a.name} (vocab ${a.vocab_size}, sha256 ${a.sha256.slice(0, 12)}), ${s.path} has ${b.name} (vocab ${b.vocab_size}, sha256 ${b.sha256.slice(0, 12)}); re-tokenize them with one tokenizer`, { file });
    }
  }
  if (!first) throw new FoxdenError('BAD_CONFIG', 'curriculum: no token shards');
  return { identity: tokenizerIdentityFromMetadata(first.meta, first.file), metadata: first.meta };
}
