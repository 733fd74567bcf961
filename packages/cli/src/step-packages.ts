/**
 * The step packages the `foxden` command knows. Each entry point exports
 * `steps`; resolving them here gives worker threads and queue workers the
 * same module URLs.
 */
export const STEP_PACKAGES = [
  '@foxden/ingest/step',
  '@foxden/dedup/step',
  '@foxden/quality/step',
  '@foxden/tokenize/step',
  '@foxden/curriculum/step',
] as const;

export function stepPackageUrls(): string[] {
  return STEP_PACKAGES.map((p) => import.meta.resolve(p));
}
