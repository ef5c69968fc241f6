import { describeLayer } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';

/**
 * Where a configuration sits for sampling, batch included (what a runtime depends on): log2 of the
 * batch's MACs, input and output elements, the parameters and the batch. Distances in this space are
 * ratios, the scale relative errors live on.
 */
export function configPoint(config: LayerConfig): number[] {
  const layer = describeLayer(config);
  const inputElements = config.inputs.reduce((acc, s) => acc + s[0] * s[1] * s[2], 0);
  const out = layer.output;
  const b = config.batch;
  return [
    Math.log2(1 + b * layer.macsPerExample),
    Math.log2(1 + b * inputElements),
    Math.log2(1 + b * out[0] * out[1] * out[2]),
    Math.log2(1 + layer.params),
    Math.log2(b),
  ];
}

/** Each column scaled to unit standard deviation over `points` (a constant column stays as is). */
export function standardise(points: readonly (readonly number[])[]): number[][] {
  if (points.length === 0) return [];
  const dims = points[0]!.length;
  const scale: number[] = [];
  for (let j = 0; j < dims; j++) {
    let mean = 0;
    for (const p of points) mean += p[j]!;
    mean /= points.length;
    let v = 0;
    for (const p of points) v += (p[j]! - mean) ** 2;
    const sd = Math.sqrt(v / points.length);
    scale.push(sd > 0 ? sd : 1);
  }
  return points.map((p) => p.map((x, j) => x / scale[j]!));
}

export function squaredDistance(a: readonly number[], b: readonly number[]): number {
  let d2 = 0;
  for (let j = 0; j < a.length; j++) d2 += (a[j]! - b[j]!) ** 2;
  return d2;
}

/**
 * Gaussian kernel density of `sample` at each of `at` (bandwidth in the points' units), scaled so the
 * densest point reads 1. How representative a candidate is of the space the error is measured on.
 */
export function relativeDensity(
  at: readonly (readonly number[])[],
  sample: readonly (readonly number[])[],
  bandwidth: number,
): number[] {
  const twoH2 = 2 * bandwidth * bandwidth;
  const density = at.map((p) => {
    let acc = 0;
    for (const q of sample) acc += Math.exp(-squaredDistance(p, q) / twoH2);
    return acc;
  });
  const max = Math.max(0, ...density);
  return density.map((d) => (max > 0 ? d / max : 1));
}

/**
 * Per point of `at`, the kernel-weighted mean of `values` at its `k` nearest `known` points: the
 * nearby measured rows' error read off at a candidate (nn-Meter samples around its worst points).
 * Values that are NaN are skipped; with none left the answer is `fallback`.
 */
export function nearbyMean(
  at: readonly (readonly number[])[],
  known: readonly (readonly number[])[],
  values: readonly number[],
  options: { readonly k: number; readonly bandwidth: number; readonly fallback: number },
): number[] {
  const usable = known.map((_, i) => i).filter((i) => Number.isFinite(values[i]));
  const twoH2 = 2 * options.bandwidth * options.bandwidth;
  return at.map((p) => {
    const nearest = usable
      .map((i) => ({ i, d2: squaredDistance(p, known[i]!) }))
      .sort((a, b) => a.d2 - b.d2 || a.i - b.i)
      .slice(0, options.k);
    let w = 0;
    let acc = 0;
    for (const { i, d2 } of nearest) {
      // A floor on the weight keeps a far neighbour counted when it is all there is.
      const wi = Math.max(Math.exp(-d2 / twoH2), 1e-6);
      w += wi;
      acc += wi * values[i]!;
    }
    return w > 0 ? acc / w : options.fallback;
  });
}
