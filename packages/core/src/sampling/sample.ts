import { MODEL_KINDS } from '../features/registry.js';
import { describeLayer, type ModelKind } from '../layers/describe.js';
import { ACTIVATION_FUNCTIONS, conv, fc, type LayerConfig, pool, type Shape } from '../layers/spec.js';
import type { SweepRanges } from './ranges.js';
import type { Rng } from './rng.js';

/** Kinds a sweep can sample: every model kind of the core. */
export const SAMPLE_KINDS: readonly ModelKind[] = MODEL_KINDS;

const range = (rng: Rng, [lo, hi]: readonly [number, number]) => rng.int(lo, hi);

function featureMap(rng: Rng, r: SweepRanges): Shape {
  const hw = rng.pick(r.spatial);
  // A quarter of conv/pool inputs are images (1 or 3 channels), the rest deeper maps.
  const c = rng.next() < 0.25 ? rng.pick(r.imageChannels) : range(rng, r.channels);
  return [hw, hw, c];
}

function draw(kind: ModelKind, rng: Rng, r: SweepRanges): LayerConfig {
  const batch = rng.pick(r.batches);
  switch (kind) {
    case 'conv': {
      const k = range(rng, r.convKernel);
      return {
        spec: conv(range(rng, r.convFilters), k, {
          stride: range(rng, r.convStride),
          padding: rng.next() < 0.5 ? 'SAME' : 'VALID',
        }),
        inputs: [featureMap(rng, r)],
        batch,
      };
    }
    case 'dwconv': {
      const c = range(rng, r.dwChannels);
      const hw = rng.pick(r.spatial);
      return {
        spec: conv(c, rng.pick([3, 5]), { groups: c, stride: rng.pick([1, 2]), bias: false }),
        inputs: [[hw, hw, c]],
        batch,
      };
    }
    case 'fc': {
      // Half flat inputs, half small maps flattened implicitly (as Paleo and the paper do).
      const input: Shape =
        rng.next() < 0.5
          ? [1, 1, range(rng, r.fcInputs)]
          : (() => {
              const hw = rng.pick(r.spatial.filter((s) => s <= 8).concat([1]));
              return [hw, hw, range(rng, r.channels)] as Shape;
            })();
      return { spec: fc(range(rng, r.fcUnits)), inputs: [input], batch };
    }
    case 'pool': {
      const k = range(rng, r.poolKernel) + (rng.next() < 0.3 ? 1 : 0); // 3×3/2 pools are common too
      return {
        spec: pool(
          rng.pick(['max', 'avg'] as const),
          k,
          range(rng, r.poolStride),
          rng.pick(['VALID', 'SAME'] as const),
        ),
        inputs: [featureMap(rng, r)],
        batch,
      };
    }
    case 'globalpool':
      return {
        spec: { kind: 'globalpool', mode: rng.pick(['max', 'avg'] as const) },
        inputs: [featureMap(rng, r)],
        batch,
      };
    case 'activation':
      return {
        spec: { kind: 'activation', fn: rng.pick(ACTIVATION_FUNCTIONS.filter((f) => f !== 'linear')) },
        inputs: [featureMap(rng, r)],
        batch,
      };
    case 'batchnorm':
      return { spec: { kind: 'batchnorm' }, inputs: [featureMap(rng, r)], batch };
    case 'add': {
      const s = featureMap(rng, r);
      return { spec: { kind: 'add' }, inputs: [s, s], batch };
    }
    case 'concat': {
      const s = featureMap(rng, r);
      return { spec: { kind: 'concat' }, inputs: [s, [s[0], s[1], range(rng, r.channels)]], batch };
    }
    case 'dropout':
      return { spec: { kind: 'dropout', rate: rng.pick([0.2, 0.5]) }, inputs: [featureMap(rng, r)], batch };
    case 'lrn':
      return { spec: { kind: 'lrn', depthRadius: rng.pick([2, 5]) }, inputs: [featureMap(rng, r)], batch };
    case 'flatten':
      return { spec: { kind: 'flatten' }, inputs: [featureMap(rng, r)], batch };
    case 'reshape': {
      const [h, w, c] = featureMap(rng, r);
      return { spec: { kind: 'reshape', shape: [1, 1, h * w * c] }, inputs: [[h, w, c]], batch };
    }
    case 'softmax':
      return { spec: { kind: 'softmax' }, inputs: [[1, 1, range(rng, r.fcUnits)]], batch };
    case 'pad': {
      const p = rng.int(1, 3);
      return {
        spec: { kind: 'pad', top: p, bottom: p, left: p, right: p },
        inputs: [featureMap(rng, r)],
        batch,
      };
    }
  }
}

/** A valid configuration of `kind` (draws again, a bounded number of times, when shapes do not fit). */
export function sampleConfig(kind: ModelKind, rng: Rng, ranges: SweepRanges): LayerConfig {
  let lastError: unknown;
  for (let attempt = 0; attempt < 50; attempt++) {
    const config = draw(kind, rng, ranges);
    try {
      describeLayer(config);
      return config;
    } catch (err) {
      lastError = err;
    }
  }
  throw new Error(`could not draw a valid ${kind} configuration: ${(lastError as Error).message}`);
}
