import { access, readFile } from 'node:fs/promises';
import { FoxdenError } from '@foxden/core';

/**
 * A model file must exist, start with fastText's magic number, and (for an
 * unquantised model) have exactly the size its header and dictionary imply.
 * fastText itself does not check: a truncated model makes it allocate
 * whatever the garbage sizes say (gigabytes) before failing.
 */
export async function checkModelFile(model: string): Promise<void> {
  let bytes: Buffer;
  try {
    await access(model);
    bytes = await readFile(model);
  } catch (error) {
    throw new FoxdenError('BAD_CONFIG', `fastText model ${model} does not exist or cannot be read`, { file: model, cause: error });
  }
  const bad = (why: string): FoxdenError => new FoxdenError('BAD_CONFIG', `fastText model ${model} does not load: ${why} (corrupt or truncated?)`, { file: model });
  if (bytes.length < 8 || bytes.readInt32LE(0) !== 793712314) {
    throw new FoxdenError('BAD_CONFIG', `${model} is not a fastText model (bad magic number)`, { file: model });
  }
  const version = bytes.readInt32LE(4);
  if (version < 11 || version > 12) throw bad(`unsupported model version ${version}`);
  // Args: 12 int32 and a double; then the dictionary.
  let at = 8 + 12 * 4 + 8;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw bad(`file ends at byte ${bytes.length}, expected at least ${at + n}`);
  };
  need(28);
  const size = bytes.readInt32LE(at);
  const pruneIdx = Number(bytes.readBigInt64LE(at + 20));
  if (size < 0 || pruneIdx < -1 || pruneIdx > 1e9) throw bad('impossible dictionary size');
  at += 28;
  for (let i = 0; i < size; i++) {
    const end = bytes.indexOf(0, at);
    if (end === -1) throw bad(`dictionary entry ${i} is cut off`);
    at = end + 1;
    need(9);
    at += 9;
  }
  if (pruneIdx > 0) {
    need(pruneIdx * 8);
    at += pruneIdx * 8;
  }
  need(1);
  const quantInput = bytes[at] !== 0;
  at += 1;
  // Quantised matrices (.ftz) have a more involved layout; the header and dictionary checks above must do.
  if (quantInput) return;
  const dense = (): void => {
    need(16);
    const m = Number(bytes.readBigInt64LE(at));
    const n = Number(bytes.readBigInt64LE(at + 8));
    at += 16;
    if (m < 0 || n < 0) throw bad('negative matrix size');
    need(m * n * 4);
    at += m * n * 4;
  };
  dense();
  need(1);
  const quantOutput = bytes[at] !== 0;
  at += 1;
  if (quantOutput) return;
  dense();
  if (at !== bytes.length) throw bad(`file has ${bytes.length - at} bytes after the output matrix`);
}
