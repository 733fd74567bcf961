import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { FoxdenError, type TokenizerIdentity } from '@foxden/core';

/** Token ids are stored as uint32, so no id may reach 2^32. */
export const MAX_TOKEN_ID = 0xffffffff;

/** Special token spellings tried, in order, when a role is not named explicitly. */
const ROLE_CANDIDATES: Record<'bos' | 'eos' | 'pad' | 'unk', readonly string[]> = {
  bos: ['<bos>', '<s>', '<|begin_of_text|>', '<|startoftext|>', '[CLS]', '<|endoftext|>'],
  eos: ['<eos>', '</s>', '<|end_of_text|>', '<|endoftext|>', '[SEP]'],
  pad: ['<pad>', '[PAD]', '<|pad|>'],
  unk: ['<unk>', '[UNK]', '<|unk|>'],
};

export interface LoadTokenizerOptions {
  /** Name recorded in the identity. Default: the file name without `.json`, or the folder name when the file is `tokenizer.json`. */
  name?: string;
}

/**
 * A loaded Hugging Face tokenizer (any model type the library reads: BPE,
 * Unigram, WordPiece, ...) with its identity. Encoding never adds special
 * tokens: whether a document gets BOS/EOS is the pipeline's decision.
 */
export class LoadedTokenizer {
  constructor(
    /** The path it was loaded from. */
    readonly path: string,
    readonly identity: TokenizerIdentity,
    /** The binding's tokenizer, for anything the wrapper does not cover. */
    readonly native: Tokenizer,
  ) {}

  /** Token ids of each text, without special tokens. Rejects when the library rejects any text of the batch. */
  async encodeBatch(texts: readonly string[]): Promise<Uint32Array[]> {
    const encodings = await this.native.encodeBatch(texts as string[], { addSpecialTokens: false });
    const out: Uint32Array[] = new Array(encodings.length);
    for (let i = 0; i < encodings.length; i++) out[i] = Uint32Array.from(encodings[i]!.getIds());
    return out;
  }

  async encode(text: string): Promise<Uint32Array> {
    const encoding = await this.native.encode(text, null, { addSpecialTokens: false });
    return Uint32Array.from(encoding.getIds());
  }

  /** Text of the ids; special tokens are skipped unless `skipSpecialTokens` is false. */
  async decode(ids: ArrayLike<number>, skipSpecialTokens = true): Promise<string> {
    return this.native.decode(Array.from(ids), skipSpecialTokens);
  }

  /** Id of a special token by role or spelling (`bos`, `eos`, `pad`, `unk`, or e.g. `<s>`), or null. */
  specialId(roleOrToken: string): number | null {
    const ids = this.identity.special_ids;
    if (roleOrToken in ids) return ids[roleOrToken]!;
    const candidates = ROLE_CANDIDATES[roleOrToken as keyof typeof ROLE_CANDIDATES];
    if (candidates) for (const c of candidates) if (c in ids) return ids[c]!;
    return null;
  }
}

/**
 * Loads a tokenizer.json. A file that cannot be read, is not JSON, has an id
 * that does not fit uint32, or that the library refuses is a BAD_CONFIG
 * error naming the file.
 */
export async function loadTokenizer(path: string, options: LoadTokenizerOptions = {}): Promise<LoadedTokenizer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new FoxdenError('BAD_CONFIG', `cannot read tokenizer ${path}: ${(e as Error).message}`, { file: path, cause: e });
  }
  const text = bytes.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new FoxdenError('BAD_CONFIG', `tokenizer ${path} is not valid JSON: ${(e as Error).message}`, { file: path, cause: e });
  }
  if (json === null || typeof json !== 'object' || typeof (json as { model?: unknown }).model !== 'object') {
    throw new FoxdenError('BAD_CONFIG', `tokenizer ${path} is not a Hugging Face tokenizer.json (no "model" object)`, { file: path });
  }
  const maxId = largestId(json as TokenizerFile);
  if (maxId > MAX_TOKEN_ID) {
    throw new FoxdenError('BAD_CONFIG', `tokenizer ${path} has token id ${maxId}, beyond the uint32 range of token shards (vocabulary over 2^32)`, { file: path });
  }
  let native: Tokenizer;
  try {
    native = Tokenizer.fromString(text);
  } catch (e) {
    throw new FoxdenError('BAD_CONFIG', `tokenizer ${path} does not load: ${(e as Error).message}`, { file: path, cause: e });
  }
  const identity = tokenizerIdentity(json as TokenizerFile, bytes, native.getVocabSize(true), options.name ?? defaultName(path));
  return new LoadedTokenizer(path, identity, native);
}

interface TokenizerFile {
  added_tokens?: { id: number; content: string; special?: boolean }[];
  model: { type?: string; vocab?: Record<string, number> | [string, number][] };
}

/**
 * The identity that travels with token shards: name, vocabulary size
 * (including added tokens), the ids of special tokens and the sha256 of the
 * exact tokenizer.json bytes.
 */
export function tokenizerIdentity(json: TokenizerFile, bytes: Uint8Array, vocabSize: number, name: string): TokenizerIdentity {
  const special_ids: Record<string, number> = {};
  for (const t of [...(json.added_tokens ?? [])].sort((a, b) => a.id - b.id)) if (t.special) special_ids[t.content] = t.id;
  return { name, vocab_size: vocabSize, special_ids, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function largestId(json: TokenizerFile): number {
  let max = -1;
  for (const t of json.added_tokens ?? []) if (typeof t.id === 'number' && t.id > max) max = t.id;
  const vocab = json.model.vocab;
  // Unigram vocabularies are lists (the id is the position); BPE/WordPiece ones are maps.
  if (Array.isArray(vocab)) max = Math.max(max, vocab.length - 1);
  else if (vocab) for (const id of Object.values(vocab)) if (typeof id === 'number' && id > max) max = id;
  return max;
}

function defaultName(path: string): string {
  const file = basename(path);
  if (file === 'tokenizer.json') return basename(dirname(path)) || 'tokenizer';
  return file.replace(/\.json$/, '');
}
