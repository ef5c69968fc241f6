import { describeLayer, type PowerRow } from '../../src/index.js';
import { rng, syntheticConvRows } from './synthetic.js';

export const IDLE_W = 40;
export const LIMIT_W = 250;

/** Gaussian from two uniforms (Box–Muller). */
function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A saturating truth in the work rate, with 2 % (1 σ) relative noise on the measured power. */
export function powerRows(n: number, seed: number, noise = 0.02): PowerRow[] {
  const r = rng(seed + 1000);
  return syntheticConvRows(n, seed).map(({ config, value: runtimeMs }) => {
    const layer = describeLayer(config);
    const macRate = (layer.macsPerExample * layer.batch) / runtimeMs;
    const byteRate = layer.bytesMoved / runtimeMs;
    const u = 0.15 + macRate / 8e7 + byteRate / 4e8;
    const truth = IDLE_W + (LIMIT_W - IDLE_W) * (1 - Math.exp(-u));
    return { config, runtimeMs, powerW: truth * (1 + noise * gaussian(r)) };
  });
}
