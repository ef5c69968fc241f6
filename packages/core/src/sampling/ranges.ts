/**
 * Ranges random configurations are drawn from. `paper` follows the NeuralPower training set: layers
 * of random CIFAR-10/MNIST CNNs (2–6 conv layers, 1–4 fc; conv outputs 30–60, kernel 2–5, stride
 * 1–2; pool kernel and stride 1–2; fc outputs 50–1000) at several batch sizes. `small` keeps those
 * ranges but smaller batches so a 2-core CPU sweep takes minutes; `tiny` is for tests.
 */
export interface SweepRanges {
  /** Spatial input sizes (H = W) a layer may see: the input and the maps after 1–3 poolings. */
  readonly spatial: readonly number[];
  /** Input channels of the first conv (images) and of deeper layers. */
  readonly imageChannels: readonly number[];
  readonly channels: readonly [number, number];
  readonly convFilters: readonly [number, number];
  readonly convKernel: readonly [number, number];
  readonly convStride: readonly [number, number];
  readonly poolKernel: readonly [number, number];
  readonly poolStride: readonly [number, number];
  readonly fcUnits: readonly [number, number];
  /** Flat fc inputs (after flatten) and small maps fed to fc directly. */
  readonly fcInputs: readonly [number, number];
  readonly dwChannels: readonly [number, number];
  readonly batches: readonly number[];
}

export const RANGE_PRESETS = {
  paper: {
    spatial: [32, 28, 16, 14, 8, 7, 4],
    imageChannels: [1, 3],
    channels: [30, 60],
    convFilters: [30, 60],
    convKernel: [2, 5],
    convStride: [1, 2],
    poolKernel: [1, 2],
    poolStride: [1, 2],
    fcUnits: [50, 1000],
    fcInputs: [50, 4000],
    dwChannels: [16, 256],
    batches: [1, 2, 4, 8, 16, 32, 64, 128],
  },
  small: {
    spatial: [32, 28, 16, 14, 8, 7, 4],
    imageChannels: [1, 3],
    channels: [30, 60],
    convFilters: [30, 60],
    convKernel: [2, 5],
    convStride: [1, 2],
    poolKernel: [1, 2],
    poolStride: [1, 2],
    fcUnits: [50, 1000],
    fcInputs: [50, 2000],
    dwChannels: [16, 128],
    batches: [1, 2, 4, 8],
  },
  tiny: {
    spatial: [8, 6, 4],
    imageChannels: [1, 3],
    channels: [2, 6],
    convFilters: [2, 6],
    convKernel: [1, 3],
    convStride: [1, 2],
    poolKernel: [1, 2],
    poolStride: [1, 2],
    fcUnits: [4, 16],
    fcInputs: [4, 32],
    dwChannels: [2, 8],
    batches: [1, 2],
  },
} as const satisfies Record<string, SweepRanges>;

export type RangePreset = keyof typeof RANGE_PRESETS;
export const RANGE_PRESET_NAMES = Object.keys(RANGE_PRESETS) as RangePreset[];
