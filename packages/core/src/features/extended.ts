import type { ModelKind } from '../layers/describe.js';
import type { Target } from './kind.js';
import { candidateTerms } from './registry.js';

/**
 * Named candidate term sets. `paper`: the paper's sets (docs/models.md). `extended` (runtime of conv
 * and fc; other kinds and power keep the paper's): the paper's terms plus the layer's work (MACs,
 * output, input, weights) times the log2 of its dimensions, and those logs and their pairwise
 * products. A GPU's throughput grows roughly with the log of a layer's size until it saturates, so
 * work·log2(size) terms let one linear model bend between small, launch-bound layers and large,
 * throughput-bound ones. Still a readable sum of terms; chosen by the accuracy benchmark.
 */
export const TERM_SETS = ['paper', 'extended'] as const;
export type TermSet = (typeof TERM_SETS)[number];
/**
 * What fitLayerModel uses without `terms` or `termSet`: `extended` had the lower nested out-of-fold
 * RMSPE on every gpu-layer-data file it was scored on (docs/benchmarks.md, Accuracy).
 */
export const DEFAULT_TERM_SET: TermSet = 'extended';

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

export function isTermSet(value: unknown): value is TermSet {
  return typeof value === 'string' && (TERM_SETS as readonly string[]).includes(value);
}

/** The candidate terms of a named set for one kind and target. */
export function termSet(kind: ModelKind, target: Target, set: TermSet): readonly string[] {
  const paper = candidateTerms(kind, target);
  const extra = set === 'extended' && target === 'runtime' ? EXTRA[kind] : undefined;
  return extra ? [...paper, ...extra] : paper;
}
