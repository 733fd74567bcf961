import type { DocumentTransform } from '@foxden/shards';
import { formatValue, type Verdict } from '../heuristics/verdict.js';

/** A transform from a per-text verdict: keep (with new text when the filter edits) or drop with rule and value. */
export function verdictTransform(decide: (text: string, count: (counter: string, n?: number) => void) => Verdict): DocumentTransform {
  return (docs, sink) => {
    const count = (counter: string, n = 1): void => sink.count(counter, n);
    for (const doc of docs) {
      const v = decide(doc.text, count);
      if (v.keep) sink.keep(v.text === undefined || v.text === doc.text ? doc : { ...doc, text: v.text });
      else sink.drop(doc, v.rule, formatValue(v.value));
    }
  };
}

/** JSON Schema of a threshold that may be switched off with null. */
export function nullableNumber(defaultValue: number | null, description: string, minimum = 0): Record<string, unknown> {
  return { type: ['number', 'null'], minimum, default: defaultValue, description: `${description} Null disables the rule.` };
}
