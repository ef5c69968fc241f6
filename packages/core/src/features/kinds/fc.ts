import { firstInput, type KindFeatures, special, specOf } from '../kind.js';
import { monomials, vars } from '../terms.js';

/** Fully connected, the paper's sets exactly: raw features [N, outputs, H_in, W_in, C_in]. */
const RAW = ['N', 'units', 'Hin', 'Win', 'Cin'] as const;

export const fcFeatures: KindFeatures = {
  kind: 'fc',
  rawFeatures: RAW,
  extract(layer) {
    const spec = specOf(layer, 'fc');
    const [hin, win, cin] = firstInput(layer);
    return [layer.batch, spec.units, hin, win, cin];
  },
  candidates: {
    // Degree ≤ 2 (20) + the product of all five (the MACs) = 21.
    runtime: [...monomials(vars(RAW, RAW), 1, 2, RAW), special(RAW, RAW, 'macs')],
    // Degree ≤ 2 in the five and their log2 (10 variables) = 65; the paper has no special power terms for fc.
    power: monomials([...vars(RAW, RAW), ...vars(RAW, RAW, true)], 1, 2, RAW),
  },
};
