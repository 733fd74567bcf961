/**
 * Telling binary bytes from text, for payloads and files whose label says
 * text. Servers mislabel: a PDF, an image or a gzip file served as
 * `text/html` (or stored in a `.txt`) would otherwise be "extracted" into
 * a document of mojibake that goes on to the tokenizer.
 */

/** Magic numbers of common binary formats: name, offset, bytes. */
const SIGNATURES: readonly (readonly [name: string, at: number, magic: readonly number[]])[] = [
  ['png', 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]],
  ['jpeg', 0, [0xff, 0xd8, 0xff]],
  ['gif', 0, [0x47, 0x49, 0x46, 0x38]],
  ['riff', 0, [0x52, 0x49, 0x46, 0x46]],
  ['bmp', 0, [0x42, 0x4d]],
  ['ico', 0, [0x00, 0x00, 0x01, 0x00]],
  ['tiff', 0, [0x49, 0x49, 0x2a, 0x00]],
  ['tiff', 0, [0x4d, 0x4d, 0x00, 0x2a]],
  ['pdf', 0, [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['zip', 0, [0x50, 0x4b, 0x03, 0x04]],
  ['ole2', 0, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]],
  ['gzip', 0, [0x1f, 0x8b]],
  ['zstd', 0, [0x28, 0xb5, 0x2f, 0xfd]],
  ['bzip2', 0, [0x42, 0x5a, 0x68]],
  ['xz', 0, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['7z', 0, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]],
  ['lz4', 0, [0x04, 0x22, 0x4d, 0x18]],
  ['lz4', 0, [0x02, 0x21, 0x4c, 0x18]],
  ['rar', 0, [0x52, 0x61, 0x72, 0x21, 0x1a, 0x07]],
  ['mp4', 4, [0x66, 0x74, 0x79, 0x70]],
  ['mp3', 0, [0x49, 0x44, 0x33]],
  ['ogg', 0, [0x4f, 0x67, 0x67, 0x53]],
  ['flac', 0, [0x66, 0x4c, 0x61, 0x43]],
  ['webm', 0, [0x1a, 0x45, 0xdf, 0xa3]],
  ['woff', 0, [0x77, 0x4f, 0x46, 0x46]],
  ['woff2', 0, [0x77, 0x4f, 0x46, 0x32]],
  ['swf', 1, [0x57, 0x53]],
  ['wasm', 0, [0x00, 0x61, 0x73, 0x6d]],
  ['elf', 0, [0x7f, 0x45, 0x4c, 0x46]],
  ['java-class', 0, [0xca, 0xfe, 0xba, 0xbe]],
  ['sqlite', 0, [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0x20, 0x33, 0x00]],
];

/** Magic numbers that are also how text can begin ("BMW", "GIF87 is...", "ID3 tags"): the bytes after them must fit the format too. */
const LETTER_MAGIC: ReadonlySet<string> = new Set(['gif', 'riff', 'bmp', 'bzip2', 'mp3', 'swf']);

/**
 * Compressions foxden does not read itself (it reads gzip and zstd): their
 * names for messages, and the command that turns a file into one it reads.
 */
export const UNSUPPORTED_COMPRESSION: Readonly<Record<string, { name: string; command: string }>> = {
  bzip2: { name: 'bzip2', command: 'bunzip2' },
  xz: { name: 'xz', command: 'unxz' },
  '7z': { name: '7-Zip', command: '7z x' },
  lz4: { name: 'LZ4', command: 'lz4 -d' },
  rar: { name: 'RAR', command: 'unrar x' },
  zip: { name: 'zip', command: 'unzip' },
};

/** The WHATWG MIME sniffing standard's "resource header": the bytes a browser looks at. */
const SNIFF_BYTES = 1445;

/**
 * The WHATWG "binary data byte": a control byte that text does not hold.
 * Tab, line ends, form feed and ESC (which ISO-2022-JP text is full of) are not.
 */
function isBinaryByte(b: number): boolean {
  return b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f);
}

/**
 * The byte order of UTF-16 text without a byte-order mark, or null: a NUL in
 * every other byte (the high byte of the ASCII characters that markup is made
 * of) and few in the others. No ASCII-compatible charset gives such bytes, so
 * whatever charset a label declares, the text is UTF-16.
 */
export function utf16ByteOrder(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const head = bytes.subarray(0, SNIFF_BYTES);
  let even = 0;
  let odd = 0;
  for (let i = 0; i < head.length; i++) if (head[i] === 0) i % 2 === 0 ? even++ : odd++;
  const half = head.length / 2;
  if (half < 8 || Math.min(even, odd) >= half * 0.05) return null;
  // Little-endian puts the high byte second: NULs at odd offsets.
  if (odd > half * 0.3) return 'utf-16le';
  return even > half * 0.3 ? 'utf-16be' : null;
}

/**
 * What binary format `bytes` start with, by magic number, or 'binary' for
 * unrecognised bytes that are not text (more than 1% of the first 1,445
 * bytes, and at least two, are control bytes that text does not hold); null
 * for text. A few stray control bytes in a real page do not make it binary.
 */
export function binaryKind(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null;
  for (const [name, at, magic] of SIGNATURES) {
    if (bytes.length < at + magic.length) continue;
    let match = true;
    for (let i = 0; i < magic.length && match; i++) match = bytes[at + i] === magic[i];
    if (match && (!LETTER_MAGIC.has(name) || fitsLetterMagic(name, bytes))) return name;
  }
  // A byte-order mark says text in UTF-16 or UTF-32; the charset decoder takes it from there.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) return null;
  if (utf16ByteOrder(bytes) !== null) return null;
  const head = bytes.subarray(0, SNIFF_BYTES);
  let binary = 0;
  for (let i = 0; i < head.length; i++) if (isBinaryByte(head[i]!)) binary++;
  return binary >= 2 && binary * 100 > head.length ? 'binary' : null;
}

function fitsLetterMagic(name: string, bytes: Uint8Array): boolean {
  switch (name) {
    // "GIF87a" or "GIF89a".
    case 'gif':
      return (bytes[4] === 0x37 || bytes[4] === 0x39) && bytes[5] === 0x61;
    // "RIFF", a little-endian size, then the form type in capitals: WEBP, WAVE, "AVI ".
    case 'riff':
      return bytes.length >= 12 && [8, 9, 10, 11].every((i) => (bytes[i]! >= 0x41 && bytes[i]! <= 0x5a) || bytes[i] === 0x20);
    // "BZh" then the block size digit 1-9, then the block magic 0x31 0x41 0x59 0x26 0x53 0x59 (pi).
    case 'bzip2':
      return bytes[3]! >= 0x31 && bytes[3]! <= 0x39 && bytes[4] === 0x31 && bytes[5] === 0x41 && bytes[6] === 0x59;
    // "BM", then the file size and two reserved zero words.
    case 'bmp':
      return bytes.length >= 10 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0 && bytes[9] === 0;
    // "ID3", a version byte of 2-4 and a revision byte of 0.
    case 'mp3':
      return bytes[3]! >= 2 && bytes[3]! <= 4 && bytes[4] === 0;
    // "FWS"/"CWS"/"ZWS" and a version byte below 64.
    case 'swf':
      return (bytes[0] === 0x46 || bytes[0] === 0x43 || bytes[0] === 0x5a) && bytes[3]! < 64;
    default:
      return false;
  }
}
