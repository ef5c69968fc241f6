/**
 * Precision weights against the alternatives, on real layer shapes and runtimes with synthetic
 * measurement noise: does weighing rows by their interval (collector/src/fit/training-set.ts) beat
 * fitting every row alike, and dropping the imprecise ones?
 *
 * For each data file (../shared/reference/gpu-layer-data: real GPU runtimes, taken as the truth) and
 * seed: `--rows` training configurations, of which a share `--noisy` is "measured on a busy machine"
 * (runtime × a log-uniform factor in [1/spread, spread], interval ±10..60 %, target missed) and the
 * rest precisely (±0.5 % noise, interval ±0.5..2 %, target reached); `--test` other configurations
 * hold the truth. Fits each kind's runtime model three ways — unweighted, dropping imprecise rows
 * (the earlier rule), weighted — and prints the RMSPE on the held-out truth. The noise model is an
 * assumption (wide interval ⇔ wrong median); the figures say how much weighting helps when it holds.
 *
 *   npx tsx scripts/bench/precision-weights/run.ts [--rows 200] [--test 300] [--noisy 0.3] [--spread 2] [--seeds 3] [--files a,b]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { type StoredRow, selectTrainingRows } from '../../../collector/src/fit/training-set.js';
import {
  errorMetrics,
  fitLayerModel,
  mulberry32,
  type TrainingRow,
} from '../../../packages/core/src/index.js';
import { readDataFile } from '../accuracy/data.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200' },
    test: { type: 'string', default: '300' },
    noisy: { type: 'string', default: '0.3' },
    spread: { type: 'string', default: '2' },
    seeds: { type: 'string', default: '3' },
    files: {
      type: 'string',
      default: 'neusight/V100-PCIe-32GB-fc,neusight/V100-PCIe-32GB-conv,neusight/T4-fc,neusight/T4-conv',
    },
  },
});
const nTrain = Number(args.rows);
const nTest = Number(args.test);
const noisyShare = Number(args.noisy);
const spread = Number(args.spread);
const seeds = Number(args.seeds);

function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function measured(truth: number, noisy: boolean, rand: () => number): StoredRow {
  const factor = noisy ? spread ** (2 * rand() - 1) : 1 + 0.005 * (2 * rand() - 1);
  const median = truth * factor;
  const half = noisy ? 0.1 + 0.5 * rand() : 0.005 + 0.015 * rand();
  return {
    runtime_mean_ms: median,
    runtime_median_ms: median,
    power_mean_w: null,
    precision_target_reached: half <= 0.02 ? 1 : 0,
    runtime_ci_low_ms: median * (1 - half),
    runtime_ci_high_ms: median * (1 + half),
    precision_target_rel: 0.02,
  };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor((v.length - 1) / 2)]!;
const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

console.log(
  `precision weights: ${nTrain} training rows (${pct(noisyShare)} noisy, ×1/${spread}..×${spread}), ${nTest} held out, ${seeds} seeds; load ${os.loadavg()[0]!.toFixed(1)}`,
);
console.log('file | unweighted | drop imprecise | weighted | weighted ÷ unweighted (median over seeds)');
for (const name of args.files.split(',')) {
  const file = readDataFile(name);
  const errors = { unweighted: [] as number[], drop: [] as number[], weighted: [] as number[] };
  for (let seed = 1; seed <= seeds; seed++) {
    const rand = mulberry32(seed * 7919);
    // Distinct shapes only, so no held-out configuration was also trained on.
    const byShape = new Map<string, TrainingRow>();
    for (const [i, r] of file.rows.entries()) byShape.set(file.groups[i]!, r);
    const picked = shuffled([...byShape.values()], rand).slice(0, nTrain + nTest);
    if (picked.length < nTrain + 20) throw new Error(`${name}: ${picked.length} distinct shapes, too few`);
    const train = picked.slice(0, nTrain);
    const test = picked.slice(nTrain);
    const stored = train.map((r) => measured(r.value, rand() < noisyShare, rand));
    const selection = selectTrainingRows(stored, 'runtime');
    const rows = selection.rows.map((s) => ({
      config: train[s.index]!.config,
      value: s.value,
      ...(s.weight === undefined ? {} : { weight: s.weight }),
    }));
    const plain = rows.map(({ config, value }) => ({ config, value }));
    const precise = plain.filter((_, i) => stored[i]!.precision_target_reached === 1);
    const heldOut = (training: readonly TrainingRow[]) => {
      const model = fitLayerModel(file.kind, 'runtime', training, { folds: 10 });
      return errorMetrics(
        test.map((r) => model.predict(r.config)),
        test.map((r) => r.value),
      ).rmspe;
    };
    errors.unweighted.push(heldOut(plain));
    errors.drop.push(heldOut(precise));
    errors.weighted.push(heldOut(rows));
  }
  const [u, d, w] = [median(errors.unweighted), median(errors.drop), median(errors.weighted)];
  console.log(`${name} | ${pct(u)} | ${pct(d)} | ${pct(w)} | ×${(w / u).toFixed(2)}`);
}
