import { createHash } from 'node:crypto';

export const sha256Text = (text: string | Uint8Array): string => createHash('sha256').update(text).digest('hex');

/** JSON with a trailing newline: the one way every handoff and manifest file is written. */
export const jsonText = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';
