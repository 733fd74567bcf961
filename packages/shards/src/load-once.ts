/**
 * A loader that runs `load` on its first call and hands every later call the
 * same promise, without anyone having to await it (a failure is reported to
 * whoever awaits, never as an unhandled rejection). A failed load is
 * forgotten, so the next call tries again. For what a thread loads lazily
 * because most threads never need it (DuckDB, parquet-wasm's WebAssembly).
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | null = null;
  return () => {
    if (loading === null) {
      const attempt = load();
      loading = attempt;
      attempt.catch(() => {
        if (loading === attempt) loading = null;
      });
    }
    return loading;
  };
}
