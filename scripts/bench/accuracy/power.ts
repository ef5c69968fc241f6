/**
 * Power benchmark: the saturating work-rate power model (packages/core/src/power) against the paper's
 * polynomial power model in the same run, out of fold (10 folds), on
 *  - synthetic conv layers with a saturating truth (idle 40 W, limit 250 W) and 2 % (1 σ) noise;
 *  - the paper's res_conv.txt (39 measured conv layers with runtime and power).
 * "predicted runtime": each held-out layer's work rate comes from a runtime model fitted on the other
 * folds, as at prediction time. Prints a table; nothing here is a pass/fail test.
 *
 *   npx tsx scripts/bench/accuracy/power.ts
 */
import { readFileSync } from 'node:fs';
import { assignFolds, mulberry32 } from '../../../packages/core/src/fit/index.js';
import { errorMetrics } from '../../../packages/core/src/fit/metrics.js';
import {
  candidateTerms,
  conv,
  describeLayer,
  fitLayerModel,
  fitSaturatingPowerModel,
  type PowerRow,
} from '../../../packages/core/src/index.js';
import { parseDataset } from '../../../packages/datasets/src/index.js';

const FOLDS = 10;
const RES_CONV = new URL('../../../../shared/reference/neuralpower-data/res_conv.txt', import.meta.url)
  .pathname;

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function synthetic(n: number, seed: number): PowerRow[] {
  const r = mulberry32(seed);
  const pick = <T>(v: readonly T[]) => v[Math.floor(r() * v.length)]!;
  const rows: PowerRow[] = [];
  for (let i = 0; i < n; i++) {
    const size = pick([7, 14, 28, 32, 56, 112]);
    const config = {
      spec: conv(pick([16, 32, 64, 128, 256]), pick([1, 3, 5]), { stride: pick([1, 2]) }),
      inputs: [[size, size, pick([3, 16, 64, 128, 256])] as const],
      batch: pick([1, 4, 16, 64]),
    };
    const layer = describeLayer(config);
    const macs = layer.macsPerExample * layer.batch;
    // A made-up GPU: launch overhead, MACs at a throughput that grows with size, memory traffic.
    const runtimeMs =
      (0.02 + macs / (4e6 + 2e8 * (1 - Math.exp(-macs / 1e9))) + layer.bytesMoved / 5e8) *
      Math.exp(0.05 * gaussian(r));
    const u = 0.1 + macs / runtimeMs / 1e8 + layer.bytesMoved / runtimeMs / 2e8;
    const powerW = (40 + 210 * (1 - Math.exp(-u))) * (1 + 0.02 * gaussian(r));
    rows.push({ config, runtimeMs, powerW });
  }
  return rows;
}

function resConv(): PowerRow[] {
  return parseDataset(readFileSync(RES_CONV, 'utf8'), RES_CONV).flatMap((m) =>
    m.powerW === null ? [] : [{ config: m.config, runtimeMs: m.runtimeMs, powerW: m.powerW }],
  );
}

interface Line {
  model: string;
  rmspe: number;
  within10Pct: number;
}

/** Out-of-fold power of every row, each fold fitted on the others; runtime measured or predicted. */
function outOfFold(
  rows: readonly PowerRow[],
  fitFold: (train: PowerRow[]) => (row: PowerRow) => number,
): number[] {
  const foldOf = assignFolds(rows.length, FOLDS, 1);
  const out = new Array<number>(rows.length);
  for (let k = 0; k < FOLDS; k++) {
    const predict = fitFold(rows.filter((_, i) => foldOf[i] !== k));
    rows.forEach((row, i) => {
      if (foldOf[i] === k) out[i] = predict(row);
    });
  }
  return out;
}

function score(
  name: string,
  rows: readonly PowerRow[],
  idleLimit?: { idleW: number; limitW: number },
): Line[] {
  const P = rows.map((r) => r.powerW);
  const line = (model: string, predicted: number[]): Line => ({ model, ...errorMetrics(predicted, P) });
  const poly = (objective: 'squared' | 'auto') => (train: PowerRow[]) => {
    const m = fitLayerModel(
      'conv',
      'power',
      train.map((r) => ({ config: r.config, value: r.powerW })),
      { terms: candidateTerms('conv', 'power'), objective },
    );
    return (row: PowerRow) => m.predict(row.config);
  };
  const saturating = (useProbe: boolean, predictedRuntime: boolean) => (train: PowerRow[]) => {
    const m = fitSaturatingPowerModel(train, useProbe && idleLimit ? idleLimit : {});
    if (!predictedRuntime) return (row: PowerRow) => m.predict(row.config, row.runtimeMs);
    const t = fitLayerModel(
      'conv',
      'runtime',
      train.map((r) => ({ config: r.config, value: r.runtimeMs })),
    );
    return (row: PowerRow) => m.predict(row.config, Math.max(t.predict(row.config), 1e-3));
  };
  const lines = [
    line("paper's polynomial (its power terms, squared loss)", outOfFold(rows, poly('squared'))),
    line('polynomial, project default objective (auto)', outOfFold(rows, poly('auto'))),
    line('saturating, idle/limit by CV, measured runtime', outOfFold(rows, saturating(false, false))),
    line('saturating, idle/limit by CV, predicted runtime', outOfFold(rows, saturating(false, true))),
  ];
  if (idleLimit) {
    lines.push(
      line('saturating, probe idle/limit, measured runtime', outOfFold(rows, saturating(true, false))),
    );
    lines.push(
      line('saturating, probe idle/limit, predicted runtime', outOfFold(rows, saturating(true, true))),
    );
  }
  process.stdout.write(
    `\n${name} (${rows.length} rows, ${FOLDS}-fold out of fold)\n| model | power RMSPE | within ±10 % |\n|---|---|---|\n`,
  );
  for (const l of lines) {
    process.stdout.write(
      `| ${l.model} | ${(100 * l.rmspe).toFixed(2)} % | ${(100 * l.within10Pct).toFixed(1)} % |\n`,
    );
  }
  return lines;
}

score('synthetic, saturating truth, 2 % noise', synthetic(400, 7), { idleW: 40, limitW: 250 });
score("the paper's res_conv.txt", resConv());
