import type { Target } from '../store/models.js';

/** The columns of a stored layer measurement that training-set selection looks at. */
export interface StoredRow {
  readonly runtime_mean_ms: number;
  readonly runtime_median_ms: number;
  readonly power_mean_w: number | null;
  /** 1 / 0 from the block protocol; null for a record timed run by run (no interval) */
  readonly precision_target_reached: number | null;
  /** the block protocol's interval of the median and its target (relative); null when timed run by run */
  readonly runtime_ci_low_ms: number | null;
  readonly runtime_ci_high_ms: number | null;
  readonly precision_target_rel: number | null;
}

export interface TrainingSelection {
  /** indices into the stored rows, with the value to fit and, when the rows weigh differently, the weight */
  readonly rows: readonly { readonly index: number; readonly value: number; readonly weight?: number }[];
  /** how the rows were weighted, for the version's report */
  readonly report: SelectionReport;
}

export interface SelectionReport {
  /** `ci-half-width`: runtime rows weighted by their interval (see precisionWeight); `none`: all alike */
  readonly weighting: 'ci-half-width' | 'none';
  /** rows whose interval missed the target (kept, at a lower weight) */
  readonly imprecise: number;
  /** rows timed run by run among block-timed ones (no interval: the block rows' median weight) */
  readonly withoutInterval: number;
  /** smallest weight (the largest is 1) and Kish's effective number of rows (Σw)² / Σw² */
  readonly minWeight: number;
  readonly effectiveRows: number;
}

/**
 * A row never counts more than this many times another: one lucky narrow interval cannot carry the
 * fit, and a row measured on a busy machine still counts a little. Half-widths beyond 10× the
 * narrowest (≥ ±20 % at the default ±2 % target) all weigh the same.
 */
export const MAX_WEIGHT_RATIO = 100;

/**
 * Which measurements a model learns from, with what value and weight.
 *
 * Runtime: a record timed by the block protocol contributes its median (the statistic its
 * confidence interval bounds); a record timed run by run, its mean, as before. Every row is kept;
 * block-timed rows weigh w ∝ 1 / max(h, target)², h the half-width of the median's interval
 * relative to the median (inverse variance, but no credit for beating the target, which is as
 * close as a figure repeats), scaled so the best row weighs 1 and capped at MAX_WEIGHT_RATIO. Rows
 * timed run by run carry no interval of the median: among block-timed rows they weigh the block
 * rows' median weight (neither trusted nor doubted). When every weight is equal (no block-timed
 * row, or all on target) the fit is unweighted and the training set hashes as before.
 *
 * Power is measured over its own window, not by the timing protocol: every row with power counts
 * alike.
 */
export function selectTrainingRows(rows: readonly StoredRow[], target: Target): TrainingSelection {
  if (target === 'power') {
    const selected = rows.flatMap((r, index) =>
      r.power_mean_w === null ? [] : [{ index, value: r.power_mean_w }],
    );
    return { rows: selected, report: unweighted(0, 0, selected.length) };
  }
  const raw = rows.map(precisionWeight);
  const known = raw.filter((w): w is number => w !== null);
  const imprecise = rows.filter((r) => r.precision_target_reached === 0).length;
  const withoutInterval = known.length === 0 ? 0 : raw.length - known.length;
  const values = rows.map((r) =>
    r.precision_target_reached === null ? r.runtime_mean_ms : r.runtime_median_ms,
  );
  if (known.length === 0) {
    return {
      rows: values.map((value, index) => ({ index, value })),
      report: unweighted(imprecise, 0, rows.length),
    };
  }
  const best = known.reduce((m, w) => Math.max(m, w), 0);
  const capped = raw.map((w) => (w === null ? null : Math.max(w / best, 1 / MAX_WEIGHT_RATIO)));
  const neutral = median(capped.filter((w): w is number => w !== null));
  const weights = capped.map((w) => w ?? neutral);
  if (weights.every((w) => w === weights[0])) {
    return {
      rows: values.map((value, index) => ({ index, value })),
      report: unweighted(imprecise, withoutInterval, rows.length),
    };
  }
  const sum = weights.reduce((s, w) => s + w, 0);
  const sumSq = weights.reduce((s, w) => s + w * w, 0);
  return {
    rows: values.map((value, index) => ({ index, value, weight: weights[index]! })),
    report: {
      weighting: 'ci-half-width',
      imprecise,
      withoutInterval,
      minWeight: weights.reduce((m, w) => Math.min(m, w), 1),
      effectiveRows: (sum * sum) / sumSq,
    },
  };
}

/** 1 / max(h, target)² for a block-timed row; null for one timed run by run (or an unusable interval). */
export function precisionWeight(row: StoredRow): number | null {
  const { runtime_ci_low_ms: low, runtime_ci_high_ms: high, runtime_median_ms: median } = row;
  if (row.precision_target_reached === null || low === null || high === null || !(median > 0)) return null;
  const target = row.precision_target_rel ?? 0;
  // A row the agent found on target weighs as its target exactly (no rounding between equal rows).
  const h =
    row.precision_target_reached === 1 && target > 0
      ? target
      : Math.max(Math.max(median - low, high - median) / median, target);
  return h > 0 && Number.isFinite(h) ? 1 / (h * h) : null;
}

function unweighted(imprecise: number, withoutInterval: number, rows: number): SelectionReport {
  return { weighting: 'none', imprecise, withoutInterval, minWeight: 1, effectiveRows: rows };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
