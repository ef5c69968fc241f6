/** mulberry32: a small, fast, seedable 32-bit PRNG; the fitter never touches Math.random. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Deterministic fold ids: a seeded Fisher–Yates shuffle of the row indices, then position mod K, so
 * fold sizes differ by at most one.
 */
export function assignFolds(n: number, folds: number, seed: number): Int32Array {
  const rand = mulberry32(seed);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const foldOf = new Int32Array(n);
  for (let pos = 0; pos < n; pos++) foldOf[order[pos]!] = pos % folds;
  return foldOf;
}

/**
 * Fold ids that keep every group (rows with equal keys: repeated measurements of one layer shape) in
 * one fold, so a held-out row never has its twin in the training folds. Groups are shuffled as
 * assignFolds shuffles rows, in order of first appearance: with all keys distinct the result equals
 * assignFolds(n, folds, seed).
 */
export function assignGroupedFolds(groups: readonly string[], folds: number, seed: number): Int32Array {
  const index = new Map<string, number>();
  const groupOf = new Int32Array(groups.length);
  groups.forEach((g, i) => {
    let k = index.get(g);
    if (k === undefined) {
      k = index.size;
      index.set(g, k);
    }
    groupOf[i] = k;
  });
  const foldOfGroup = assignFolds(index.size, folds, seed);
  return groupOf.map((g) => foldOfGroup[g]!);
}
