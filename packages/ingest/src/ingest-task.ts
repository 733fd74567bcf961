import {
  DOCUMENT_COLUMNS, FoxdenError, addCount, shardPath,
  type DocumentRecord, type InputFile, type TaskContext, type TaskSpec, type TaskStats,
} from '@foxden/core';
import { runTask, type DropWriter, type ShardWriter } from '@foxden/shards';
import { readSource, type SourceDocument, type SourceRange, type SourceRecord } from './readers/index.js';
import { decodeBody, extractMainText, normalizeText, repairMojibake, type Extractor } from './extract/index.js';
import { LanguageIdentifier, type LanguageGuess } from './langid/index.js';

export interface IngestParams {
  language_id: boolean;
  language_id_max_chars: number;
  min_chars: number;
  max_record_bytes: number;
  jsonl_text_field: string;
  jsonl_id_field: string;
  batch_rows: number;
  split_bytes: number;
  extractor: Extractor;
  repair_mojibake: boolean;
}

const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml', 'application/xml', 'text/xml']);

// One language identifier per thread and setting. It runs the native fastText binary (one idle child
// process per thread, which does not keep the thread alive) where it runs, the wasm build elsewhere;
// sync: false skips loading the wasm runtime (~100 ms, 130 MB) that only identify() would need.
// One whose fastText process has died since (killed for memory, say) is replaced: its failure would
// otherwise fail every later task of the thread, retries included.
const identifiers = new Map<number, { ready: Promise<LanguageIdentifier>; made: LanguageIdentifier | null }>();
function languageIdentifier(maxChars: number): Promise<LanguageIdentifier> {
  const cached = identifiers.get(maxChars);
  if (cached && !cached.made?.failed) return cached.ready;
  if (cached?.made) void cached.made.close().catch(() => undefined);
  const entry: { ready: Promise<LanguageIdentifier>; made: LanguageIdentifier | null } = { ready: LanguageIdentifier.create({ maxChars, sync: false }), made: null };
  entry.ready.then(
    (made) => (entry.made = made),
    // A failed start must not be cached for the next task of this thread.
    () => identifiers.get(maxChars) === entry && identifiers.delete(maxChars),
  );
  identifiers.set(maxChars, entry);
  return entry.ready;
}

/**
 * Turns the source document of one record into text: HTML payloads go
 * through charset decoding and main-text extraction, text payloads through
 * charset decoding, formats that carry text pass it on. Always normalised;
 * mojibake is repaired unless `repair` is false (a repair is recorded as
 * `meta.mojibake_repaired`).
 */
export function documentText(
  record: SourceDocument, meta: Record<string, unknown>, { extractor = 'fast', repair = true }: { extractor?: Extractor; repair?: boolean } = {},
): string {
  const text = rawText(record, meta, extractor);
  if (!repair) return normalizeText(text);
  if (typeof meta['title'] === 'string') meta['title'] = repairMojibake(meta['title']).text;
  return normalizeText(withoutMojibake(text, meta));
}

function rawText(record: SourceDocument, meta: Record<string, unknown>, extractor: Extractor): string {
  if (record.text !== undefined) return record.text;
  if (!record.body) return '';
  const decoded = decodeBody(record.body, record.declaredCharset);
  meta['charset'] = decoded.charset;
  meta['charset_source'] = decoded.charsetSource;
  const isHtml = record.mediaType === null ? /^\s*<(!doctype|html|head|body)/i.test(decoded.text.slice(0, 512)) : HTML_TYPES.has(record.mediaType);
  if (!isHtml) return decoded.text;
  const extracted = extractMainText(decoded.text, { url: record.url, extractor });
  if (extracted.title) meta['title'] = extracted.title;
  meta['extraction'] = extracted.method;
  return extracted.text;
}

function withoutMojibake(text: string, meta: Record<string, unknown>): string {
  const found = repairMojibake(text);
  if (found.repaired) meta['mojibake_repaired'] = true;
  return found.text;
}

/** Document id: given by the input (prefixed by its source, so ids are unique across files) or source@offset. */
export function documentId(source: string, record: { offset: number; id?: string }): string {
  return record.id !== undefined && record.id !== '' ? `${source}:${record.id}` : `${source}@${record.offset}`;
}

/**
 * Makes given ids unique within a file: real dumps repeat them, and two
 * documents with one id would fail exact dedup's accounting. The first record
 * keeps `<source>:<id>`; a later one with the same id becomes
 * `<source>:<id>@<offset>` (unique: offsets are), and is counted. Nothing is
 * dropped: if the texts are the same too, exact dedup removes the copy with a reason.
 */
export class UniqueIds {
  private readonly given = new Set<string>();
  repeats = 0;

