/**
 * Which pages the demo crawl holds, at which URLs, in which charset, and how
 * each is rendered. Selection is a pure function of the packaged data and the
 * counts; rendering re-reads one source document at a time.
 */
import { createHash } from 'node:crypto';
import { encodeHtml, type PageCharset } from './charset.js';
import { htmlMailPage, htmlToPlainText, mailPage, speechPage } from './html-templates.js';
import { readMail, type Mail, type MailRef } from './sources/spam-assassin.js';
import { readSpeech, speechParagraphs, type SpeechRef } from './sources/sotu.js';
import type { CrawledPage } from './warc-writer.js';

export type PageKind = 'spam' | 'ham' | 'sotu';
export type DuplicateKind = 'exact' | 'near';

interface MailSelection {
  kind: 'spam' | 'ham';
  ref: MailRef;
  /** Position among the selected mails of its class: drives prev/next links and duplicate choice. */
  index: number;
  charset: PageCharset;
  url: string;
  previousUrl: string;
  nextUrl: string;
}

interface SpeechSelection {
  kind: 'sotu';
  ref: SpeechRef;
  index: number;
  charset: PageCharset;
  url: string;
  related: Array<{ url: string; label: string }>;
}

type Original = MailSelection | SpeechSelection;

/** One response the crawl holds. */
export interface PageEntry {
  url: string;
  original: Original;
  /** Set on deliberate duplicates: an exact byte copy, or a near-duplicate rendering. */
  duplicate?: DuplicateKind;
}

export const MAIL_HOST = 'https://mail-archive.example.org';
export const MAIL_MIRROR_HOST = 'https://lists-mirror.example.com';
export const SPEECH_HOST = 'https://www.presidency-archive.example.org';
export const SPEECH_MIRROR_HOST = 'https://history-mirror.example.net';

/** Every n-th mail page (offset 7) gets an exact copy on a mirror host. */
const MAIL_EXACT_COPY_EVERY = 40;
/** Every n-th speech page (offset 5) gets an exact copy under a tracking-parameter URL. */
const SPEECH_EXACT_COPY_EVERY = 16;
/** Every n-th speech page (offset 2) gets a near-duplicate on a mirror site. */
const SPEECH_NEAR_COPY_EVERY = 8;

export function mailUrl(ref: MailRef): string {
  return `${MAIL_HOST}/${ref.mailClass}/${ref.group}/${ref.id}.html`;
}

function speechSlug(ref: SpeechRef): string {
  return ref.stem.replace(/_[a-z]+$/, '').replace(/_/g, '-');
}

export function speechUrl(ref: SpeechRef): string {
  return `${SPEECH_HOST}/sotu/${speechSlug(ref)}.html`;
}

/**
 * A page is served in its mail's own legacy charset when that is ISO-8859-1 or
 * windows-1252 (as a 2002 archive would), otherwise in UTF-8.
 */
export function mailPageCharset(mailCharset: string | undefined): PageCharset {
  if (mailCharset === 'iso-8859-1' || mailCharset === 'latin1') return 'iso-8859-1';
  if (mailCharset === 'windows-1252') return 'windows-1252';
  return 'utf-8';
}

/** Speeches: one in five windows-1252, one in ten ISO-8859-1, the rest UTF-8. */
export function speechPageCharset(index: number): PageCharset {
  if (index % 5 === 1) return 'windows-1252';
  if (index % 10 === 3) return 'iso-8859-1';
  return 'utf-8';
}

export function selectMailPages(kind: 'spam' | 'ham', mails: Array<{ ref: MailRef; charset: string | undefined }>): MailSelection[] {
  const urls = mails.map((m) => mailUrl(m.ref));
  return mails.map((m, index) => ({
    kind,
    ref: m.ref,
    index,
    charset: mailPageCharset(m.charset),
    url: urls[index]!,
    previousUrl: urls[(index + urls.length - 1) % urls.length]!,
    nextUrl: urls[(index + 1) % urls.length]!,
  }));
}

export function selectSpeechPages(refs: SpeechRef[]): SpeechSelection[] {
  const byYear = [...refs].sort((a, b) => (a.stem < b.stem ? -1 : 1));
  return refs.map((ref, index) => {
    const pos = byYear.indexOf(ref);
    const neighbours = [byYear[pos - 1], byYear[pos + 1]].filter((r): r is SpeechRef => r !== undefined);
    return {
      kind: 'sotu',
      ref,
      index,
      charset: speechPageCharset(index),
      url: speechUrl(ref),
      related: [
        ...neighbours.map((r) => ({ url: speechUrl(r), label: `State of the Union, ${r.year}` })),
        { url: `${SPEECH_HOST}/sotu/`, label: 'All State of the Union addresses' },
        { url: `${SPEECH_HOST}/presidents/`, label: 'Biographies of the presidents' },
      ],
    };
  });
}

