// Language identification lives in @foxden/fasttext (shared with the quality language filter); ingest re-exports it.
export { LanguageIdentifier, BUNDLED_LID_MODEL } from '@foxden/fasttext';
export type { LanguageIdentifierOptions, LanguageGuess, LanguageIdBackend } from '@foxden/fasttext';
