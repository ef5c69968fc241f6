import { firstInput, type KindFeatures, special, specOf } from '../kind.js';
import { monomials, vars } from '../terms.js';

/**
 * Max and average pooling share one model, as in the paper. The first six raw features are the
 * training code's [N, H_out, W_out, C, k_h, H_in]; the rest appear only in special terms.
 */
const RAW = ['N', 'Hout', 'Wout', 'C', 'kh', 'Hin', 'kw', 'sh', 'sw', 'Win'] as const;
const PAPER = ['N', 'Hout', 'Wout', 'C', 'kh', 'Hin'];

const SPECIALS = [
  special(RAW, ['N', 'Hout', 'Wout', 'C', 'kh', 'kw'], 'ops'),
  special(RAW, ['N', 'Hout', 'Wout', 'C'], 'output'),
  special(RAW, ['N', 'Hin', 'Win', 'C'], 'input'),
];

export const poolFeatures: KindFeatures = {
  kind: 'pool',
  rawFeatures: RAW,
  extract(layer) {
    const spec = specOf(layer, 'pool');
    const [hin, win, c] = firstInput(layer);
    const [hout, wout] = layer.output;
    return [layer.batch, hout, wout, c, spec.kernelH, hin, spec.kernelW, spec.strideH, spec.strideW, win];
  },
  candidates: {
    // Degree ≤ 3 in six raw features (83) + 3 special = 86.
    runtime: [...monomials(vars(RAW, PAPER), 1, 3, RAW), ...SPECIALS],
    // Degree ≤ 2 in the six and their log2 (12 variables: 90) + 3 special = 93.
    power: [...monomials([...vars(RAW, PAPER), ...vars(RAW, PAPER, true)], 1, 2, RAW), ...SPECIALS],
  },
};