  of(source: string, record: { offset: number; id?: string }): string {
    const id = documentId(source, record);
    if (record.id === undefined || record.id === '') return id;
    if (!this.given.has(id)) {
      this.given.add(id);
      return id;
    }
    this.repeats++;
    let qualified = `${id}@${record.offset}`;
    while (this.given.has(qualified)) qualified += '@';
    this.given.add(qualified);
    return qualified;
  }
}

/**
 * The most documents, and characters, gathered for one identifyBatch call. A
 * batch is sent sooner, with what has been gathered, whenever fastText has
 * answered the one before (see IngestRun.document).
 */
const LANG_BATCH_DOCS = 128;
const LANG_BATCH_CHARS = 1 << 20;

/**
 * The longest a task works without letting its thread's event loop turn. The
 * reader takes 1 MiB at a time and records come out of it without waiting,
 * so without a turn nothing else this thread owes gets done: fastText's
 * start and answers (its polls are timers), an abort, progress messages.
 */
const EVENT_LOOP_TURN_MS = 10;

/** Documents sent to the language identifier, and their guesses to come. */
interface LanguageBatch {
  docs: DocumentRecord[];
  guesses: Promise<LanguageGuess[]>;
}

export async function runIngestTask(task: TaskSpec, ctx: TaskContext<IngestParams>): Promise<TaskStats> {
  const params = ctx.params;
  const input = ctx.inputs.find((i) => i.path === task.inputs[0]);
  if (!input) throw new FoxdenError('INTERNAL', `ingest task ${task.id} names an input that is not in the pipeline: ${task.inputs[0]}`);
  // Not awaited: fastText starts (a child process loading its model) while the first records are read
  // and extracted; the first batch waits for it, and a model that fails to load fails that batch.
  const lang = params.language_id ? languageIdentifier(params.language_id_max_chars) : null;
  return runTask(task, ctx, async (scope) => {
    const docs = await scope.shard({
      path: shardPath(ctx.stepDir, 'documents', ctx.phase, task.id), kind: 'documents',
      columns: DOCUMENT_COLUMNS, metadata: { 'foxden.source': input.source }, batchRows: params.batch_rows,
    });
    // A range of a split archive (split-task.ts): record offsets are still those of the whole file.
    const range = task.params?.['range'] as SourceRange | undefined;
    const start = range?.base ?? 0;
    const run = new IngestRun(ctx, input, scope.stats, docs, await scope.drops(), lang, start, range ? start + task.bytes : input.bytes);
    for await (const record of readSource(input.path, {
      maxRecordBytes: params.max_record_bytes, jsonlTextField: params.jsonl_text_field, jsonlIdField: params.jsonl_id_field, signal: ctx.signal,
      ...(range ? { range } : {}),
    })) {
      scope.checkAborted();
      await run.take(record);
    }
    await run.finish();
    scope.stats.bytes_in = range ? task.bytes : input.bytes;
  });
}

/**
 * One ingest task's work, record by record: each record becomes a document
 * (written once its language is known) or a counted drop with its reason,
 * and progress is reported as the input is read.
 */
class IngestRun {
  private readonly ids = new UniqueIds();
  /** Kept documents wait for their language in input order (see take). */
  private gathering: DocumentRecord[] = [];
  private gatheringChars = 0;
  private identifying: LanguageBatch | null = null;
  /** The language identifier once it has started (null before, or without language id). */
  private identifier: LanguageIdentifier | null = null;
  /** When this task last let the thread's event loop turn (see EVENT_LOOP_TURN_MS). */
  private lastTurn = performance.now();

  constructor(
    private readonly ctx: TaskContext<IngestParams>,
    private readonly input: InputFile,
    private readonly stats: TaskStats,
    private readonly docs: ShardWriter,
    private readonly drops: DropWriter,
    private readonly lang: Promise<LanguageIdentifier> | null,
    /** Offset of the last progress report (whole-file offsets), from the start of the task's bytes. */
    private lastOffset: number,
    /** Where the task's bytes end: the rest is reported as read when the task finishes. */
    private readonly endOffset: number,
  ) {
    // A failure to start is reported by the first batch, which awaits the same promise.
    lang?.then((identifier) => (this.identifier = identifier), () => undefined);
  }

  /** Reads one record: a document (kept, or dropped with its reason), a skip or a reject. */
  async take(record: SourceRecord): Promise<void> {
    const { stats, input, ctx } = this;
    stats.documents_in += 1;
    const id = this.ids.of(input.source, record as { offset: number; id?: string });
    if (record.kind === 'skip') {
      this.drop(id, record.url, `skip:${record.reason}`, record.detail ?? null, record.offset);
    } else if (record.kind === 'reject') {
      // The reader's message names file, offset and cause; name the file by its source name, not its
      // absolute path, so that drops are byte-identical wherever the inputs live.
      this.drop(id, record.url, `reject:${record.reason}`, record.message.split(input.path).join(input.source), record.offset);
      addCount(stats.counters, 'rejected_records');
    } else {
      await this.document(id, record);
    }
    if (record.offset - this.lastOffset > 1 << 20 || stats.documents_in % 256 === 0) {
      await this.drops.flush();
      ctx.progress({ documents: 0, bytes: Math.max(0, record.offset - this.lastOffset) });
      this.lastOffset = record.offset;
    }
    if (stats.documents_in % 64 === 0) ctx.progress({ documents: 64 });
    if (performance.now() - this.lastTurn > EVENT_LOOP_TURN_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastTurn = performance.now();
    }
  }

