import { describeLayer } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';

/**
 * Where a layer sits, per example (batch left out: real networks run at any batch size): log2 of
 * its MACs, input elements, output elements and parameters.
 */
export function layerSignature(config: LayerConfig): number[] {
  const layer = describeLayer(config);
  const inputElements = config.inputs.reduce((acc, s) => acc + s[0] * s[1] * s[2], 0);
  const out = layer.output;
  return [
    Math.log2(1 + layer.macsPerExample),
    Math.log2(1 + inputElements),
    Math.log2(1 + out[0] * out[1] * out[2]),
    Math.log2(1 + layer.params),
  ];
}

/**
 * How common each candidate's kind of layer is in real networks: a Gaussian kernel density of the
 * real layers' signatures (bandwidth in log2 units, default 1.5: within a factor ~3), evaluated at
 * each candidate and scaled to a weight in [floor, 1] (1 = the densest candidate). The floor
 * (default 0.25) keeps rare layers reachable: a model must still be right off the zoo's beaten path.
 */
export function realNetworkWeights(
  candidates: readonly (readonly number[])[],
  real: readonly (readonly number[])[],
  options: { readonly bandwidth?: number; readonly floor?: number } = {},
): number[] {
  const h = options.bandwidth ?? 1.5;
  const floor = options.floor ?? 0.25;
  if (real.length === 0 || candidates.length === 0) return candidates.map(() => 1);
  const density = candidates.map((c) => {
    let acc = 0;
    for (const r of real) {
      let d2 = 0;
      for (let j = 0; j < c.length; j++) d2 += (c[j]! - (r[j] ?? 0)) ** 2;
      acc += Math.exp(-d2 / (2 * h * h));
    }
    return acc / real.length;
  });
  const max = Math.max(...density);
  if (!(max > 0)) return candidates.map(() => floor);
  return density.map((d) => floor + (1 - floor) * (d / max));
}
