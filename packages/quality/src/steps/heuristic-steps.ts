import type { StepModule } from '@foxden/core';
import { C4_DEFAULTS, c4Filter, type C4LineCounter, type C4Options } from '../heuristics/c4.js';
import { FINEWEB_DEFAULTS, finewebFilter, type FineWebOptions } from '../heuristics/fineweb.js';
import { GOPHER_QUALITY_DEFAULTS, gopherQuality, type GopherQualityOptions } from '../heuristics/gopher-quality.js';
import { GOPHER_REPETITION_DEFAULTS, gopherRepetition, type GopherRepetitionOptions } from '../heuristics/gopher-repetition.js';
import { mapStep } from '@foxden/shards';
import { nullableNumber, verdictTransform } from './verdict-transform.js';

const invalidChars = {
  type: 'number', minimum: 0, maximum: 1, default: 0.01,
  description: 'Largest share of control characters and U+FFFD (binary junk, invalid UTF-8) before the document is dropped as <prefix>:invalid-chars. 1 disables.',
};

export const gopherQualityStep: StepModule<GopherQualityOptions> = mapStep<GopherQualityOptions>({
  type: 'gopher-quality',
  description: 'Gopher quality rules: word count, mean word length, symbol ratios, bullet and ellipsis lines, alphabetic words, stop words.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      min_words: nullableNumber(GOPHER_QUALITY_DEFAULTS.min_words, 'Fewest words (tokens that keep a character after edge punctuation is stripped).'),
      max_words: nullableNumber(GOPHER_QUALITY_DEFAULTS.max_words, 'Most words.'),
      min_mean_word_length: nullableNumber(GOPHER_QUALITY_DEFAULTS.min_mean_word_length, 'Smallest mean word length in characters.'),
      max_mean_word_length: nullableNumber(GOPHER_QUALITY_DEFAULTS.max_mean_word_length, 'Largest mean word length in characters.'),
      max_hash_ratio: nullableNumber(GOPHER_QUALITY_DEFAULTS.max_hash_ratio, 'Largest ratio of "#" to words.'),
      max_ellipsis_ratio: nullableNumber(GOPHER_QUALITY_DEFAULTS.max_ellipsis_ratio, 'Largest ratio of ellipses ("..." or "…") to words.'),
      max_bullet_lines_ratio: nullableNumber(GOPHER_QUALITY_DEFAULTS.max_bullet_lines_ratio, 'Largest share of non-empty lines starting with a bullet.'),
      max_ellipsis_lines_ratio: nullableNumber(GOPHER_QUALITY_DEFAULTS.max_ellipsis_lines_ratio, 'Largest share of non-empty lines ending with an ellipsis.'),
      min_alpha_words_ratio: nullableNumber(GOPHER_QUALITY_DEFAULTS.min_alpha_words_ratio, 'Smallest share of whitespace tokens containing a letter.'),
      min_stop_words: nullableNumber(GOPHER_QUALITY_DEFAULTS.min_stop_words, 'Fewest stop-word occurrences.'),
      stop_words: { type: 'array', items: { type: 'string' }, default: [...GOPHER_QUALITY_DEFAULTS.stop_words], description: 'Stop words (compared in lower case).' },
      max_invalid_char_ratio: invalidChars,
    },
  },
  prepare: (ctx) => ({ transform: verdictTransform((text) => gopherQuality(text, ctx.params)) }),
});

export const gopherRepetitionStep: StepModule<GopherRepetitionOptions> = mapStep<GopherRepetitionOptions>({
  type: 'gopher-repetition',
  description: 'Gopher repetition rules: duplicate lines and paragraphs, most common 2-4-grams, duplicated 5-10-grams.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      max_dup_line_fraction: nullableNumber(GOPHER_REPETITION_DEFAULTS.max_dup_line_fraction, 'Largest share of lines repeating an earlier line.'),
      max_dup_paragraph_fraction: nullableNumber(GOPHER_REPETITION_DEFAULTS.max_dup_paragraph_fraction, 'Largest share of paragraphs repeating an earlier one.'),
      max_dup_line_char_fraction: nullableNumber(GOPHER_REPETITION_DEFAULTS.max_dup_line_char_fraction, 'Largest share of characters in repeated lines.'),
      max_dup_paragraph_char_fraction: nullableNumber(GOPHER_REPETITION_DEFAULTS.max_dup_paragraph_char_fraction, 'Largest share of characters in repeated paragraphs.'),
      max_top_ngram_char_fraction: {
        type: 'array', items: { type: 'number', minimum: 0 }, maxItems: 3, default: [...GOPHER_REPETITION_DEFAULTS.max_top_ngram_char_fraction],
        description: 'Largest share of characters in the most common n-gram, for n = 2, 3, 4 in order; a shorter list checks fewer n.',
      },
      max_dup_ngram_char_fraction: {
        type: 'array', items: { type: 'number', minimum: 0 }, maxItems: 6, default: [...GOPHER_REPETITION_DEFAULTS.max_dup_ngram_char_fraction],
        description: 'Largest share of characters in duplicated n-grams, for n = 5 .. 10 in order; a shorter list checks fewer n.',
      },
      max_invalid_char_ratio: invalidChars,
    },
  },
  prepare: (ctx) => ({ transform: verdictTransform((text) => gopherRepetition(text, ctx.params)) }),
});

