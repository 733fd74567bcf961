export { decodeBody, resolveCharset } from './decode-body.js';
export type { DecodedBody } from './decode-body.js';
export { extractMainText, EXTRACTORS } from './extract-main-text.js';
export type { ExtractedText, ExtractOptions, Extractor } from './extract-main-text.js';
export { normalizeText, countReplacementChars } from './normalize-text.js';
export { repairMojibake } from './mojibake.js';
