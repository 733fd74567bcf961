/**
 * One error type for the whole system, with a code from a fixed map and a cause.
 * Anything thrown inside a task is converted to it at the task boundary, so a
 * runner (local or queue) can decide on retries from `retryable` alone.
 */
export const ERROR_CODES = {
  /** Input data that will never parse (a corrupt archive, a bad JSONL line). Not retried. */
  BAD_INPUT: { retryable: false },
  /** A pipeline file or option that does not validate. Not retried. */
  BAD_CONFIG: { retryable: false },
  /** An intermediate file whose checksum or structure is wrong; the producing task must be redone. */
  CORRUPT_INTERMEDIATE: { retryable: false },
  /** The accounting equation (in = out + dropped) does not hold. Always a bug. */
  ACCOUNTING: { retryable: false },
  /** The run was aborted by the user (Ctrl-C) or by a signal. */
  ABORTED: { retryable: false },
  /** I/O or other transient failure: a retry may succeed. */
  TRANSIENT: { retryable: true },
  /** Anything else: treated as retryable once converted. */
  INTERNAL: { retryable: true },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface FoxdenErrorOptions {
  cause?: unknown;
  /** File the error is about, when there is one. */
  file?: string;
  /** Record index or byte offset within `file`. */
  offset?: number;
}

/**
 * A FoxdenError as plain data: how a task's failure travels from the thread
 * or process that ran it to the orchestrator (worker-thread messages, BullMQ
 * job data), field by field, never parsed back out of a message.
 */
export interface ErrorRecord {
  code: ErrorCode;
  message: string;
  /** File the error is about, when there is one. */
  file?: string;
  /** Record index or byte offset within `file`. */
  offset?: number;
}

export class FoxdenError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;

  constructor(code: ErrorCode, message: string, options: FoxdenErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FoxdenError';
    this.code = code;
    this.file = options.file;
    this.offset = options.offset;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  /** Plain object form, for stats files and task failures sent between threads and processes. */
  toJSON(): ErrorRecord {
    return {
      code: this.code,
      message: this.message,
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(this.offset === undefined ? {} : { offset: this.offset }),
    };
  }

  /**
   * The error record of a plain object that claims to be one (read from a
   * thread message or a queue), or null when it is not: a code outside
   * ERROR_CODES, a message that is not a string.
   */
  static recordOf(value: unknown): ErrorRecord | null {
    const v = value as Partial<Record<keyof ErrorRecord, unknown>> | null;
    if (!v || typeof v !== 'object' || typeof v.code !== 'string' || !(v.code in ERROR_CODES) || typeof v.message !== 'string') return null;
    return {
      code: v.code as ErrorCode,
      message: v.message,
      ...(typeof v.file === 'string' ? { file: v.file } : {}),
      ...(typeof v.offset === 'number' ? { offset: v.offset } : {}),
    };
  }

  /** Converts anything thrown into a FoxdenError, keeping the original as `cause`. */
  static from(error: unknown, fallback: ErrorCode = 'INTERNAL'): FoxdenError {
    if (error instanceof FoxdenError) return error;
    if (isAbortError(error)) return new FoxdenError('ABORTED', 'aborted', { cause: error });
    const message = error instanceof Error ? error.message : String(error);
    const code: ErrorCode = isTransientIoError(error) ? 'TRANSIENT' : fallback;
    return new FoxdenError(code, message, { cause: error });
  }
}

function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || (error as { code?: string }).code === 'ABORT_ERR');
}

const TRANSIENT_IO_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE']);

function isTransientIoError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_IO_CODES.has(code);
}
