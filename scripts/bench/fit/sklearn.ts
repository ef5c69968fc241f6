/** Runs scripts/sklearn/lasso_cv.py on a standardised design matrix written to a temp dir (bench only). */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SKLEARN_PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('../../sklearn/lasso_cv.py', import.meta.url).pathname;

export interface SklearnResult {
  seconds: number;
  cpuSeconds: number;
  alpha: number;
  alphaIndex: number;
  alphaMax: number;
  intercept: number;
  coef: number[];
  modelSize: number;
  rmspe: number;
  rmse: number;
  cvMse: number[];
  convergenceWarnings: number;
  coefAtAlpha?: number[];
  interceptAtAlpha?: number;
}

export function sklearnVersion(): string | undefined {
  const r = spawnSync(SKLEARN_PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], {
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Column standardisation exactly as the fitter does it: (weighted) mean and population standard
 * deviation, constant columns → 0. Without weights it is the squared objective's; with 1/y² the
 * relative objective's. Row-major n×p.
 */
export function standardiseColumns(
  X: readonly (readonly number[])[],
  weights?: readonly number[],
): { Z: Float64Array; mean: Float64Array; scale: Float64Array } {
  const n = X.length;
  const p = X[0]!.length;
  const w = weights ?? new Array<number>(n).fill(1);
  const wSum = w.reduce((a, b) => a + b, 0);
  const Z = new Float64Array(n * p);
  const mean = new Float64Array(p);
  const scale = new Float64Array(p);
  for (let j = 0; j < p; j++) {
    let m = 0;
    for (let i = 0; i < n; i++) m += w[i]! * X[i]![j]!;
    m /= wSum;
    let v = 0;
    for (let i = 0; i < n; i++) v += w[i]! * (X[i]![j]! - m) ** 2;
    const s = Math.sqrt(v / wSum);
    const ok = s > 1e-12 * Math.abs(m) && s > 0;
    mean[j] = m;
    scale[j] = ok ? s : 0;
    for (let i = 0; i < n; i++) Z[i * p + j] = ok ? (X[i]![j]! - m) / s : 0;
  }
  return { Z, mean, scale };
}

export interface SklearnRun {
  Z: Float64Array;
  p: number;
  y: readonly number[];
  folds: Int32Array;
  eps: number;
  nAlphas: number;
  weights: 'none' | 'relative';
  timeoutMs: number;
  /** Also fit Lasso at this alpha on all rows (tight tolerance) for a solver cross-check. */
  alpha?: number;
}

export function runSklearn(run: SklearnRun): SklearnResult | { error: string } {
  const dir = mkdtempSync(join(tmpdir(), 'np-sklearn-'));
  try {
    const le = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, 'x.f64'), le(run.Z));
    writeFileSync(join(dir, 'y.f64'), le(Float64Array.from(run.y)));
    writeFileSync(join(dir, 'folds.i32'), le(run.folds));
    const meta = {
      n: run.y.length,
      p: run.p,
      x: join(dir, 'x.f64'),
      y: join(dir, 'y.f64'),
      folds: join(dir, 'folds.i32'),
      eps: run.eps,
      nAlphas: run.nAlphas,
      weights: run.weights,
      ...(run.alpha === undefined ? {} : { alpha: run.alpha }),
    };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    const out = execFileSync(SKLEARN_PYTHON, [SCRIPT, join(dir, 'meta.json')], {
      encoding: 'utf8',
      timeout: run.timeoutMs,
      maxBuffer: 64 << 20,
    });
    return JSON.parse(out) as SklearnResult;
  } catch (e) {
    return { error: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
