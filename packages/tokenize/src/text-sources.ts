import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { FoxdenError } from '@foxden/core';

/**
 * Training text from files, as a stream of sequences:
 * - `.jsonl` / `.jsonl.gz`: one sequence per record, its `text` field;
 * - anything else (`.txt`, `.gz`): one sequence per line, line end kept,
 *   which is how the `tokenizers` library reads files for its own trainer,
 *   so the two trainers see the same words.
 * A JSONL line that does not parse or has no string `text` is an error naming
 * the file and line: training on silently partial input would be worse.
 */
export async function* readTrainingTexts(files: readonly string[]): AsyncGenerator<string> {
  for (const file of files) {
    const gz = file.endsWith('.gz');
    const jsonl = /\.jsonl(\.gz)?$/.test(file);
    const raw = createReadStream(file);
    const stream = gz ? raw.pipe(createGunzip()) : raw;
    raw.on('error', (e) => stream.destroy(e));
    if (jsonl) {
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      let lineNo = 0;
      try {
        for await (const line of lines) {
          lineNo++;
          if (line.trim() === '') continue;
          let text: unknown;
          try {
            text = (JSON.parse(line) as { text?: unknown }).text;
          } catch (e) {
            throw new FoxdenError('BAD_INPUT', `${file}:${lineNo}: not valid JSON (${(e as Error).message})`, { file, offset: lineNo, cause: e });
          }
          if (typeof text !== 'string') throw new FoxdenError('BAD_INPUT', `${file}:${lineNo}: record has no string field "text"`, { file, offset: lineNo });
          yield text;
        }
      } catch (e) {
        throw wrapRead(e, file);
      }
    } else {
      // Lines with their endings, like the library's lines_with_ending().
      stream.setEncoding('utf8');
      let carry = '';
      try {
        for await (const chunk of stream as AsyncIterable<string>) {
          let text = carry + chunk;
          let start = 0;
          let nl: number;
          while ((nl = text.indexOf('\n', start)) !== -1) {
            yield text.slice(start, nl + 1);
            start = nl + 1;
          }
          carry = text.slice(start);
          text = '';
        }
      } catch (e) {
        throw wrapRead(e, file);
      }
      if (carry.length > 0) yield carry;
    }
  }
}

function wrapRead(e: unknown, file: string): FoxdenError {
  if (e instanceof FoxdenError) return e;
  return new FoxdenError('BAD_INPUT', `cannot read training input ${file}: ${(e as Error).message}`, { file, cause: e });
}
