import { firstInput, type KindFeatures, special, specOf } from '../kind.js';
import { monomials, vars } from '../terms.js';

/**
 * Dense convolution (groups = 1), the paper's sets exactly. The first seven raw features are the
 * training code's [N, H_out, W_out, k_w, C_in, C_out, H_in]; the rest appear only in special terms.
 */
const RAW = ['N', 'Hout', 'Wout', 'kw', 'Cin', 'Cout', 'Hin', 'kh', 'Win', 'sh', 'sw'] as const;
const PAPER = ['N', 'Hout', 'Wout', 'kw', 'Cin', 'Cout', 'Hin'];

/**
 * The paper's eight special terms. The last (N·H_in·C_in) is also a cubic monomial; the paper keeps
 * both columns, and the tag keeps the names unique.
 */
const SPECIALS = [
  special(RAW, ['Hout', 'Wout', 'Cout', 'kh', 'kw', 'Cin'], 'macs-per-example'),
  special(RAW, ['N', 'Hout', 'Wout', 'Cout', 'kh', 'kw', 'Cin'], 'macs'),
  special(RAW, ['N', 'Hout', 'Wout', 'kh', 'kw', 'Cin'], 'macs-per-filter'),
  special(RAW, ['N', 'Hout', 'Wout', 'Cout'], 'output'),
  special(RAW, ['kh', 'kw', 'Cin', 'Cout'], 'filter'),
  special(RAW, ['N', 'Hin', 'Win', 'Cin'], 'input'),
  special(RAW, ['N', 'Win', 'Cin'], 'input-columns'),
  special(RAW, ['N', 'Hin', 'Cin'], 'input-rows'),
];

export const convFeatures: KindFeatures = {
  kind: 'conv',
  rawFeatures: RAW,
  extract(layer) {
    const spec = specOf(layer, 'conv');
    const [hin, win, cin] = firstInput(layer);
    const [hout, wout, cout] = layer.output;
    return [
      layer.batch,
      hout,
      wout,
      spec.kernelW,
      cin,
      cout,
      hin,
      spec.kernelH,
      win,
      spec.strideH,
      spec.strideW,
    ];
  },
  candidates: {
    // Degree ≤ 3 in the seven raw features (119) + 8 special = 127.
    runtime: [...monomials(vars(RAW, PAPER), 1, 3, RAW), ...SPECIALS],
    // Degree ≤ 2 in the seven raw features and their log2 (14 variables: 119) + 8 special = 127.
    power: [...monomials([...vars(RAW, PAPER), ...vars(RAW, PAPER, true)], 1, 2, RAW), ...SPECIALS],
  },
};
