/**
 * A power model that follows the physics: a layer's power rises with the rate at which it does work
 * (MACs per ms, bytes per ms) and saturates at the board's power limit; idle power is the floor.
 *
 *   powerW = idleW + (limitW − idleW) · (1 − exp(−u)),   u = busy + perMac·MACs/ms + perByte·bytes/ms
 *
 * With idleW and limitW known (from the platform), u = −ln(1 − (P − idle)/(limit − idle)) is linear
 * in the rates, so the fit is a 3-coefficient non-negative weighted least squares (weights make it
 * minimise relative power error). An unknown idle or limit is chosen on a small grid by K-fold CV.
 * Rates use the measured runtime when fitting and the predicted runtime when predicting.
 */

import { kindFeatures } from '../features/registry.js';
import type { LassoCvOptions } from '../fit/index.js';
import { type ErrorMetrics, errorMetrics } from '../fit/metrics.js';
import { assignFolds, assignGroupedFolds } from '../fit/prng.js';
import { describeLayer, type LayerInstance, type ModelKind, modelKindOf } from '../layers/describe.js';
import { LayerSpecError } from '../layers/errors.js';
import type { LayerConfig } from '../layers/spec.js';
import { foldGroups, INTERVAL_LEVEL, outOfFoldInterval, trainingSetHash } from '../model/fit-model.js';
import { assertModelKind } from '../model/kind-guard.js';
import { outOfTrainingRange } from '../model/out-of-range.js';
import {
  MODEL_FORMAT,
  ModelError,
  type ModelFormat,
  type PredictionInterval,
  type TrainingSummary,
  type ValueRange,
} from '../model/types.js';

export interface PowerRow {
  readonly config: LayerConfig;
  /** Measured runtime of the layer (ms): gives the work rates. */
  readonly runtimeMs: number;
  readonly powerW: number;
}

export interface SaturatingPowerOptions extends Pick<LassoCvOptions, 'folds' | 'seed' | 'groups'> {
  /** Idle power (W), e.g. the agent's measured idle; chosen by CV when absent. */
  readonly idleW?: number;
  /** Board power limit (W), e.g. the platform's enforced limit; chosen by CV when absent. */
  readonly limitW?: number;
  /**
   * Per row, a runtime predicted without that row (a runtime model's out-of-fold prediction; null:
   * none). When given, the report also scores each held-out row at this runtime, as a prediction
   * will be made (`report.predictedRuntimeRmspe`); rows without one keep their measured runtime.
   */
  readonly predictedRuntimeMs?: readonly (number | null)[];
}

/** Where idle power or the limit came from: given (the platform's) or chosen by cross-validation. */
export type PowerBoundSource = 'platform' | 'cv';

export interface SaturatingPowerReport {
  readonly n: number;
  readonly folds: number;
  readonly seed: number;
  /** Whether rows of one layer shape shared a fold (as the polynomial fit does on the same rows). */
  readonly grouped: boolean;
  /** Out-of-fold figures with the measured runtimes (at the chosen idle/limit when CV chose them). */
  readonly rmspe: number;
  readonly rmse: number;
  readonly mape: number;
  readonly within10Pct: number;
  /** Out-of-fold RMSPE with each held-out row at its predicted runtime; null when none was given. */
  readonly predictedRuntimeRmspe: number | null;
}

/** The serialised form (`neuralpower.model/3`, family `saturating`); see docs/models.md. */
export interface SaturatingPowerJson {
  readonly format: ModelFormat;
  readonly family: 'saturating';
  readonly kind: ModelKind;
  readonly target: 'power';
  readonly unit: 'W';
  readonly idleW: number;
  readonly idleFrom: PowerBoundSource;
  readonly limitW: number;
  readonly limitFrom: PowerBoundSource;
  /** u = busy + perMacPerMs·(MACs/ms) + perBytePerMs·(bytes/ms). */
  readonly busy: number;
  readonly perMacPerMs: number;
  readonly perBytePerMs: number;
  readonly report: SaturatingPowerReport;
  readonly training: TrainingSummary;
  /** Central 90 % of measured / out-of-fold-predicted power (measured runtimes). */
  readonly interval: PredictionInterval;
}

export interface SaturatingPowerModel extends SaturatingPowerJson {
  /** Power (W) of a layer that runs for `runtimeMs` (measured, or a runtime model's prediction). */
  predict(config: LayerConfig, runtimeMs: number): number;
  predictLayer(layer: LayerInstance, runtimeMs: number): number;
  intervalOf(predicted: number): { low: number; high: number };
  outOfRange(layer: LayerInstance): string[];
}

