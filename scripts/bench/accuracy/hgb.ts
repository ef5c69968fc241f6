/** Runs hgb.py (scikit-learn HistGradientBoostingRegressor on log2 features) on the benchmark's folds. */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLayer, type TrainingRow } from '../../../packages/core/src/index.js';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = new URL('./hgb.py', import.meta.url).pathname;

export function sklearnVersion(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import sklearn; print(sklearn.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** log2 of the layer's shape and its costs: what a tree model on "log features" sees. */
export function logFeatures(row: TrainingRow): number[] {
  const layer = describeLayer(row.config);
  const [hin, win, cin] = layer.inputs[0]!;
  const [hout, wout, cout] = layer.output;
  const spec = layer.spec;
  const shape =
    spec.kind === 'conv'
      ? [spec.kernelH, spec.kernelW, spec.strideH, spec.strideW, 1 + hout, 1 + wout]
      : spec.kind === 'fc'
        ? [spec.units]
        : [];
  const values = [
    layer.batch,
    hin,
    win,
    cin,
    cout,
    ...shape,
    layer.macsPerExample * layer.batch,
    layer.bytesMoved,
  ];
  return values.map((v) => Math.log2(Math.max(v, 1)));
}

export interface HgbResult {
  oof: number[];
  seconds: number;
  nodes: number;
  trees: number;
}

export function runHgb(rows: readonly TrainingRow[], folds: Int32Array, seed: number): HgbResult {
  const dir = mkdtempSync(join(tmpdir(), 'np-hgb-'));
  try {
    const X = rows.map(logFeatures);
    const p = X[0]!.length;
    const flat = new Float64Array(rows.length * p);
    for (let i = 0; i < X.length; i++) flat.set(X[i]!, i * p);
    const le = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    writeFileSync(join(dir, 'x.f64'), le(flat));
    writeFileSync(join(dir, 'y.f64'), le(Float64Array.from(rows.map((r) => r.value))));
    writeFileSync(join(dir, 'folds.i32'), le(folds));
    const meta = {
      n: rows.length,
      p,
      x: join(dir, 'x.f64'),
      y: join(dir, 'y.f64'),
      folds: join(dir, 'folds.i32'),
      seed,
    };
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta));
    const out = execFileSync(PYTHON, [SCRIPT, join(dir, 'meta.json')], {
      encoding: 'utf8',
      maxBuffer: 256 << 20,
    });
    return JSON.parse(out) as HgbResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
