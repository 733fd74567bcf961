export { loadTokenizer, tokenizerIdentity, LoadedTokenizer, MAX_TOKEN_ID } from './tokenizer.js';
export type { LoadTokenizerOptions } from './tokenizer.js';
export { trainBpeTokenizer, DEFAULT_SPECIAL_TOKENS, MAX_TRAINED_VOCAB } from './bpe-trainer.js';
export type { BpeTrainerOptions, BpeTrainingResult, TokenizerJson } from './bpe-trainer.js';
export type { WordCountOptions, WordCountStats } from './word-counts.js';
export { readTrainingTexts } from './text-sources.js';
export { toByteLevel, preTokenize, BYTE_CHARS } from './byte-level.js';
export { TokenShardWriter, tokenizerMetadata, TOKENIZER_METADATA_KEYS } from './token-shards.js';
export type { TokenShardWriterOptions } from './token-shards.js';
