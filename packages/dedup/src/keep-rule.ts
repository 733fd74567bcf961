/**
 * Which copy of a duplicate group is kept: the earliest `fetched_at` (parsed as a date; null or
 * unparseable sorts after every date), then the smallest `id` (UTF-16 code unit order), then the
 * earliest position (input shard, row). The order is total, so the choice does not depend on the
 * order in which copies are met, on the runner or on the number of tasks.
 */
export interface KeepCandidate {
  id: string;
  fetched_at: string | null;
  shard: number;
  row: number;
}

export function fetchTime(fetchedAt: string | null | undefined): number {
  if (fetchedAt === null || fetchedAt === undefined || fetchedAt === '') return Number.POSITIVE_INFINITY;
  const t = Date.parse(fetchedAt);
  return Number.isNaN(t) ? Number.POSITIVE_INFINITY : t;
}

/** Negative when `a` is kept in preference to `b`. */
export function compareKeep(a: KeepCandidate, b: KeepCandidate): number {
  const ta = fetchTime(a.fetched_at);
  const tb = fetchTime(b.fetched_at);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  if (a.shard !== b.shard) return a.shard - b.shard;
  return a.row - b.row;
}
