import { createRequire } from 'node:module';

/**
 * @duckdb/node-api, required rather than imported. The package is CommonJS,
 * and Node reads a CommonJS package that an ES module imports with its export
 * lexer first (cjs-module-lexer, JavaScript run cold, following every
 * re-export): that doubled the load, 285-314 ms against 144-157 ms of every
 * `foxden sql` and `foxden report` (docs/benchmarks.md, twenty-third
 * session). Types come from `import type`, which costs nothing at run time.
 */
export const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof import('@duckdb/node-api');
