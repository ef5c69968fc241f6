import type { LayerInstance, ModelKind } from '../../layers/describe.js';
import { elementCount } from '../../layers/shape.js';
import { firstInput, type KindFeatures, special } from '../kind.js';
import { monomials, vars } from '../terms.js';

/** Raw features every simple (non-convolution, non-fc, non-pool) kind has. */
const BASE_RAW = ['N', 'Eout', 'Ein', 'Hin', 'Win', 'Cin', 'Hout', 'Wout', 'Cout', 'bytes'] as const;

export interface ExtraRaw {
  readonly name: string;
  value(layer: LayerInstance): number;
}

export interface SimpleKindOptions {
  readonly kind: ModelKind;
  /** The element count per example the work scales with: the output (default) or all inputs together. */
  readonly size?: 'Eout' | 'Ein';
  /** Kind-specific raw features, appended after the base ones. */
  readonly extraRaw?: readonly ExtraRaw[];
  /** Kind-specific runtime terms: [tag, factors]. */
  readonly extraRuntime?: readonly (readonly [string, readonly string[]])[];
}

/**
 * Small sets for the cheap, memory-bound kinds (our design; the paper models only conv, fc and
 * pool): runtime = degree ≤ 2 in [N, size] + bytes moved (+ extras); power = degree ≤ 2 in
 * [N, size] and their log2, following the paper's power recipe.
 */
export function simpleKind(options: SimpleKindOptions): KindFeatures {
  const extras = options.extraRaw ?? [];
  const raw = [...BASE_RAW, ...extras.map((e) => e.name)];
  const size = options.size ?? 'Eout';
  const base = vars(raw, ['N', size]);
  return {
    kind: options.kind,
    rawFeatures: raw,
    extract(layer) {
      const [hin, win, cin] = firstInput(layer);
      const [hout, wout, cout] = layer.output;
      const ein = layer.inputs.reduce((sum, s) => sum + elementCount(s), 0);
      return [
        layer.batch,
        elementCount(layer.output),
        ein,
        hin,
        win,
        cin,
        hout,
        wout,
        cout,
        layer.bytesMoved,
        ...extras.map((e) => e.value(layer)),
      ];
    },
    candidates: {
      runtime: [
        ...monomials(base, 1, 2, raw),
        'bytes',
        ...(options.extraRuntime ?? []).map(([tag, factors]) => special(raw, factors, tag)),
      ],
      power: monomials([...base, ...vars(raw, ['N', size], true)], 1, 2, raw),
    },
  };
}
