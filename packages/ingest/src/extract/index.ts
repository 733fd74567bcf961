export { decodeBody, resolveCharset } from './decode-body.js';
export type { DecodedBody } from './decode-body.js';
export { extractMainText } from './extract-main-text.js';
export type { ExtractedText, ExtractOptions } from './extract-main-text.js';
export { normalizeText, countReplacementChars } from './normalize-text.js';
