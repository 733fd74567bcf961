import { spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, constants, createWriteStream, mkdtempSync, open, openSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const openFd = promisify(open);

/**
 * A named pipe for fastText to read its lines from.
 *
 * Why not stdin: given "-", fastText reads std::cin, whose stream is
 * synchronised with C stdio and so fetches its input a character at a time;
 * on the quality benchmark that costs the binary about 30% more CPU than
 * reading the same lines from a file. Given a path it reads through a
 * buffered ifstream. A named pipe is a path that streams, and the predictor
 * still writes lines as they are ready. (Node's own child stdio are socket
 * pairs, which /dev/stdin cannot open, so a FIFO is the way to hand over a
 * real pipe.)
 */
export class FastTextInputPipe {
  private constructor(readonly path: string, private readonly dir: string) {}

  /** Makes the pipe in a private temporary directory; null where mkfifo is not available (fastText then reads stdin). */
  static create(): FastTextInputPipe | null {
    const dir = mkdtempSync(join(tmpdir(), 'foxden-fasttext-'));
    const path = join(dir, 'input');
    const made = spawnSync('mkfifo', ['-m', '600', path], { stdio: 'ignore' });
    if (made.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return null;
    }
    return new FastTextInputPipe(path, dir);
  }

  /**
   * Opens the writing end once `child` has opened the pipe (fastText does so
   * after loading its model) and removes the pipe's name, so nothing is left
   * on disk however the run ends. Rejects if the child exits or fails first.
   * The stream writes without blocking (libuv's pipe handle, not the thread
   * pool), so a fastText that stops reading holds up no other I/O.
   */
  async connect(child: ChildProcess): Promise<WriteStream> {
    const opening = openFd(this.path, 'w');
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
      const reader = openSync(this.path, constants.O_RDONLY | constants.O_NONBLOCK);
      await opening.then((fd) => closeSync(fd), () => undefined);
      closeSync(reader);
      throw error;
    } finally {
      child.off('close', onExit!);
      child.off('error', onError!);
      this.remove();
    }
  }

  /** Removes the pipe and its directory (also when connect was never called). */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
