import { mulberry32 } from '../../src/fit/prng.js';
import { conv, describeLayer, type TrainingRow } from '../../src/index.js';

/** Small deterministic PRNG for test data: the fitter's own mulberry32. */
export const rng = mulberry32;

function pick<T>(r: () => number, values: readonly T[]): T {
  return values[Math.floor(r() * values.length)]!;
}

/** Random conv layers whose "runtime" is a known function of the MACs (ms), with ±noise relative error. */
export function syntheticConvRows(n: number, seed: number, noise = 0.02): TrainingRow[] {
  const r = rng(seed);
  const rows: TrainingRow[] = [];
  for (let i = 0; i < n; i++) {
    const size = pick(r, [8, 16, 32, 56]);
    const config = {
      spec: conv(pick(r, [16, 32, 64, 128]), pick(r, [1, 3, 5]), { stride: pick(r, [1, 2]) }),
      inputs: [[size, size, pick(r, [3, 16, 32, 64])] as const],
      batch: pick(r, [1, 8, 32]),
    };
    const layer = describeLayer(config);
    const runtimeMs = 0.02 + 4e-9 * config.batch * layer.macsPerExample;
    rows.push({ config, value: runtimeMs * (1 + noise * (2 * r() - 1)) });
  }
  return rows;
}
