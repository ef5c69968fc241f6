import type { ModelKind } from '../layers/describe.js';
import type { Target } from './kind.js';
import { candidateTerms, kindFeatures } from './registry.js';
import { monomialName, vars } from './terms.js';

/**
 * Named candidate term sets. `paper`: the paper's sets (docs/models.md). `extended` (runtime of conv
 * and fc; other kinds and power keep the paper's): the paper's terms plus the layer's work (MACs,
 * output, input, weights) times the log2 of its dimensions, and those logs and their pairwise
 * products. A GPU's throughput grows roughly with the log of a layer's size until it saturates, so
 * work·log2(size) terms let one linear model bend between small, launch-bound layers and large,
 * throughput-bound ones. Still a readable sum of terms; chosen by the accuracy benchmark.
 */
export const TERM_SETS = ['paper', 'extended', 'padded'] as const;
export type TermSet = (typeof TERM_SETS)[number];
/**
 * What fitLayerModel uses without `terms` or `termSet`, unless DEFAULT_TERM_SETS names another set for
 * the kind: `extended` had a lower out-of-fold RMSPE than `paper` on 16 of the 18 FP32 NeuSight and
 * Justus files; on two Justus conv files one degenerate layer each makes it much worse
 * (docs/benchmarks.md, runtime models second pass).
 */
export const DEFAULT_TERM_SET: TermSet = 'extended';
/**
 * Per-kind defaults. fc: `padded` lowered the out-of-fold RMSPE on every FP32 NeuSight and Justus fc
 * file; on conv it blew up on a degenerate Justus layer (1×1 input, 1 output channel: every padded
 * term ×8–128), so conv stays `extended` (docs/benchmarks.md, runtime models second pass).
 */
const DEFAULT_TERM_SETS: Partial<Record<ModelKind, TermSet>> = { fc: 'padded' };

/** The term set fitLayerModel uses for a kind when told none. */
export function defaultTermSet(kind: ModelKind): TermSet {
  return DEFAULT_TERM_SETS[kind] ?? DEFAULT_TERM_SET;
}

function withLogs(bases: readonly string[], logs: readonly string[]): string[] {
  const terms: string[] = [];
  for (const b of bases) for (const l of logs) terms.push(`${b}*${l}`);
  terms.push(...logs);
  for (let i = 0; i < logs.length; i++)
    for (let j = i + 1; j < logs.length; j++) terms.push(`${logs[i]}*${logs[j]}`);
  return terms;
}

const EXTRA: Partial<Record<ModelKind, readonly string[]>> = {
  conv: withLogs(
    ['N*Hout*Wout*kw*Cin*Cout*kh', 'N*Hout*Wout*Cout', 'N*Cin*Hin*Win', 'kw*Cin*Cout*kh'],
    ['log2(N)', 'log2(Hout)', 'log2(kw)', 'log2(Cin)', 'log2(Cout)'],
  ),
  fc: withLogs(
    ['N*units*Hin*Win*Cin', 'N*Hin*Win*Cin', 'N*units', 'units*Hin*Win*Cin', 'N', 'units', 'Cin'],
    ['log2(N)', 'log2(units)', 'log2(Cin)'],
  ),
};

/** Multiples the `padded` set rounds dimensions up to: vector width, warp, a common GEMM tile. */
const PAD_MULTIPLES = [8, 32, 128] as const;

/** The monomial of `plain` factors times `padded` ones, each rounded up to a multiple of `m`. */
function paddedTerm(kind: ModelKind, plain: readonly string[], padded: readonly string[], m: number): string {
  const raw = kindFeatures(kind).rawFeatures;
  return monomialName([...vars(raw, plain), ...vars(raw, padded).map((v) => ({ ...v, multiple: m }))], raw);
}

/**
 * `padded` adds, per multiple, the work and sizes with the channel (conv) or GEMM (fc) dimensions
 * rounded up: the cost of the tiles a kernel actually runs, partly empty ones included.
 */
const PADDED: Partial<Record<ModelKind, readonly (readonly [readonly string[], readonly string[]])[]>> = {
  conv: [
    [['N', 'Hout', 'Wout', 'kh', 'kw', 'Cin'], ['Cout']],
    [['N', 'Hout', 'Wout', 'kh', 'kw', 'Cout'], ['Cin']],
    [
      ['N', 'Hout', 'Wout', 'kh', 'kw'],
      ['Cin', 'Cout'],
    ],
    [['N', 'Hout', 'Wout'], ['Cout']],
    [
      ['kh', 'kw'],
      ['Cin', 'Cout'],
    ],
  ],
  fc: [
    [['units', 'Hin', 'Win', 'Cin'], ['N']],
    [['N', 'Hin', 'Win', 'Cin'], ['units']],
    [
      ['Hin', 'Win', 'Cin'],
      ['N', 'units'],
    ],
    [
      ['Hin', 'Win'],
      ['N', 'units', 'Cin'],
    ],
    [[], ['N', 'units']],
    [['units'], ['N']],
    [['N'], ['units']],
    [['Hin', 'Win', 'Cin'], ['N']],
    [['Hin', 'Win', 'Cin'], ['units']],
  ],
};

function paddedTerms(kind: ModelKind): string[] {
  const shapes = PADDED[kind] ?? [];
  return PAD_MULTIPLES.flatMap((m) => shapes.map(([plain, padded]) => paddedTerm(kind, plain, padded, m)));
}

export function isTermSet(value: unknown): value is TermSet {
  return typeof value === 'string' && (TERM_SETS as readonly string[]).includes(value);
}

/** The candidate terms of a named set for one kind and target. */
export function termSet(kind: ModelKind, target: Target, set: TermSet): readonly string[] {
  const paper = candidateTerms(kind, target);
  if (set === 'paper' || target !== 'runtime') return paper;
  const extended = [...paper, ...(EXTRA[kind] ?? [])];
  return set === 'padded' ? [...extended, ...paddedTerms(kind)] : extended;
}
