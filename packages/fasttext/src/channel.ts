import { execFile, type ChildProcess } from 'node:child_process';
import { closeSync, constants, createWriteStream, mkdtempSync, open, openSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const openFd = promisify(open);
const run = promisify(execFile);

/**
 * The files a fastText process talks through: a named pipe it reads its
 * lines from and a file it writes its answers to, in a private temporary
 * directory whose names are removed as soon as both ends are open, so
 * nothing is left on disk however the run ends.
 *
 * Why not stdin: given "-", fastText reads std::cin, whose stream is
 * synchronised with C stdio and so fetches its input a character at a time;
 * on the quality benchmark that costs the binary about 30% more CPU than
 * reading the same lines from a file. Given a path it reads through a
 * buffered ifstream; a named pipe is a path that streams. (Node's own child
 * stdio are socket pairs, which /dev/stdin cannot open.)
 *
 * Why not stdout: fastText flushes every answer line, and each line written
 * to a pipe or socket wakes the reader, thousands of times a second on both
 * sides. Written to a file, a line costs fastText a cheap write and wakes no
 * one; the predictor reads the file while answers are awaited. The file is
 * opened for appending, so it can be emptied once every answer in it has
 * been read (a long-lived predictor's file does not grow with its input).
 */
export class FastTextChannel {
  private childFdOpen = true;
  private outputFdOpen = true;

  private constructor(
    private readonly dir: string,
    /** The named pipe, or null where mkfifo is not available (fastText then reads stdin). */
    readonly inputPath: string | null,
    /** fastText's stdout: the answers file, opened for appending. Closed here once the child has it. */
    readonly childOutputFd: number,
    /** The same file, for reading answers and emptying it. */
    readonly outputFd: number,
  ) {}

  static async create(options: { fifo: boolean }): Promise<FastTextChannel> {
    const dir = mkdtempSync(join(tmpdir(), 'foxden-fasttext-'));
    try {
      // Node has no mkfifo; the command runs while this thread goes on (a synchronous spawn held it 20-30 ms).
      const inputPath = options.fifo && (await run('mkfifo', ['-m', '600', join(dir, 'input')]).then(() => true, () => false)) ? join(dir, 'input') : null;
      const output = join(dir, 'output');
      const childOutputFd = openSync(output, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND, 0o600);
      const outputFd = openSync(output, constants.O_RDWR);
      return new FastTextChannel(dir, inputPath, childOutputFd, outputFd);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Call once the child is spawned: it holds its own copy of the answers file. */
  spawned(): void {
    if (this.childFdOpen) closeSync(this.childOutputFd);
    this.childFdOpen = false;
  }

  /**
   * The stream to write fastText's lines to: the named pipe's writing end,
   * opened once `child` has opened the pipe (fastText does so after loading
   * its model), or the child's stdin. Rejects if the child exits or fails
   * first. The pipe is written with blocking writes from libuv's thread
   * pool, so the kernel keeps fastText fed while the JavaScript thread is
   * busy with something else.
   */
  async connect(child: ChildProcess): Promise<WriteStream | NonNullable<ChildProcess['stdin']>> {
    if (this.inputPath === null) return child.stdin!;
    const path = this.inputPath;
    const opening = openFd(path, 'w');
    let onExit: (() => void) | undefined;
    let onError: ((e: Error) => void) | undefined;
    const ended = new Promise<never>((_, reject) => {
      onExit = () => reject(new Error('fastText exited before it opened its input'));
      onError = (e: Error) => reject(e);
      // 'close' (after 'exit', once stdio is drained): the predictor records fastText's message first.
      child.once('close', onExit);
      child.once('error', onError);
    });
    // Settled only when the child ends first; otherwise never observed.
    ended.catch(() => undefined);
    try {
      const fd = await Promise.race([opening, ended]);
      return createWriteStream('', { fd });
    } catch (error) {
      // The open still waits for a reader in the thread pool: be that reader, so it returns, then close both.
      const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
      await opening.then((fd) => closeSync(fd), () => undefined);
      closeSync(reader);
      throw error;
    } finally {
      child.off('close', onExit!);
      child.off('error', onError!);
      this.removeNames();
    }
  }

  /** Removes the names (the open files live on until closed). */
  removeNames(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Closes the answers file (and the child's copy, if it never spawned). Safe to call twice. */
  close(): void {
    this.spawned();
    if (this.outputFdOpen) closeSync(this.outputFd);
    this.outputFdOpen = false;
    this.removeNames();
  }
}