/** [1, MACs/ms, bytes/ms] of a layer running for runtimeMs. */
function rates(layer: LayerInstance, runtimeMs: number): [number, number, number] {
  return [1, (layer.macsPerExample * layer.batch) / runtimeMs, layer.bytesMoved / runtimeMs];
}

interface Coefs {
  busy: number;
  perMac: number;
  perByte: number;
}

function powerOf(x: readonly number[], c: Coefs, idle: number, limit: number): number {
  const u = c.busy * x[0]! + c.perMac * x[1]! + c.perByte * x[2]!;
  return idle + (limit - idle) * (1 - Math.exp(-u));
}

/** Solves the small normal equations A·b = r (Gaussian elimination with partial pivoting). */
function solve(A: number[][], r: number[]): number[] | null {
  const n = r.length;
  const M = A.map((row, i) => [...row, r[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let i = c + 1; i < n; i++) if (Math.abs(M[i]![c]!) > Math.abs(M[p]![c]!)) p = i;
    if (Math.abs(M[p]![c]!) < 1e-300) return null;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let i = c + 1; i < n; i++) {
      const f = M[i]![c]! / M[c]![c]!;
      for (let j = c; j <= n; j++) M[i]![j]! -= f * M[c]![j]!;
    }
  }
  const b = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = M[i]![n]!;
    for (let j = i + 1; j < n; j++) s -= M[i]![j]! * b[j]!;
    b[i] = s / M[i]![i]!;
  }
  return b;
}

/**
 * Non-negative weighted least squares of z on the three rate columns, by trying every support
 * (7 subsets of 3 columns): coefficients are rates of saturation, negative ones are unphysical.
 */
function fitCoefs(X: readonly number[][], P: readonly number[], idle: number, limit: number): Coefs {
  const span = limit - idle;
  const z: number[] = [];
  const w: number[] = [];
  for (const p of P) {
    const frac = Math.min(Math.max((p - idle) / span, 1e-6), 0.999);
    const zi = -Math.log(1 - frac);
    z.push(zi);
    // dP = span·e^{−z}·dz: weights make the squared error in z a squared relative error in P.
    w.push(((span * Math.exp(-zi)) / p) ** 2);
  }
  // Column scales so the normal equations are well conditioned.
  const scale = [0, 1, 2].map((j) => Math.max(...X.map((x) => Math.abs(x[j]!))) || 1);
  let best: { sse: number; b: number[] } = { sse: Number.POSITIVE_INFINITY, b: [0, 0, 0] };
  for (let mask = 1; mask < 8; mask++) {
    const cols = [0, 1, 2].filter((j) => mask & (1 << j));
    const A = cols.map(() => new Array<number>(cols.length).fill(0));
    const r = new Array<number>(cols.length).fill(0);
    X.forEach((x, i) => {
      cols.forEach((a, ia) => {
        r[ia]! += (w[i]! * z[i]! * x[a]!) / scale[a]!;
        cols.forEach((b, ib) => {
          A[ia]![ib]! += (w[i]! * x[a]! * x[b]!) / (scale[a]! * scale[b]!);
        });
      });
    });
    const sol = solve(A, r);
    if (sol === null || sol.some((v) => !(v >= 0))) continue;
    const b = [0, 0, 0];
    cols.forEach((a, ia) => {
      b[a] = sol[ia]! / scale[a]!;
    });
    let sse = 0;
    X.forEach((x, i) => {
      const e = z[i]! - b[0]! * x[0]! - b[1]! * x[1]! - b[2]! * x[2]!;
      sse += w[i]! * e * e;
    });
    if (sse < best.sse) best = { sse, b };
  }
  return { busy: best.b[0]!, perMac: best.b[1]!, perByte: best.b[2]! };
}

