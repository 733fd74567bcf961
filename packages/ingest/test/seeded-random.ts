/**
 * A seeded integer generator for tests that make many inputs (damaged
 * archives, tag soup): xorshift32, so the same seed gives the same inputs on
 * every machine and run, and a failure names an input that can be made again.
 * Returns a function giving an integer in [0, n).
 */
export function seededRandom(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return Math.floor((s / 2 ** 32) * n);
  };
}
