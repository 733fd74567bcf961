export { buildDemoCorpus, DEMO_CORPUS_FORMAT, MANIFEST_FILE, LABELS_FILE, BOOKS_FILE, BROWN_FILE } from './build-demo-corpus.js';
export type { DemoCorpusOptions, DemoCorpus } from './build-demo-corpus.js';
export { encodeHtml } from './charset.js';
export type { PageCharset } from './charset.js';
