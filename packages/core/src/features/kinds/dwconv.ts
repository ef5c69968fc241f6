import { firstInput, type KindFeatures, special, specOf } from '../kind.js';
import { monomials, vars } from '../terms.js';

/**
 * Grouped and depthwise convolution (not in the paper; our design). Cg = C_in / groups is the
 * input channels each filter reads (1 for depthwise), so Cg·k_h·k_w is the MACs per output element.
 */
const RAW = ['N', 'Hout', 'Wout', 'Cout', 'kw', 'Cg', 'kh', 'Hin', 'Win', 'Cin', 'G', 'sh', 'sw'] as const;
const BASE = ['N', 'Hout', 'Wout', 'Cout', 'kw', 'Cg'];

const SPECIALS = [
  special(RAW, ['N', 'Hout', 'Wout', 'Cout', 'kh', 'kw', 'Cg'], 'macs'),
  special(RAW, ['N', 'Hout', 'Wout', 'Cout'], 'output'),
  special(RAW, ['N', 'Hin', 'Win', 'Cin'], 'input'),
  special(RAW, ['Cout', 'kh', 'kw', 'Cg'], 'filter'),
];

export const dwconvFeatures: KindFeatures = {
  kind: 'dwconv',
  rawFeatures: RAW,
  extract(layer) {
    const spec = specOf(layer, 'conv');
    const [hin, win, cin] = firstInput(layer);
    const [hout, wout, cout] = layer.output;
    return [
      layer.batch,
      hout,
      wout,
      cout,
      spec.kernelW,
      cin / spec.groups,
      spec.kernelH,
      hin,
      win,
      cin,
      spec.groups,
      spec.strideH,
      spec.strideW,
    ];
  },
  candidates: {
    // Degree ≤ 2 in six raw features (27) + 4 special = 31.
    runtime: [...monomials(vars(RAW, BASE), 1, 2, RAW), ...SPECIALS],
    // Degree ≤ 2 in the six and their log2 (12 variables: 90) + 4 special = 94.
    power: [...monomials([...vars(RAW, BASE), ...vars(RAW, BASE, true)], 1, 2, RAW), ...SPECIALS],
  },
};