/**
 * The originals plus their deliberate duplicates, in crawl order: sorted by a
 * hash of the URL, so sources and duplicates interleave as in a real crawl.
 */
export function crawlOrder(mails: MailSelection[], speeches: SpeechSelection[]): PageEntry[] {
  const entries: PageEntry[] = [];
  for (const m of mails) {
    entries.push({ url: m.url, original: m });
    if (m.index % MAIL_EXACT_COPY_EVERY === 7) {
      entries.push({ url: `${MAIL_MIRROR_HOST}/archive/${m.ref.mailClass}/${m.ref.group}-${m.ref.id}.html`, original: m, duplicate: 'exact' });
    }
  }
  for (const s of speeches) {
    entries.push({ url: s.url, original: s });
    if (s.index % SPEECH_EXACT_COPY_EVERY === 5) {
      entries.push({ url: `${s.url}?utm_source=newsletter&utm_medium=email`, original: s, duplicate: 'exact' });
    }
    if (s.index % SPEECH_NEAR_COPY_EVERY === 2) {
      entries.push({ url: `${SPEECH_MIRROR_HOST}/annual-messages/${s.ref.year}/${speechSlug(s.ref)}/`, original: s, duplicate: 'near' });
    }
  }
  const key = (url: string) => createHash('sha256').update(url).digest('hex');
  return entries
    .map((entry) => ({ entry, order: key(entry.url) }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .map(({ entry }) => entry);
}

function listName(mail: Mail): string {
  const id = mail.headers['list-id'] ?? mail.headers['x-mailing-list'] ?? mail.headers['mailing-list'];
  if (id !== undefined) {
    const inner = /<([^>]+)>/.exec(id)?.[1] ?? id;
    return inner.replace(/^list\s+/i, '').split(/[;\s]/)[0] || inner;
  }
  return mail.ref.mailClass === 'spam' ? 'spam-trap' : 'general-discussion';
}

/** The plain text a reader sees in a page of this original: what the pipeline should extract. */
export interface RenderedPage {
  page: Omit<CrawledPage, 'date' | 'ip'>;
  /** Plain text of the document (for labels and text byte counts). */
  text: string;
}

const SERVERS: Record<string, string> = {
  [MAIL_HOST]: 'Apache/2.4.57 (Debian)',
  [MAIL_MIRROR_HOST]: 'nginx/1.24.0',
  [SPEECH_HOST]: 'nginx/1.22.1',
  [SPEECH_MIRROR_HOST]: 'Apache/2.4.41 (Ubuntu)',
};

function serverFor(url: string): string {
  return SERVERS[new URL(url).origin] ?? 'nginx';
}

function contentType(charset: PageCharset): string {
  return `text/html; charset=${charset}`;
}

/** Renders one crawl entry to its HTTP payload. */
export function renderPage(entry: PageEntry): RenderedPage {
  const original = entry.original;
  if (original.kind === 'sotu') {
    const speech = readSpeech(original.ref);
    let paragraphs = speechParagraphs(speech.text);
    let heading = `State of the Union Address (${speech.year}), ${speech.name}`;
    let charset = original.charset;
    if (entry.duplicate === 'near') {
      // A mirror: another heading, an editor's note, and one paragraph lost in copying.
      heading = `Annual Message to the Congress, ${speech.year}`;
      const dropped = paragraphs.length >= 6 ? Math.floor(paragraphs.length / 2) : -1;
      paragraphs = [
        `Editor's note: transcribed from the printed record of ${speech.year}; spelling as in the original.`,
        ...paragraphs.filter((_p, i) => i !== dropped),
      ];
      charset = 'utf-8';
    }
    const html = speechPage({ charset, year: speech.year, name: speech.name, party: speech.party, heading, paragraphs, related: original.related });
    return {
      page: { url: entry.url, contentType: contentType(charset), server: serverFor(entry.url), payload: encodeHtml(html, charset) },
      text: paragraphs.join('\n\n'),
    };
  }
  const mail = readMail(original.ref);
  const body = mail.body ?? '';
  const html = mail.bodyType === 'text/html'
    ? htmlMailPage(body, original.charset)
    : mailPage({
      charset: original.charset,
      section: original.kind,
      listName: listName(mail),
      subject: mail.subject,
      from: mail.from,
      date: mail.date,
      body,
      previousUrl: original.previousUrl,
      nextUrl: original.nextUrl,
    });
  return {
    page: { url: entry.url, contentType: contentType(original.charset), server: serverFor(entry.url), payload: encodeHtml(html, original.charset) },
    text: mailPlainText(mail),
  };
}

/** Subject and body of a mail as plain text (HTML bodies reduced to their text). */
export function mailPlainText(mail: Mail): string {
  const body = mail.body === undefined ? '' : mail.bodyType === 'text/html' ? htmlToPlainText(mail.body) : mail.body.trim();
  return mail.subject === '' ? body : `${mail.subject}\n\n${body}`;
}
