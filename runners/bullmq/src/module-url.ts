import { fileURLToPath } from 'node:url';

/**
 * Maps a step package URL from the coordinator's machine to this machine's
 * install: `.../<pkg>/dist/step.js` becomes `@foxden/<pkg>/step` resolved
 * here. Workers on other machines need foxden installed, not the same paths.
 */
export function localModuleUrl(url: string): string {
  let path: string;
  try {
    path = url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
  const match = /(?:packages|@foxden)[\\/]([a-z0-9-]+)[\\/]dist[\\/]step\.js$/.exec(path);
  if (!match) return url;
  try {
    return import.meta.resolve(`@foxden/${match[1]}/step`);
  } catch {
    return url;
  }
}
