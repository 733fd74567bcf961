export { LanguageIdentifier } from './language-identifier.js';
export type { LanguageIdentifierOptions, LanguageGuess } from './language-identifier.js';
export { BUNDLED_LID_MODEL } from './load-fasttext-wasm.js';
