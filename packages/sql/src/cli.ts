import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { FoxdenError } from '@foxden/core';
import { RESULT_FORMATS, formatResult, type ResultFormat } from './format-result.js';
import { openRunDatabase, type RunDatabase } from './run-database.js';

export const SQL_USAGE = `usage: foxden sql <run-dir> ["<SQL>"] [--format table|csv|json]

Runs DuckDB SQL over a run's shards. Without a query, opens an interactive
prompt (statements end with ';'; .tables lists views, .quit leaves).

Views:  docs       every document that reached the tokenizer (id, url, source, lang, n_tokens,
                   quality, cluster_size, extraction, stage_index, stage, step, shard)
        drops      every dropped document (id, url, step, reason, value, source, offset)
        shards     every shard of the run (path, kind, step, rows, tokens, bytes, sha256)
        sequences  packed training sequences (stage, seq_len, segments, padding)
Tables: foxden_shards('<kind>'), arrow_shard('<path>')

Options:
  --format F   table (default), csv or json
  -h, --help   this text

Example: foxden sql runs/demo "SELECT source, lang, count(*), sum(n_tokens) FROM docs GROUP BY ALL"`;

/** Where the command reads and writes; the defaults are the process's streams. */
export interface SqlCommandIo {
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
}

/**
 * `foxden sql <run-dir> "<SQL>" [--format table|csv|json]`, or an interactive
 * prompt when no query is given. Returns the exit code: 0 on success, 1 when
 * a query fails (DuckDB's message is printed, no stack trace), 2 for bad
 * arguments or a run directory that cannot be opened.
 */
export async function sqlCommand(args: string[], io: SqlCommandIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const parsed = parseArgs(args);
  if ('help' in parsed) {
    stdout.write(SQL_USAGE + '\n');
    return 0;
  }
  if ('error' in parsed) {
    stderr.write(`foxden sql: ${parsed.error}\n\n${SQL_USAGE}\n`);
    return 2;
  }
  let db: RunDatabase;
  try {
    db = await openRunDatabase(parsed.runDir);
  } catch (error) {
    stderr.write(`foxden sql: cannot open run ${parsed.runDir}: ${FoxdenError.from(error).message}\n`);
    return 2;
  }
  try {
    if (parsed.sql !== undefined) return await runOne(db, parsed.sql, parsed.format, stdout, stderr);
    return await interactive(db, parsed.format, io.stdin ?? process.stdin, stdout, stderr);
  } finally {
    await db.close();
  }
}

type Parsed = { help: true } | { error: string } | { runDir: string; sql: string | undefined; format: ResultFormat };

function parseArgs(args: readonly string[]): Parsed {
  const positional: string[] = [];
  let format: ResultFormat = 'table';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') return { help: true };
    if (a === '--format' || a.startsWith('--format=')) {
      const value = a === '--format' ? args[++i] : a.slice('--format='.length);
      if (!value || !RESULT_FORMATS.includes(value as ResultFormat)) return { error: `--format must be one of ${RESULT_FORMATS.join(', ')}, got ${value ?? 'nothing'}` };
      format = value as ResultFormat;
    } else if (a.startsWith('--')) {
      return { error: `unknown option ${a}` };
    } else {
      positional.push(a);
    }
  }
  if (positional.length === 0) return { error: 'missing <run-dir>' };
  if (positional.length > 2) return { error: `expected <run-dir> and at most one query, got ${positional.length} arguments (quote the SQL)` };
  return { runDir: positional[0]!, sql: positional[1], format };
}

async function runOne(db: RunDatabase, sql: string, format: ResultFormat, stdout: Writable, stderr: Writable): Promise<number> {
  try {
    const result = await db.query(sql);
    stdout.write(formatResult(result, format));
    return 0;
  } catch (error) {
    stderr.write(`${FoxdenError.from(error).message}\n`);
    return 1;
  }
}

/**
 * A line-based prompt: lines accumulate until one ends with ';'. A failing
 * statement prints its error and the prompt goes on; the exit code is 1 if
 * any statement failed, so piped scripts can be checked.
 */
async function interactive(db: RunDatabase, format: ResultFormat, stdin: Readable, stdout: Writable, stderr: Writable): Promise<number> {
  const terminal = (stdin as { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input: stdin, output: terminal ? stdout : undefined, terminal, prompt: 'foxden> ' });
  let buffer = '';
  let failed = false;
  const prompt = () => {
    if (terminal) {
      rl.setPrompt(buffer ? '   ...> ' : 'foxden> ');
      rl.prompt();
    }
  };
  if (terminal) stdout.write(`foxden sql on ${db.runDir}: end statements with ';', .tables lists views, .quit leaves\n`);
  prompt();
  for await (const line of rl) {
    const trimmed = line.trim();
    if (!buffer && (trimmed === '.quit' || trimmed === '.exit')) break;
    if (!buffer && trimmed === '.tables') {
      if ((await runOne(db, "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1", format, stdout, stderr)) !== 0) failed = true;
      prompt();
      continue;
    }
    if (!buffer && trimmed === '.help') {
      stdout.write(SQL_USAGE + '\n');
      prompt();
      continue;
    }
    buffer += (buffer ? '\n' : '') + line;
    if (trimmed.endsWith(';')) {
      const sql = buffer;
      buffer = '';
      if ((await runOne(db, sql, format, stdout, stderr)) !== 0) failed = true;
    }
    prompt();
  }
  if (buffer.trim()) {
    if ((await runOne(db, buffer, format, stdout, stderr)) !== 0) failed = true;
  }
  rl.close();
  return failed ? 1 : 0;
}