export const c4FilterStep: StepModule<C4Options> = mapStep<C4Options>({
  type: 'c4-filter',
  description: 'C4 rules: keep lines ending in terminal punctuation with enough words, without "javascript" or policy phrases; drop documents with "lorem ipsum", curly braces or too few sentences; strip citation markers.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      require_terminal_punctuation: { type: 'boolean', default: C4_DEFAULTS.require_terminal_punctuation, description: 'Keep only lines ending in terminal punctuation (and not in an ellipsis).' },
      terminal_punctuation: { type: 'array', items: { type: 'string', minLength: 1 }, default: [...C4_DEFAULTS.terminal_punctuation], description: 'Line endings that count as terminal punctuation; add "。", "！", "？" for Chinese or Japanese.' },
      min_words_per_line: { type: 'integer', minimum: 0, default: C4_DEFAULTS.min_words_per_line, description: 'Drop lines with fewer whitespace-separated words; 0 disables.' },
      max_word_length: { type: 'integer', minimum: 0, default: C4_DEFAULTS.max_word_length, description: 'Drop lines with a longer word; 0 disables.' },
      filter_javascript: { type: 'boolean', default: C4_DEFAULTS.filter_javascript, description: 'Drop lines containing "javascript".' },
      filter_policy: { type: 'boolean', default: C4_DEFAULTS.filter_policy, description: 'Drop lines with cookie, terms-of-use or privacy-policy phrases.' },
      filter_lorem_ipsum: { type: 'boolean', default: C4_DEFAULTS.filter_lorem_ipsum, description: 'Drop documents containing "lorem ipsum".' },
      filter_curly_brace: { type: 'boolean', default: C4_DEFAULTS.filter_curly_brace, description: 'Drop documents containing "{" or "}".' },
      min_sentences: { type: 'integer', minimum: 0, default: C4_DEFAULTS.min_sentences, description: 'Fewest sentences in the kept lines; 0 disables.' },
      strip_citations: { type: 'boolean', default: C4_DEFAULTS.strip_citations, description: 'Remove citation markers such as [1], [edit], [citation needed].' },
      max_invalid_char_ratio: invalidChars,
    },
  },
  prepare: (ctx) => ({
    transform: verdictTransform((text, count) => c4Filter(text, ctx.params, (c: C4LineCounter, n?: number) => count(c, n))),
  }),
});

export const finewebFilterStep: StepModule<FineWebOptions> = mapStep<FineWebOptions>({
  type: 'fineweb-filter',
  description: 'FineWeb rules: share of lines with terminal punctuation, share of short lines, characters in duplicate lines, newlines per word.',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      min_terminal_punct_line_ratio: nullableNumber(FINEWEB_DEFAULTS.min_terminal_punct_line_ratio, 'Smallest share of non-empty lines ending in terminal punctuation.'),
      terminal_punctuation: { type: 'array', items: { type: 'string', minLength: 1 }, default: [...FINEWEB_DEFAULTS.terminal_punctuation], description: 'Line endings that count as terminal punctuation.' },
      max_short_line_ratio: nullableNumber(FINEWEB_DEFAULTS.max_short_line_ratio, 'Largest share of non-empty lines that are short.'),
      short_line_length: { type: 'integer', minimum: 1, default: FINEWEB_DEFAULTS.short_line_length, description: 'Characters (after trimming) up to which a line is short.' },
      max_dup_line_char_ratio: nullableNumber(FINEWEB_DEFAULTS.max_dup_line_char_ratio, 'Largest share of characters (newlines excluded) in lines repeating an earlier line.'),
      max_newline_per_word: nullableNumber(FINEWEB_DEFAULTS.max_newline_per_word, 'Largest number of newlines per whitespace-separated word.'),
      max_invalid_char_ratio: invalidChars,
    },
  },
  prepare: (ctx) => ({ transform: verdictTransform((text) => finewebFilter(text, ctx.params)) }),
});
