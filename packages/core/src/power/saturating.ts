/**
 * A power model that follows the physics: a layer's power rises with the rate at which it does work
 * (MACs per ms, bytes per ms) and saturates at the board's power limit; idle power is the floor.
 *
 *   powerW = idleW + (limitW − idleW) · (1 − exp(−u)),   u = busy + perMac·MACs/ms + perByte·bytes/ms
 *
 * With idleW and limitW known (from the platform probe), u = −ln(1 − (P − idle)/(limit − idle)) is
 * linear in the rates, so the fit is a 3-coefficient non-negative weighted least squares (weights make
 * it minimise relative power error). Unknown idle/limit are chosen on a small grid by K-fold CV.
 * Rates use the measured runtime when fitting and the predicted runtime when predicting.
 */
import { errorMetrics } from '../fit/metrics.js';
import { assignFolds } from '../fit/prng.js';
import { describeLayer, type LayerInstance } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';
import { ModelError } from '../model/types.js';

export interface PowerRow {
  readonly config: LayerConfig;
  /** Measured runtime of the layer (ms): gives the work rates. */
  readonly runtimeMs: number;
  readonly powerW: number;
}

export interface SaturatingPowerOptions {
  /** Idle power (W), e.g. from the probe; chosen by CV when absent. */
  readonly idleW?: number;
  /** Board power limit (W), e.g. from the probe; chosen by CV when absent. */
  readonly limitW?: number;
  readonly folds?: number;
  readonly seed?: number;
}

export interface SaturatingPowerJson {
  readonly form: 'saturating-rate';
  readonly idleW: number;
  readonly limitW: number;
  /** u = busy + perMacPerMs·(MACs/ms) + perBytePerMs·(bytes/ms). */
  readonly busy: number;
  readonly perMacPerMs: number;
  readonly perBytePerMs: number;
  /** Out-of-fold figures with measured runtimes. */
  readonly report: { n: number; folds: number; rmspe: number; within10Pct: number; idleLimitFromCv: boolean };
}

export interface SaturatingPowerModel extends SaturatingPowerJson {
  /** Power (W) of a layer that runs for `runtimeMs` (measured, or a runtime model's prediction). */
  predict(config: LayerConfig, runtimeMs: number): number;
  predictLayer(layer: LayerInstance, runtimeMs: number): number;
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

function makeModel(fields: SaturatingPowerJson): SaturatingPowerModel {
  const c = { busy: fields.busy, perMac: fields.perMacPerMs, perByte: fields.perBytePerMs };
  const predictLayer = (layer: LayerInstance, runtimeMs: number) => {
    if (!(runtimeMs > 0 && Number.isFinite(runtimeMs))) {
      throw new ModelError('runtimeMs', `must be a positive runtime (got ${runtimeMs})`);
    }
    return powerOf(rates(layer, runtimeMs), c, fields.idleW, fields.limitW);
  };
  return Object.freeze({
    ...fields,
    report: Object.freeze({ ...fields.report }),
    predictLayer,
    predict: (config: LayerConfig, runtimeMs: number) => predictLayer(describeLayer(config), runtimeMs),
  });
}

/** Fits the saturating work-rate power model; errors name the row or option at fault. */
export function fitSaturatingPowerModel(
  rows: readonly PowerRow[],
  options: SaturatingPowerOptions = {},
): SaturatingPowerModel {
  const folds = options.folds ?? 10;
  if (rows.length < 2 * folds) {
    throw new ModelError(
      'rows',
      `${folds}-fold cross-validation needs at least ${2 * folds} rows, got ${rows.length}`,
    );
  }
  const X: number[][] = [];
  const P: number[] = [];
  rows.forEach((r, i) => {
    if (!(r.runtimeMs > 0 && Number.isFinite(r.runtimeMs))) {
      throw new ModelError(`rows[${i}].runtimeMs`, `must be a positive runtime (got ${r.runtimeMs})`);
    }
    if (!(r.powerW > 0 && Number.isFinite(r.powerW))) {
      throw new ModelError(`rows[${i}].powerW`, `must be a positive power (got ${r.powerW})`);
    }
    X.push(rates(describeLayer(r.config), r.runtimeMs));
    P.push(r.powerW);
  });
  const minP = Math.min(...P);
  const maxP = Math.max(...P);
  const { idleW, limitW } = options;
  // Noisy readings may dip below idle or peak above the limit: those are clipped in the fit, but an
  // idle above most readings or a limit below most of them is a wrong probe value.
  const median = [...P].sort((a, b) => a - b)[Math.floor(P.length / 2)]!;
  if (idleW !== undefined && !(idleW >= 0 && idleW < median)) {
    throw new ModelError('idleW', `must lie in [0, ${median}) (the median measured power), got ${idleW}`);
  }
  if (limitW !== undefined && !(limitW > median && limitW > (idleW ?? 0))) {
    throw new ModelError(
      'limitW',
      `must exceed the median measured power ${median} and idleW, got ${limitW}`,
    );
  }
  const idles = idleW !== undefined ? [idleW] : [0.5, 0.7, 0.8, 0.9, 0.95, 0.98].map((f) => f * minP);
  const limits = limitW !== undefined ? [limitW] : [1.01, 1.03, 1.1, 1.25, 1.5, 2, 3].map((f) => f * maxP);
  const foldOf = assignFolds(rows.length, folds, options.seed ?? 1);
  const oofFor = (idle: number, limit: number) => {
    const oof = new Float64Array(rows.length);
    for (let k = 0; k < folds; k++) {
      const train = X.flatMap((_, i) => (foldOf[i] === k ? [] : [i]));
      const c = fitCoefs(
        train.map((i) => X[i]!),
        train.map((i) => P[i]!),
        idle,
        limit,
      );
      X.forEach((x, i) => {
        if (foldOf[i] === k) oof[i] = powerOf(x, c, idle, limit);
      });
    }
    return oof;
  };
  let best = { rmspe: Number.POSITIVE_INFINITY, within10Pct: 0, idle: idles[0]!, limit: limits[0]! };
  for (const idle of idles) {
    for (const limit of limits) {
      const m = errorMetrics(oofFor(idle, limit), P);
      if (m.rmspe < best.rmspe) best = { rmspe: m.rmspe, within10Pct: m.within10Pct, idle, limit };
    }
  }
  const c = fitCoefs(X, P, best.idle, best.limit);
  return makeModel({
    form: 'saturating-rate',
    idleW: best.idle,
    limitW: best.limit,
    busy: c.busy,
    perMacPerMs: c.perMac,
    perBytePerMs: c.perByte,
    report: {
      n: rows.length,
      folds,
      rmspe: best.rmspe,
      within10Pct: best.within10Pct,
      idleLimitFromCv: idleW === undefined || limitW === undefined,
    },
  });
}
