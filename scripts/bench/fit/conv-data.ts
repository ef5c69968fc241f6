/**
 * Synthetic but conv-like benchmark data: random conv layers in the ranges of the paper's training set
 * (CIFAR-10/MNIST-style random networks plus ImageNet-sized layers at several batch sizes), the core's
 * 127 conv runtime candidate terms, and a runtime from a simple GPU cost model with multiplicative noise,
 * spanning several orders of magnitude (~0.01 ms .. ~1 s).
 */
import { candidateTerms, compileTerms } from '../../../packages/core/src/features/index.js';
import { mulberry32 } from '../../../packages/core/src/fit/prng.js';

export interface ConvDataset {
  names: readonly string[];
  X: number[][];
  runtimeMs: number[];
}

function pick<T>(rand: () => number, values: readonly T[]): T {
  return values[Math.floor(rand() * values.length)]!;
}

function gaussian(rand: () => number): number {
  let s = 0;
  for (let i = 0; i < 12; i++) s += rand();
  return s - 6;
}

/** Raw conv features in the core's order: N, Hout, Wout, kw, Cin, Cout, Hin, kh, Win, sh, sw. */
function randomConv(rand: () => number): number[] {
  const imagenet = rand() < 0.3;
  const hin = imagenet
    ? pick(rand, [7, 13, 14, 27, 28, 55, 56, 112, 224])
    : pick(rand, [4, 6, 8, 12, 14, 16, 24, 28, 32]);
  const cin = imagenet
    ? pick(rand, [3, 64, 96, 128, 192, 256, 384, 512])
    : pick(rand, [1, 3, 30, 40, 50, 60]);
  const cout = imagenet ? pick(rand, [64, 96, 128, 192, 256, 384, 512]) : 30 + Math.floor(rand() * 31);
  const k = Math.min(hin, imagenet ? pick(rand, [1, 3, 3, 5, 7, 11]) : 2 + Math.floor(rand() * 4));
  const stride = rand() < 0.7 ? 1 : 2;
  const same = rand() < 0.5;
  const hout = same ? Math.ceil(hin / stride) : Math.floor((hin - k) / stride) + 1;
  const batch = pick(rand, [1, 2, 4, 8, 16, 32, 64, 128]);
  return [batch, hout, hout, k, cin, cout, hin, k, hin, stride, stride];
}

/**
 * Runtime (ms) of a made-up GPU: launch overhead + MACs at a throughput that drops for thin layers
 * (few output channels) + memory traffic, times ~8 % log-normal noise.
 */
function runtimeOf(raw: readonly number[], rand: () => number): number {
  const [n, hout, wout, kw, cin, cout, hin, kh, win] = raw as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const macs = n * hout * wout * cout * kh * kw * cin;
  const bytes = 4 * (n * hin * win * cin + n * hout * wout * cout + kh * kw * cin * cout);
  const tflops = 6e9 * (1 - 0.6 * Math.exp(-cout / 64)); // MACs per ms
  const ms = 0.008 + macs / tflops + bytes / 4e8;
  return ms * Math.exp(0.08 * gaussian(rand));
}

export function convDataset(rows: number, seed: number): ConvDataset {
  const rand = mulberry32(seed);
  const terms = compileTerms('conv', candidateTerms('conv', 'runtime'));
  const X: number[][] = [];
  const runtimeMs: number[] = [];
  for (let i = 0; i < rows; i++) {
    const raw = randomConv(rand);
    X.push(terms.row(raw));
    runtimeMs.push(runtimeOf(raw, rand));
  }
  return { names: terms.names, X, runtimeMs };
}