  /** Writes what is still waiting for its language; reports the rest of the progress. */
  async finish(): Promise<void> {
    await this.identifyGathered();
    await this.writeIdentified();
    if (this.ids.repeats > 0) addCount(this.stats.counters, 'repeated_ids', this.ids.repeats);
    this.ctx.progress({ documents: this.stats.documents_in % 64, bytes: Math.max(0, this.endOffset - this.lastOffset) });
  }

  private async document(id: string, record: SourceDocument): Promise<void> {
    const { params } = this.ctx;
    const meta: Record<string, unknown> = { ...record.meta, format: record.format, record_type: record.recordType };
    if (record.mediaType) meta['media_type'] = record.mediaType;
    let text: string;
    try {
      text = documentText(record, meta, { extractor: params.extractor, repair: params.repair_mojibake });
    } catch (error) {
      this.drop(id, record.url, 'reject:extract-error', `${this.input.source} @ offset ${record.offset}: ${(error as Error).message}`, record.offset);
      addCount(this.stats.counters, 'rejected_records');
      return;
    }
    if (text.trim().length < params.min_chars) {
      this.drop(id, record.url, 'empty-text', String(text.trim().length), record.offset);
      return;
    }
    if (meta['mojibake_repaired'] === true) addCount(this.stats.counters, 'mojibake_repaired');
    // Per method, the HTML pages that became documents (the report's extraction table reads these, so
    // that it need not parse every document's meta): a run whose pages went to the last resorts shows it.
    if (typeof meta['extraction'] === 'string') addCount(this.stats.counters, `extraction_${meta['extraction']}`);
    if (record.lang) meta['given_lang'] = record.lang;
    const doc: DocumentRecord = {
      id, text, url: record.url, source: this.input.source, fetched_at: record.date,
      lang: this.lang ? null : (record.lang ?? null),
      lang_score: null,
      meta: JSON.stringify(meta),
    };
    if (!this.lang) {
      await this.write(doc);
      return;
    }
    // One batch is identified (by the native binary, on another core) while the next is read and
    // extracted, and written once it is answered. The next batch goes as soon as fastText has answered
    // the one before, not when it is full: otherwise fastText waits for 128 documents, the task waits
    // for their answers at its end, and a file of fewer documents is identified only after it has
    // been read. Answers do not depend on the batching.
    this.gathering.push(doc);
    this.gatheringChars += Math.min(text.length, this.ctx.params.language_id_max_chars || text.length);
    const fastTextIdle = this.identifying === null || (this.identifier !== null && !this.identifier.awaitingAnswers());
    if (fastTextIdle || this.gathering.length >= LANG_BATCH_DOCS || this.gatheringChars >= LANG_BATCH_CHARS) await this.identifyGathered();
  }

  private drop(id: string, url: string | null, reason: string, value: string | null, offset: number): void {
    addCount(this.stats.dropped, reason);
    this.drops.add({ id, url, step: this.ctx.stepName, reason, value, source: this.input.source, offset });
  }

  private async write(doc: DocumentRecord): Promise<void> {
    await this.docs.append(doc);
    this.stats.documents_out += 1;
    this.stats.bytes_out += doc.text.length;
  }

  /** Sends the gathered documents to the identifier, then writes the batch sent before (answered by now, or awaited). */
  private async identifyGathered(): Promise<void> {
    const previous = this.identifying;
    this.identifying = null;
    if (this.gathering.length > 0) {
      const texts = this.gathering.map((d) => d.text);
      this.identifying = { docs: this.gathering, guesses: this.lang!.then((lang) => lang.identifyBatch(texts)) };
      // A failure surfaces when the batch is awaited; until then it must not count as unhandled.
      this.identifying.guesses.catch(() => undefined);
      this.gathering = [];
      this.gatheringChars = 0;
    }
    if (previous) await this.writeBatch(previous);
  }

  /** Writes the batch last sent to the identifier, if any. */
  private async writeIdentified(): Promise<void> {
    const batch = this.identifying;
    this.identifying = null;
    if (batch) await this.writeBatch(batch);
  }

  private async writeBatch(batch: LanguageBatch): Promise<void> {
    const guesses = await batch.guesses;
    for (let i = 0; i < batch.docs.length; i++) {
      const doc = batch.docs[i]!;
      doc.lang = guesses[i]!.lang;
      doc.lang_score = guesses[i]!.score;
      await this.write(doc);
    }
  }
}
