import { FastTextLineEncoder, FastTextPredictor, type Prediction } from '@foxden/fasttext';

export interface QualityScorerOptions {
  /** fastText model (absolute path). */
  model: string;
  /** Label whose probability is the score; 0 when fastText does not list it among its top `k`. */
  label: string;
  /** Characters of a document read (normalizeForFastText's maxChars). */
  maxChars: number;
  /** fastText executable; null for the default (see fastTextBinary). */
  binary: string | null;
  /** Labels asked of fastText per document. Default 16. */
  k?: number;
}

/**
 * Bytes of fastText input per write: small enough that fastText starts on the
 * first chunk of a batch while the rest is still being encoded, big enough
 * that a write costs nothing.
 */
const CHUNK_BYTES = 256 * 1024;

/**
 * Scores texts with one long-running fastText process (FastTextPredictor,
 * which feeds it through a named pipe written from the thread pool, so
 * fastText keeps reading while this thread reads and writes Arrow). Texts,
 * as strings or as the UTF-8 bytes read from a shard, are normalised
 * straight into fastText's input lines (FastTextLineEncoder, byte-identical
 * to normalizeForFastText) and handed over in chunks. `score` returns at
 * once with a promise, so a caller may encode and send the next batch while
 * fastText works on this one.
 */
export class QualityScorer {
  private readonly encoder: FastTextLineEncoder;

  private constructor(private readonly predictor: FastTextPredictor, private readonly label: string, maxChars: number) {
    this.encoder = new FastTextLineEncoder({ maxChars, initialBytes: 2 * CHUNK_BYTES });
  }

  /** Starts fastText and checks the model loads (BAD_CONFIG naming the file otherwise). */
  static async create(options: QualityScorerOptions): Promise<QualityScorer> {
    const predictor = await FastTextPredictor.create({ model: options.model, k: options.k ?? 16, binary: options.binary });
    return new QualityScorer(predictor, options.label, options.maxChars);
  }

  /**
   * The score of each text, in order, as float32 (the type of the `quality`
   * column). `lengths`, when given, receives each text's length in UTF-16
   * code units (`string.length`, also for texts given as bytes), counted
   * on the way.
   */
  score(texts: readonly (string | Uint8Array)[], lengths?: Uint32Array): Promise<Float32Array> {
    const parts: { bytes: Uint8Array; answers: Promise<Prediction[][]> }[] = [];
    const send = (): void => {
      const batch = this.encoder.take();
      parts.push({ bytes: batch.bytes, answers: this.predictor.predictEncoded(batch) });
    };
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i]!;
      let length: number;
      if (typeof text === 'string') {
        this.encoder.add(text);
        length = text.length;
      } else {
        length = this.encoder.addUtf8(text);
      }
      if (lengths) lengths[i] = length;
      if (this.encoder.bytes >= CHUNK_BYTES) send();
    }
    if (this.encoder.lines > 0) send();
    // Every part is awaited below; until then a failed one must not count as an unhandled rejection.
    for (const p of parts) p.answers.catch(() => undefined);
    return this.collect(parts, texts.length);
  }

  close(): Promise<void> {
    return this.predictor.close();
  }

  private async collect(parts: { bytes: Uint8Array; answers: Promise<Prediction[][]> }[], n: number): Promise<Float32Array> {
    const scores = new Float32Array(n);
    let at = 0;
    for (const part of parts) {
      const answers = await part.answers;
      // fastText has read every line of the part, so its bytes are free.
      this.encoder.recycle(part.bytes);
      for (const labels of answers) {
        let prob = 0;
        for (const p of labels) {
          if (p.label === this.label) {
            prob = p.prob;
            break;
          }
        }
        scores[at++] = prob;
      }
    }
    return scores;
  }
}
