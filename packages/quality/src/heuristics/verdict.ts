/**
 * What a heuristic filter decided about one document. A drop names the rule
 * (e.g. "gopher:word-count") and the value that decided it, so that every
 * drop can be traced to a number and the threshold it crossed.
 */
export type Verdict =
  | { keep: true; /** Replacement text, when the filter edits documents (C4 line filtering). */ text?: string }
  | { keep: false; rule: string; value: number | string };

export const KEEP: Verdict = Object.freeze({ keep: true }) as Verdict;

export function drop(rule: string, value: number | string): Verdict {
  return { keep: false, rule, value };
}

/** Ratios are recorded with 6 significant digits: enough to compare with a threshold, stable as text. */
export function formatValue(value: number | string): string {
  if (typeof value === 'string') return value;
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}
