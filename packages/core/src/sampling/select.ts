import { mulberry32 } from '../fit/prng.js';
import { squaredDistance } from './space.js';

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

export interface DiverseSelectOptions extends SelectOptions {
  /** Standardised position of each candidate (`configPoint` then `standardise`). */
  readonly points: readonly (readonly number[])[];
  /** Positions already measured: a pick next to one of them is worth less. */
  readonly measured?: readonly (readonly number[])[];
  /** Distance (points' units) within which a second pick counts as a near-duplicate (default 0.5). */
  readonly radius?: number;
}

/**
 * Like `selectCandidates`, but the scored part of the batch is spread out: greedily the candidate
 * with the highest score × (1 − exp(−d²/2r²)), d its distance to the nearest pick so far or measured
 * row. Without it a batch is the top `count` of one smooth score — near-identical layers around one
 * peak that teach the model the same thing. Pure and deterministic.
 */
export function selectDiverse(scores: readonly number[], options: DiverseSelectOptions): number[] {
  const n = scores.length;
  if (options.points.length !== n) {
    throw new RangeError(`${n} scores but ${options.points.length} points`);
  }
  const count = Math.min(Math.max(0, Math.floor(options.count)), n);
  const randomPicks = selectCandidates(
    scores.map(() => 0),
    {
      count: Math.round(count * Math.min(1, Math.max(0, options.randomShare ?? 0.25))),
      randomShare: 1,
      seed: options.seed,
    },
  );
  const twoR2 = 2 * (options.radius ?? 0.5) ** 2;
  const nearest = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
  const cover = (p: readonly number[]) => {
    for (let i = 0; i < n; i++) nearest[i] = Math.min(nearest[i]!, squaredDistance(options.points[i]!, p));
  };
  for (const p of options.measured ?? []) cover(p);
  const taken = new Set<number>();
  const picks: number[] = [];
  const take = (i: number) => {
    taken.add(i);
    picks.push(i);
    cover(options.points[i]!);
  };
  for (const i of randomPicks) take(i);
  while (picks.length < count) {
    let best = -1;
    let bestValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (taken.has(i)) continue;
      const s = rankScore(scores[i]);
      const value = s === Number.NEGATIVE_INFINITY ? s : s * (1 - Math.exp(-nearest[i]! / twoR2));
      if (best < 0 || value > bestValue) {
        best = i;
        bestValue = value;
      }
    }
    take(best);
  }
  return picks;
}
