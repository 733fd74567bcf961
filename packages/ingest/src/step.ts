import { DOCUMENT_COLUMNS, type StepModule } from '@foxden/core';
import { runIngestTask, type IngestParams } from './ingest-task.js';

/**
 * Reads raw inputs (WARC/WET/WAT/ARC, JSONL(.gz/.zst), text) into document
 * shards: one task per input file, so a crash costs at most one file's work.
 */
export const ingestStep: StepModule<IngestParams> = {
  type: 'ingest',
  description: 'Read web archives, JSONL and text files into document shards: HTML to main text, charset, Unicode NFC, language id.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      language_id: { type: 'boolean', default: true, description: 'Identify each document\'s language with fastText lid.176.' },
      language_id_max_chars: { type: 'integer', minimum: 100, default: 2000, description: 'Characters of each document the language identifier reads (prediction time grows with length; 2,000 characters identify a language as well as the whole text).' },
      min_chars: { type: 'integer', minimum: 1, default: 1, description: 'Documents with fewer characters after extraction are dropped as empty-text.' },
      max_record_bytes: { type: 'integer', minimum: 1024, default: 67108864, description: 'Largest record payload held in memory; larger records are rejected.' },
      jsonl_text_field: { type: 'string', default: 'text', description: 'JSONL field holding the text.' },
      jsonl_id_field: { type: 'string', default: 'id', description: 'JSONL field holding a document id, if any.' },
      batch_rows: { type: 'integer', minimum: 1, default: 512, description: 'Rows per Arrow record batch in the output shards.' },
    },
  },
  outputColumns: () => [...DOCUMENT_COLUMNS],
  phases: [
    {
      name: 'main',
      carriesDocuments: true,
      async plan(ctx) {
        return ctx.inputs.map((input, i) => ({ id: String(i).padStart(5, '0'), inputs: [input.path], bytes: input.bytes }));
      },
      run: runIngestTask,
    },
  ],
};

export const steps = [ingestStep];
