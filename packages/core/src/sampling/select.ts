import { mulberry32 } from '../fit/prng.js';

export interface SelectOptions {
  /** Candidates to pick. */
  readonly count: number;
  /** Share (0..1) picked uniformly at random so the error estimate sees the whole space (default 0.25). */
  readonly randomShare?: number;
  readonly seed?: number;
}

/**
 * Picks `count` candidate indices: `round(count·randomShare)` uniformly at random, the rest by
 * descending score (uncertainty × real-network weight), ties by index. Pure and deterministic.
 * Candidates with a non-finite score rank last.
 */
export function selectCandidates(scores: readonly number[], options: SelectOptions): number[] {
  const n = scores.length;
  const count = Math.min(Math.max(0, Math.floor(options.count)), n);
  const share = Math.min(1, Math.max(0, options.randomShare ?? 0.25));
  const randomCount = Math.round(count * share);
  const rand = mulberry32(options.seed ?? 1);
  const order = Array.from({ length: n }, (_, i) => i);
  // Partial Fisher–Yates: the first randomCount positions are a uniform sample without replacement.
  for (let i = 0; i < randomCount; i++) {
    const j = i + Math.floor(rand() * (n - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const picked = order.slice(0, randomCount);
  const taken = new Set(picked);
  const ranked = order
    .slice(randomCount)
    .filter((i) => !taken.has(i))
    .sort((a, b) => rankScore(scores[b]) - rankScore(scores[a]) || a - b);
  return [...picked, ...ranked.slice(0, count - randomCount)];
}

function rankScore(s: number | undefined): number {
  return s !== undefined && Number.isFinite(s) ? s : Number.NEGATIVE_INFINITY;
}

/** Score of each candidate: committee disagreement × how common such layers are in real networks. */
export function uncertaintyScores(disagreement: readonly number[], weights: readonly number[]): number[] {
  if (disagreement.length !== weights.length) {
    throw new RangeError(`${disagreement.length} disagreements but ${weights.length} weights`);
  }
  return disagreement.map((d, i) => d * weights[i]!);
}
