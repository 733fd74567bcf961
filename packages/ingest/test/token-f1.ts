/**
 * Token-level precision, recall and F1 over token multisets: the measure of
 * the Zyte article-extraction benchmark, used by the extraction quality tests.
 */
export function tokenPrf(extracted: string, gold: string, tokens: (text: string) => string[]): { precision: number; recall: number; f1: number } {
  const want = new Map<string, number>();
  const goldTokens = tokens(gold);
  for (const t of goldTokens) want.set(t, (want.get(t) ?? 0) + 1);
  const got = tokens(extracted);
  let hit = 0;
  for (const t of got) {
    const n = want.get(t) ?? 0;
    if (n > 0) {
      hit++;
      want.set(t, n - 1);
    }
  }
  // Nothing expected and nothing extracted is a perfect answer.
  if (got.length === 0 && goldTokens.length === 0) return { precision: 1, recall: 1, f1: 1 };
  const precision = got.length === 0 ? 0 : hit / got.length;
  const recall = goldTokens.length === 0 ? 0 : hit / goldTokens.length;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}
