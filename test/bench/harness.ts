import { cpus } from 'node:os';

/**
 * One entry of bench-results.json. Throughput is reported per core and, where
 * a limit can be measured in the same run (raw tokenizer, raw file read, the
 * fastText binary), as a ratio to that limit.
 */
export interface BenchEntry {
  name: string;
  value: number;
  unit: string;
  input_bytes: number;
  documents: number;
  seconds: number;
  cores: number;
  peak_rss_bytes: number;
  /** The limit measured in the same run, when there is one. */
  limit?: { name: string; value: number; unit: string };
  /** value / limit.value */
  ratio?: number;
  /** Free-form facts: scaling with input size, parameters. */
  notes?: Record<string, unknown>;
}

export interface BenchContext {
  /** Absolute path of ../shared/corpus. */
  corpusDir: string;
  /** A scratch directory for this benchmark, removed afterwards. */
  scratchDir: string;
  /** True when `npm run bench -- --full` asked for the large variants. */
  full: boolean;
  log(message: string): void;
}

/** A benchmark file's default export. */
export type Benchmark = (ctx: BenchContext) => Promise<BenchEntry[]>;

/** Samples RSS while `fn` runs and returns its peak with the elapsed time. */
export async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakRss: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const start = performance.now();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, seconds: (performance.now() - start) / 1000, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

export const availableCores = (): number => cpus().length;

/**
 * Worker-pool options for benchmarks that run a step as `foxden run` runs it: the benchmarks run
 * under tsx, whose loader task threads would otherwise inherit and load every built module
 * through (a fresh thread's start, 0.6 s without it, took 0.8 s with it on this project's VM).
 */
export const AS_FOXDEN_RUN = { execArgv: [] as string[] };
