import { conv, describeLayer, type TrainingRow } from '../../src/index.js';

/** Small deterministic PRNG for test data (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
