/**
 * Layer specifications: what a layer is, independent of where it sits in a network.
 * Shapes are per example in NHWC order without N: [H, W, C]. Flat tensors are [1, 1, F].
 */

/** Per-example activation shape [H, W, C]. */
export type Shape = readonly [number, number, number];

export type ExplicitPadding = {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
};
export type Padding = 'SAME' | 'VALID' | ExplicitPadding;

/** 2-D convolution; `groups` > 1 is a grouped convolution, `groups` = C_in a depthwise one. */
export interface ConvSpec {
  readonly kind: 'conv';
  readonly filters: number;
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padding: Padding;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly groups: number;
  readonly bias: boolean;
}

/** Fully connected layer; a non-flat input is flattened implicitly (as Paleo and the paper do). */
export interface FcSpec {
  readonly kind: 'fc';
  readonly units: number;
  readonly bias: boolean;
}

export interface PoolSpec {
  readonly kind: 'pool';
  readonly mode: 'max' | 'avg';
  readonly kernelH: number;
  readonly kernelW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padding: Padding;
}

export interface GlobalPoolSpec {
  readonly kind: 'globalpool';
  readonly mode: 'max' | 'avg';
}

export const ACTIVATION_FUNCTIONS = [
  'relu',
  'relu6',
  'sigmoid',
  'tanh',
  'elu',
  'leakyrelu',
  'swish',
  'linear',
] as const;
export type ActivationFunction = (typeof ACTIVATION_FUNCTIONS)[number];

export interface ActivationSpec {
  readonly kind: 'activation';
  readonly fn: ActivationFunction;
}

export interface BatchNormSpec {
  readonly kind: 'batchnorm';
}

/** Element-wise sum of two or more inputs of equal shape (residual connections). */
export interface AddSpec {
  readonly kind: 'add';
}

/** Concatenation along channels of inputs with equal H and W. */
export interface ConcatSpec {
  readonly kind: 'concat';
}

export interface DropoutSpec {
  readonly kind: 'dropout';
  readonly rate: number;
}

/** Local response normalisation across channels (AlexNet-era networks). */
export interface LrnSpec {
  readonly kind: 'lrn';
  readonly depthRadius: number;
}

export interface FlattenSpec {
  readonly kind: 'flatten';
}

export interface ReshapeSpec {
  readonly kind: 'reshape';
  readonly shape: Shape;
}

export interface SoftmaxSpec {
  readonly kind: 'softmax';
}

/** Explicit zero padding of H and W (Keras ZeroPadding2D). */
export interface PadSpec {
  readonly kind: 'pad';
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/**
 * A layer an importer could not map. It keeps its place in the network so predictions can
 * list it as uncovered; its output shape is whatever the source file said, else its input's.
 */
export interface UnsupportedSpec {
  readonly kind: 'unsupported';
  readonly sourceType: string;
  readonly outputShape?: Shape;
}

export type LayerSpec =
  | ConvSpec
  | FcSpec
  | PoolSpec
  | GlobalPoolSpec
  | ActivationSpec
  | BatchNormSpec
  | AddSpec
  | ConcatSpec
  | DropoutSpec
  | LrnSpec
  | FlattenSpec
  | ReshapeSpec
  | SoftmaxSpec
  | PadSpec
  | UnsupportedSpec;

export type LayerKind = LayerSpec['kind'];

export const LAYER_KINDS: readonly LayerKind[] = [
  'conv',
  'fc',
  'pool',
  'globalpool',
  'activation',
  'batchnorm',
  'add',
  'concat',
  'dropout',
  'lrn',
  'flatten',
  'reshape',
  'softmax',
  'pad',
  'unsupported',
];

/** One measurable unit: a layer spec applied to concrete input shapes at a batch size. */
export interface LayerConfig {
  readonly spec: LayerSpec;
  readonly inputs: readonly Shape[];
  readonly batch: number;
}

/** Builders with the defaults a framework would apply, so callers name only what differs. */
export function conv(
  filters: number,
  kernel: number | readonly [number, number],
  options: Partial<Omit<ConvSpec, 'kind' | 'filters' | 'kernelH' | 'kernelW'>> & { stride?: number } = {},
): ConvSpec {
  const [kernelH, kernelW] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  const { stride, ...rest } = options;
  return {
    kind: 'conv',
    filters,
    kernelH,
    kernelW,
    strideH: stride ?? 1,
    strideW: stride ?? 1,
    padding: 'SAME',
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    bias: true,
    ...rest,
  };
}

export function fc(units: number, bias = true): FcSpec {
  return { kind: 'fc', units, bias };
}

export function pool(
  mode: 'max' | 'avg',
  kernel: number,
  stride: number = kernel,
  padding: Padding = 'VALID',
): PoolSpec {
  return { kind: 'pool', mode, kernelH: kernel, kernelW: kernel, strideH: stride, strideW: stride, padding };
}
