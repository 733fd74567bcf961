/** The HTML pages of the shared corpus's archives, for tests that read real pages. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBody } from '../src/extract/index.js';
import { readSource } from '../src/readers/index.js';

export interface CorpusPage {
  file: string;
  offset: number;
  url: string | null;
  html: string;
}

/** Every response of the WARC and ARC files in `warcDir` whose decoded body starts like an HTML page. */
export async function* corpusHtmlPages(warcDir: string): AsyncGenerator<CorpusPage> {
  const files = readdirSync(warcDir).filter((f) => /\.(warc|arc)(\.gz)?$/.test(f)).map((f) => join(warcDir, f));
  for (const file of files) {
    for await (const record of readSource(file)) {
      if (record.kind !== 'document' || record.body === undefined) continue;
      const html = decodeBody(record.body, record.declaredCharset).text;
      if (/<(html|body|p|div)\b/i.test(html.slice(0, 4096))) yield { file, offset: record.offset, url: record.url, html };
    }
  }
}
