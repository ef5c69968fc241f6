import { errorMetrics, fitLayerModel, type LayerConfig, type ModelKind } from '@neuralpower/core';

/**
 * The held-out slice of an adaptive campaign: the planned configurations whose key hashes below the
 * random share. The plan is a random sample, so the slice is a uniform sample of it, fixed at
 * creation; the random share of every proposal is drawn from it (in plan order), never from what the
 * adaptive score prefers. Its measurements give the stop criterion an error estimate on the plan's
 * own distribution, where the cross-validated error of all rows is biased toward the hard layers an
 * adaptive campaign goes for.
 */
export function inHeldOutSlice(key: string, share: number): boolean {
  return fnv1a(key) / 2 ** 32 < share;
}

/** FNV-1a, 32 bit: a stable, well-spread hash of the key (not a security boundary). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Fewest held-out measurements of a kind before its held-out error can end a campaign. */
export const MIN_HELD_OUT_ROWS = 8;

export interface HeldOutError {
  /** RMSPE of the runtime model fitted on the other rows, on the held-out slice's rows. */
  readonly runtime: number;
  /** Held-out rows it was measured on. */
  readonly rows: number;
}

/**
 * Runtime RMSPE on the held-out rows of a model fitted on the others (a cheaper Lasso-CV than a
 * stored model's); null with fewer than MIN_HELD_OUT_ROWS held-out rows or others. A model
 * fitted on fewer rows than the stored one: a slightly pessimistic estimate of the stored model's.
 */
export function heldOutError(
  kind: ModelKind,
  rows: readonly { readonly config: LayerConfig; readonly value: number; readonly heldOut: boolean }[],
): HeldOutError | null {
  const test = rows.filter((r) => r.heldOut);
  const train = rows.filter((r) => !r.heldOut);
  if (test.length < MIN_HELD_OUT_ROWS || train.length < MIN_HELD_OUT_ROWS) return null;
  // 5 folds and 30 λ (the simulation's evaluation fitter): a tenth of a stored model's cost, so the
  // proposal that computes it does not hold up the next refit.
  const model = fitLayerModel(kind, 'runtime', train, {
    folds: Math.min(5, Math.floor(train.length / 2)),
    nLambdas: 30,
  });
  const predicted = test.map((r) => model.predict(r.config));
  return {
    runtime: errorMetrics(
      predicted,
      test.map((r) => r.value),
    ).rmspe,
    rows: test.length,
  };
}