/** Builds the immutable model around validated fields (shared by fitting and parsing). */
export function makeSaturatingPowerModel(fields: SaturatingPowerJson): SaturatingPowerModel {
  const c = { busy: fields.busy, perMac: fields.perMacPerMs, perByte: fields.perBytePerMs };
  const checkKind = (layer: LayerInstance) => assertModelKind(fields.kind, layer);
  const predictLayer = (layer: LayerInstance, runtimeMs: number) => {
    checkKind(layer);
    if (!(runtimeMs > 0 && Number.isFinite(runtimeMs))) {
      throw new ModelError('runtimeMs', `must be a positive runtime (got ${runtimeMs})`);
    }
    return powerOf(rates(layer, runtimeMs), c, fields.idleW, fields.limitW);
  };
  const { lowRatio, highRatio } = fields.interval;
  return Object.freeze({
    format: fields.format,
    family: 'saturating' as const,
    kind: fields.kind,
    target: 'power' as const,
    unit: 'W' as const,
    idleW: fields.idleW,
    idleFrom: fields.idleFrom,
    limitW: fields.limitW,
    limitFrom: fields.limitFrom,
    busy: fields.busy,
    perMacPerMs: fields.perMacPerMs,
    perBytePerMs: fields.perBytePerMs,
    report: Object.freeze({ ...fields.report }),
    training: fields.training,
    interval: fields.interval,
    predictLayer,
    predict: (config: LayerConfig, runtimeMs: number) => predictLayer(describeLayer(config), runtimeMs),
    // Bounded by idle and limit like the model itself: the ratios widen what the model can reach.
    intervalOf: (predicted: number) => ({ low: predicted * lowRatio, high: predicted * highRatio }),
    outOfRange(layer: LayerInstance): string[] {
      checkKind(layer);
      return outOfTrainingRange(fields.kind, fields.training, layer);
    },
  });
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

/**
 * Which of the platform's idle power and limit a fit can use on these readings: an idle at or above
 * the median reading, or a limit at or below it, is not this workload's floor or ceiling (another
 * power domain, a stale probe) and is left to cross-validation. Says why for each one dropped.
 */
export function usablePowerBounds(
  powersW: readonly number[],
  platform: { readonly idleW?: number | null; readonly limitW?: number | null },
): { idleW?: number; limitW?: number; notes: string[] } {
  const notes: string[] = [];
  const out: { idleW?: number; limitW?: number; notes: string[] } = { notes };
  if (powersW.length === 0) return out;
  const mid = median(powersW);
  const { idleW, limitW } = platform;
  if (idleW !== undefined && idleW !== null) {
    if (idleW >= 0 && idleW < mid) out.idleW = idleW;
    else notes.push(`idle ${idleW} W is not below the median reading ${mid} W: chosen by CV instead`);
  }
  if (limitW !== undefined && limitW !== null) {
    if (limitW > mid && limitW > (out.idleW ?? 0)) out.limitW = limitW;
    else notes.push(`limit ${limitW} W is not above the median reading ${mid} W: chosen by CV instead`);
  }
  return out;
}

function range(values: readonly number[]): ValueRange {
  return { min: Math.min(...values), max: Math.max(...values) };
}

/** Fits the saturating work-rate power model of one kind; errors name the row or option at fault. */
export function fitSaturatingPowerModel(
  rows: readonly PowerRow[],
  options: SaturatingPowerOptions = {},
): SaturatingPowerModel {
  const folds = options.folds ?? 10;
  const seed = options.seed ?? 1;
  if (rows.length < 2 * folds) {
    throw new ModelError(
      'rows',
      `${folds}-fold cross-validation needs at least ${2 * folds} rows, got ${rows.length}`,
    );
  }
  let kind: ModelKind | null = null;
  const X: number[][] = [];
  const P: number[] = [];
  const raw: number[][] = [];
  rows.forEach((r, i) => {
    let layer: LayerInstance;
    try {
      layer = describeLayer(r.config);
    } catch (err) {
      if (err instanceof LayerSpecError) throw new ModelError(`rows[${i}]`, err.message);
      throw err;
    }
    const rowKind = modelKindOf(layer.spec);
    if (rowKind === null || (kind !== null && rowKind !== kind)) {
      throw new ModelError(`rows[${i}].spec.kind`, `is a ${rowKind ?? layer.spec.kind} layer, not ${kind}`);
    }
    kind = rowKind;
    if (!(r.runtimeMs > 0 && Number.isFinite(r.runtimeMs))) {
      throw new ModelError(`rows[${i}].runtimeMs`, `must be a positive runtime (got ${r.runtimeMs})`);
    }
    if (!(r.powerW > 0 && Number.isFinite(r.powerW))) {
      throw new ModelError(`rows[${i}].powerW`, `must be a positive power (got ${r.powerW})`);
    }
    X.push(rates(layer, r.runtimeMs));
    P.push(r.powerW);
    raw.push(kindFeatures(rowKind).extract(layer));
  });
  const modelKind = kind as unknown as ModelKind;
  const minP = Math.min(...P);
  const maxP = Math.max(...P);
  const { idleW, limitW } = options;
  // Noisy readings may dip below idle or peak above the limit: those are clipped in the fit, but an
  // idle above most readings or a limit below most of them is a wrong platform value.
  const mid = median(P);
  if (idleW !== undefined && !(idleW >= 0 && idleW < mid)) {
    throw new ModelError('idleW', `must lie in [0, ${mid}) (the median measured power), got ${idleW}`);
  }
  if (limitW !== undefined && !(limitW > mid && limitW > (idleW ?? 0))) {
    throw new ModelError('limitW', `must exceed the median measured power ${mid} and idleW, got ${limitW}`);
  }
  // The grid when unknown: idle a little under the lowest reading (the lightest layer still draws
  // more than idle), limit from just above the highest reading up to 3× it.
  const idles = idleW !== undefined ? [idleW] : [0.5, 0.7, 0.8, 0.9, 0.95, 0.98].map((f) => f * minP);
  const limits = limitW !== undefined ? [limitW] : [1.01, 1.03, 1.1, 1.25, 1.5, 2, 3].map((f) => f * maxP);
  const groups = foldGroups(
    rows.map((r) => r.config),
    folds,
    options.groups,
  );
  const foldOf =
    groups === undefined ? assignFolds(rows.length, folds, seed) : assignGroupedFolds(groups, folds, seed);
  // Held-out rows are predicted at `at` (default the measured rates); fold models learn from measured ones.
  const oofFor = (idle: number, limit: number, at: readonly number[][] = X) => {
    const oof = new Float64Array(rows.length);
    for (let k = 0; k < folds; k++) {
      const train = X.flatMap((_, i) => (foldOf[i] === k ? [] : [i]));
      if (train.length === rows.length) continue;
      const c = fitCoefs(
        train.map((i) => X[i]!),
        train.map((i) => P[i]!),
        idle,
        limit,
      );
      at.forEach((x, i) => {
        if (foldOf[i] === k) oof[i] = powerOf(x, c, idle, limit);
      });
    }
    return oof;
  };
  let found: { metrics: ErrorMetrics; oof: Float64Array; idle: number; limit: number } | null = null;
  for (const idle of idles) {
    for (const limit of limits) {
      const oof = oofFor(idle, limit);
      const m = errorMetrics(oof, P);
      if (found === null || m.rmspe < found.metrics.rmspe) found = { metrics: m, oof, idle, limit };
    }
  }
  const best = found!;
  const predicted = options.predictedRuntimeMs;
  if (predicted !== undefined && predicted.length !== rows.length) {
    throw new ModelError('predictedRuntimeMs', `has ${predicted.length} entries for ${rows.length} rows`);
  }
  const predictedRuntimeRmspe =
    predicted === undefined
      ? null
      : errorMetrics(
          oofFor(
            best.idle,
            best.limit,
            rows.map((r, i) => {
              const t = predicted[i];
              return t !== null && t !== undefined && t > 0 && Number.isFinite(t)
                ? rates(describeLayer(r.config), t)
                : X[i]!;
            }),
          ),
          P,
        ).rmspe;
  const c = fitCoefs(X, P, best.idle, best.limit);
  const rawNames = kindFeatures(modelKind).rawFeatures;
  return makeSaturatingPowerModel({
    format: MODEL_FORMAT,
    family: 'saturating',
    kind: modelKind,
    target: 'power',
    unit: 'W',
    idleW: best.idle,
    idleFrom: idleW === undefined ? 'cv' : 'platform',
    limitW: best.limit,
    limitFrom: limitW === undefined ? 'cv' : 'platform',
    busy: c.busy,
    perMacPerMs: c.perMac,
    perBytePerMs: c.perByte,
    report: {
      n: rows.length,
      folds,
      seed,
      grouped: groups !== undefined,
      rmspe: best.metrics.rmspe,
      rmse: best.metrics.rmse,
      mape: best.metrics.mape,
      within10Pct: best.metrics.within10Pct,
      predictedRuntimeRmspe,
    },
    training: {
      n: rows.length,
      features: Object.fromEntries(rawNames.map((name, j) => [name, range(raw.map((r) => r[j]!))])),
      target: range(P),
      // The identity of the (config, power) rows, as for a polynomial power model of the same rows.
      hash: trainingSetHash(rows.map((r) => ({ config: r.config, value: r.powerW }))),
    },
    interval: outOfFoldInterval(P, best.oof, INTERVAL_LEVEL),
  });
}
