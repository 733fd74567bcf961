import { FastTextLineEncoder, ThreadedFastTextPredictor, type Prediction } from '@foxden/fasttext';

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
 * Scores texts with one long-running fastText process, fed from its own
 * thread (ThreadedFastTextPredictor): texts are normalised straight into
 * UTF-8 lines (FastTextLineEncoder, byte-identical to normalizeForFastText)
 * and handed over in chunks. `score` returns
 * at once with a promise, so a caller may encode and send the next batch
 * while fastText works on this one.
 */
export class QualityScorer {
  private readonly encoder: FastTextLineEncoder;

  private constructor(private readonly predictor: ThreadedFastTextPredictor, private readonly label: string, maxChars: number) {
    this.encoder = new FastTextLineEncoder({ maxChars, initialBytes: 2 * CHUNK_BYTES });
  }

  /** Starts fastText and checks the model loads (BAD_CONFIG naming the file otherwise). */
  static async create(options: QualityScorerOptions): Promise<QualityScorer> {
    const predictor = await ThreadedFastTextPredictor.create({ model: options.model, k: options.k ?? 16, binary: options.binary });
    return new QualityScorer(predictor, options.label, options.maxChars);
  }

  /** The score of each text, in order, as float32 (the type of the `quality` column). */
  score(texts: readonly string[]): Promise<Float32Array> {
    const parts: Promise<Prediction[][]>[] = [];
    for (const text of texts) {
      this.encoder.add(text);
      if (this.encoder.bytes >= CHUNK_BYTES) parts.push(this.predictor.predictEncoded(this.encoder.take()));
    }
    if (this.encoder.lines > 0) parts.push(this.predictor.predictEncoded(this.encoder.take()));
    // Every part is awaited below; until then a failed one must not count as an unhandled rejection.
    for (const p of parts) p.catch(() => undefined);
    return this.collect(parts, texts.length);
  }

  close(): Promise<void> {
    return this.predictor.close();
  }

  private async collect(parts: Promise<Prediction[][]>[], n: number): Promise<Float32Array> {
    const scores = new Float32Array(n);
    let at = 0;
    for (const part of parts) {
      for (const labels of await part) {
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
