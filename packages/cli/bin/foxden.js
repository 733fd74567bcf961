#!/usr/bin/env node
// The `foxden` command as npm links it at install time, before `npm run build`
// has made dist/: it loads the built CLI, or says how to build it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('foxden: the command is not built yet: run `npm run build` (`npm run demo` and `npm test` build it too)\n');
  process.exit(1);
}
await import(main.href);
