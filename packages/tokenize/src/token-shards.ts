import { TOKEN_COLUMNS, tokenizerIdentityToMetadata, type ShardOutput, type TokenizerIdentity } from '@foxden/core';
import { ShardWriter } from '@foxden/shards';
import { join } from 'node:path';

/** One row of a token shard (TOKEN_COLUMNS). */
export interface TokenRow {
  id: string;
  source: string;
  url: string | null;
  lang: string | null;
  n_tokens: number;
  tokens: Uint32Array;
  quality: number | null;
  cluster_size: number | null;
  /** The HTML extraction method from the document's meta (main, readability, ...), null when not HTML. */
  extraction: string | null;
}

export interface TokenShardWriterOptions {
  runDir: string;
  /** Run-relative directory the shards go to, e.g. `steps/04-tokenize/tokens`. */
  dir: string;
  /** File name stem; shards are `<stem>-<n>.arrow` with n = 0000, 0001, ... */
  stem: string;
  identity: TokenizerIdentity;
  /** Extra schema metadata (the step name). */
  metadata?: Record<string, string>;
  /** A new shard is started once the current one holds this many tokens. Default 50,000,000. */
  targetTokens?: number;
  /** A new shard is started once the current one holds this many bytes of token ids (4 per token). Default: no limit. */
  targetBytes?: number;
  /** Rows per Arrow record batch. Default 1024 (ShardWriter's); a batch is also cut at 8 MiB of tokens. */
  batchRows?: number;
}

/**
 * Writes token rows to a sequence of Arrow shards, rolling over to a new file
 * when the target size is reached. Memory holds one record batch; each shard
 * is written under a temporary name and renamed when complete.
 */
export class TokenShardWriter {
  private current: ShardWriter | null = null;
  private currentTokens = 0;
  private index = 0;
  private readonly done: ShardOutput[] = [];
  private readonly tokensPerShard: number[] = [];
  private readonly metadata: Record<string, string>;
  private readonly targetTokens: number;

  constructor(private readonly options: TokenShardWriterOptions) {
    this.metadata = { ...(options.metadata ?? {}), ...tokenizerIdentityToMetadata(options.identity) };
    const byBytes = options.targetBytes === undefined ? Number.POSITIVE_INFINITY : Math.max(1, Math.floor(options.targetBytes / 4));
    this.targetTokens = Math.min(options.targetTokens ?? 50_000_000, byBytes);
  }

  /** Total tokens written so far (all shards). */
  tokens = 0;

  async append(row: TokenRow): Promise<void> {
    if (this.current === null) {
      this.current = await ShardWriter.create({
        runDir: this.options.runDir,
        path: join(this.options.dir, `${this.options.stem}-${String(this.index).padStart(4, '0')}.arrow`),
        kind: 'tokens',
        columns: TOKEN_COLUMNS,
        metadata: this.metadata,
        ...(this.options.batchRows === undefined ? {} : { batchRows: this.options.batchRows }),
      });
      this.index++;
      this.currentTokens = 0;
    }
    await this.current.append(row as unknown as Record<string, unknown>);
    this.currentTokens += row.n_tokens;
    this.tokens += row.n_tokens;
    if (this.currentTokens >= this.targetTokens) await this.rollover();
  }

  private async rollover(): Promise<void> {
    if (this.current === null) return;
    const writer = this.current;
    this.current = null;
    this.done.push(await writer.close());
    this.tokensPerShard.push(this.currentTokens);
  }

  /** Finishes the last shard; returns every shard written, in order, with its token total. */
  async close(): Promise<{ outputs: ShardOutput[]; tokens: number[] }> {
    await this.rollover();
    return { outputs: [...this.done], tokens: [...this.tokensPerShard] };
  }

  /** Removes the unfinished shard (finished ones stay; the task is redone as a whole anyway). */
  async abort(): Promise<void> {
    const writer = this.current;
    this.current = null;
    if (writer) await writer.abort();
  }
}
