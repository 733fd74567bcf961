import { TOKEN_COLUMNS, type StepModule } from '@foxden/core';
import { planPerShard } from '@foxden/shards';
import { boundaryIds, runTokenizeTask, stepTokenizer, type TokenizeParams } from './tokenize-task.js';

export type { TokenizeParams } from './tokenize-task.js';

/** The `tokenize` step: documents in, one token row per document out (kind 'tokens'). */
export const tokenizeStep: StepModule<TokenizeParams> = {
  type: 'tokenize',
  description: 'Encodes each document with a Hugging Face tokenizer.json into Arrow token shards (tokens as list<uint32>, BOS/EOS per params, tokenizer identity in the schema metadata).',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      tokenizer: { type: 'string', minLength: 1, default: 'tokenizer.json', description: 'Path of the tokenizer.json, relative to the pipeline file\'s directory.' },
      add_bos: { type: 'boolean', default: true, description: 'Prepend the BOS token to every document.' },
      add_eos: { type: 'boolean', default: true, description: 'Append the EOS token to every document.' },
      bos_token: { type: ['string', 'null'], default: null, description: 'Spelling of the BOS token; null looks for <bos>, <s>, <|begin_of_text|>, ... among the special tokens.' },
      eos_token: { type: ['string', 'null'], default: null, description: 'Spelling of the EOS token; null looks for <eos>, </s>, <|end_of_text|>, ... among the special tokens.' },
      shard_target_tokens: { type: 'integer', minimum: 1, default: 50_000_000, description: 'A task starts a new token shard once the current one holds this many tokens.' },
      shard_target_bytes: { type: ['integer', 'null'], minimum: 4, default: null, description: 'A task also starts a new shard once the token ids of the current one reach this many bytes (4 per token); null for no byte limit.' },
      batch_size: { type: 'integer', minimum: 1, maximum: 65536, default: 256, description: 'Documents per encodeBatch call.' },
    },
  },
  outputColumns: () => [...TOKEN_COLUMNS],
  async validate(ctx) {
    const tokenizer = await stepTokenizer(ctx);
    boundaryIds(tokenizer, ctx.params);
  },
  phases: [
    { name: 'tokenize', carriesDocuments: true, plan: planPerShard, run: runTokenizeTask },
  ],
};

export const steps: StepModule<any>[] = [tokenizeStep];
