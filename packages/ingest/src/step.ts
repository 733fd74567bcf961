import { DOCUMENT_COLUMNS, type StepModule } from '@foxden/core';
import { DEFAULT_JSONL_TEXT_FIELDS } from './readers/index.js';
import { runIngestTask, type IngestParams } from './ingest-task.js';
import { planMain, planSplit, runSplitTask } from './split-task.js';

/**
 * Reads raw inputs (WARC/WET/WAT/ARC, JSONL(.gz/.zst), text) into document
 * shards: one task per input file, so a crash costs at most one file's work,
 * and one per split_bytes of a large per-record-gzip or plain WARC/ARC file,
 * so that few big files still keep every core busy. The `split` phase walks
 * the ranges of such files (record boundaries, decompressed lengths; see
 * readers/split.ts) and the `main` phase reads them; outputs are the same
 * whatever the split.
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
      jsonl_text_field: {
        type: 'string',
        default: DEFAULT_JSONL_TEXT_FIELDS,
        description: 'JSONL field holding the text; several names separated by | are tried in order (text: Dolma, FineWeb, C4; content: RefinedWeb, OSCAR; raw_content: RedPajama-V2).',
      },
      jsonl_id_field: { type: 'string', default: 'id', description: 'JSONL field holding a document id, if any.' },
      extractor: {
        type: 'string', enum: ['fast', 'readability'], default: 'fast',
        description: 'HTML main-text extractor: fast (linear block scoring over a light tree, the default) or readability (Readability.js over linkedom, about 9 times slower on real pages).',
      },
      repair_mojibake: {
        type: 'boolean', default: true,
        description: 'Repair mojibake (UTF-8 text once decoded as Windows-1252 or Latin-1: "doesnâ€™t", "cafÃ©") with ftfy\'s fix_encoding; a repaired document has meta.mojibake_repaired = true.',
      },
      batch_rows: { type: 'integer', minimum: 1, default: 512, description: 'Rows per Arrow record batch in the output shards.' },
      split_bytes: {
        type: 'integer', minimum: 0, default: 268435456,
        description: 'Per-record-gzip and plain WARC/WET/ARC files larger than this are read by several tasks, one per this many bytes of file, split at record boundaries (gzip members, record headers); documents, ids and drops are the same whatever the split. Whole-file gzip/zstd, JSONL and text files are never split. 0: never split.',
      },
    },
  },
  outputColumns: () => [...DOCUMENT_COLUMNS],
  phases: [
    {
      name: 'split',
      carriesDocuments: false,
      plan: planSplit,
      run: runSplitTask,
    },
    {
      name: 'main',
      carriesDocuments: true,
      async plan(ctx) {
        return planMain(ctx, await planSplit(ctx));
      },
      run: runIngestTask,
    },
  ],
};

export const steps = [ingestStep];
