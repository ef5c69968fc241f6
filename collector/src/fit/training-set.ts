import type { Target } from '../store/models.js';

/** The columns of a stored layer measurement that training-set selection looks at. */
export interface StoredRow {
  readonly runtime_mean_ms: number;
  readonly runtime_median_ms: number;
  readonly power_mean_w: number | null;
  /** 1 / 0 from the block protocol; null for a record timed run by run (no interval) */
  readonly precision_target_reached: number | null;
}

export interface TrainingSelection {
  /** indices into the stored rows, with the value to fit */
  readonly rows: readonly { readonly index: number; readonly value: number }[];
  /** rows left out because their runtime interval missed the target */
  readonly excludedImprecise: number;
  /** true when too few precise rows remained and the imprecise ones were kept after all */
  readonly keptImprecise: boolean;
}

/**
 * Which measurements a model learns from, and what value.
 *
 * Runtime: a record timed by the block protocol contributes its median (the statistic its
 * confidence interval bounds); a record timed run by run, its mean, as before. Records whose
 * interval missed the target (`precision.targetReached: false`, e.g. measured while the machine was
 * busy) are dropped, unless fewer than `minRows` would remain: then every row is kept, since a
 * model from noisier rows beats none, and the report says so.
 *
 * Power is measured over its own window, not by the timing protocol: every row with power counts.
 */
export function selectTrainingRows(
  rows: readonly StoredRow[],
  target: Target,
  minRows: number,
): TrainingSelection {
  if (target === 'power') {
    const selected = rows.flatMap((r, index) =>
      r.power_mean_w === null ? [] : [{ index, value: r.power_mean_w }],
    );
    return { rows: selected, excludedImprecise: 0, keptImprecise: false };
  }
  const all = rows.map((r, index) => ({
    index,
    value: r.precision_target_reached === null ? r.runtime_mean_ms : r.runtime_median_ms,
    precise: r.precision_target_reached !== 0,
  }));
  const precise = all.filter((r) => r.precise);
  const excluded = all.length - precise.length;
  const keep = precise.length >= minRows || excluded === 0 ? precise : all;
  return {
    rows: keep.map(({ index, value }) => ({ index, value })),
    excludedImprecise: keep === precise ? excluded : 0,
    keptImprecise: keep !== precise,
  };
}
