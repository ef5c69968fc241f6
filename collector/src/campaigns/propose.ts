import {
  type Committee,
  committeeDisagreement,
  configPoint,
  expectedErrorScores,
  fitCommittee,
  integratedVarianceReduction,
  type LayerConfig,
  layerSignature,
  type ModelKind,
  nearbyMean,
  realNetworkWeights,
  relativeDensity,
  relativeLeverage,
  selectCandidates,
  selectDiverse,
  standardise,
  type TrainingRow,
} from '@neuralpower/core';

export type SamplingStrategy = 'adaptive' | 'random';
export const SAMPLING_STRATEGIES: readonly SamplingStrategy[] = ['adaptive', 'random'];

/**
 * Knobs of the adaptive score, for the benchmark's ablations (docs/benchmarks.md, "Sampling");
 * campaigns use the defaults. nearbyError and density were the previous method's: on the simulation
 * they did not pay once the extrapolation term was in; integrated was tried against the conv
 * failures and did not hold up on fresh seeds.
 */
export interface ProposeTuning {
  /** Add the extrapolation variance σ²·leverage on the kept terms (default true). */
  readonly leverage?: boolean;
  /** Add σ² × the candidate's mean variance reduction over the plan (`integratedVarianceReduction`; default false). */
  readonly integrated?: boolean;
  /** Cap of the extrapolation term's leverage (default `LEVERAGE_CAP`; `Infinity`: none, the previous default). */
  readonly leverageCap?: number;
  /** Add the nearby out-of-bag error (bias) to the committee's variance (default false). */
  readonly nearbyError?: boolean;
  /** Weight the committee's variance by density in the plan (representativeness, default false). */
  readonly density?: boolean;
  /** Spread the batch out (default true). */
  readonly diverse?: boolean;
  /** Kernel bandwidth of spreading, density and nearby error, in standard deviations (default 0.5). */
  readonly bandwidth?: number;
}

export interface ProposeInput {
  readonly kind: ModelKind;
  /** Measured rows of the kind (runtime in ms). */
  readonly rows: readonly TrainingRow[];
  /** Configurations not measured yet. */
  readonly candidates: readonly LayerConfig[];
  /** Signatures of real networks' layers of this kind (`zooSignatures`); empty: no weighting. */
  readonly realLayers: readonly (readonly number[])[];
  readonly count: number;
  readonly randomShare: number;
  readonly seed: number;
  /** Committee size (default 5). */
  readonly members?: number;
  readonly tuning?: ProposeTuning;
}

/**
 * The leverage counts up to 2 (a refit's relative variance there up to 2σ²): beyond that every
 * candidate is "far out" alike, and the batch spreads over several of them instead of taking the
 * few most extreme, whose rows can swing the whole fit (simulation: 146 of 180 runs ≤ ½ against
 * 142 uncapped, worst run 1.3× random's error at B/2 against 2.9×; docs/benchmarks.md).
 */
export const LEVERAGE_CAP = 2;

/** Fewest rows a committee is fitted on; below it the proposal is random. */
export const MIN_ROWS_FOR_COMMITTEE = 12;

/**
 * The next configurations to measure (indices into `candidates`): where measuring removes the most
 * expected held-out error — a bootstrap committee's variance of log predictions plus the variance of
 * extrapolation (leverage on the terms the Lasso kept, capped at `LEVERAGE_CAP`, × the committee's
 * mean squared out-of-bag error), weighted by how common such layers are in real networks — spread out over the space,
 * mixed with a random share so the error estimate keeps seeing the whole space. Pure and
 * deterministic.
 */
export function proposeNext(input: ProposeInput): number[] {
  const { candidates, rows } = input;
  const random = () =>
    selectCandidates(
      candidates.map(() => 0),
      { count: input.count, randomShare: 1, seed: input.seed },
    );
  if (rows.length < MIN_ROWS_FOR_COMMITTEE) return random();
  const committee = fitCommittee(input.kind, 'runtime', rows, {
    members: input.members ?? 5,
    seed: input.seed,
  });
  if (committee.members.length < 2) return random();
  const tuning = input.tuning ?? {};
  const h = tuning.bandwidth ?? 0.5;

  // One standardisation for candidates and measured rows: the plan's space.
  const all = standardise([...candidates, ...rows.map((r) => r.config)].map(configPoint));
  const points = all.slice(0, candidates.length);
  const measured = all.slice(candidates.length);
  const oob = committee.outOfBagLogError;
  const finite = oob.filter(Number.isFinite);
  const meanOob = finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : 0;
  // σ² of the extrapolation term: the committee's mean squared out-of-bag relative (log) error.
  const meanSquaredOob = finite.length > 0 ? finite.reduce((a, b) => a + b * b, 0) / finite.length : 0;
  const scores = expectedErrorScores({
    disagreement: committeeDisagreement(committee.members, candidates),
    nearbyError:
      tuning.nearbyError === true
        ? nearbyMean(points, measured, oob, { k: 3, bandwidth: h, fallback: meanOob })
        : candidates.map(() => 0),
    density: tuning.density === true ? relativeDensity(points, all, h) : candidates.map(() => 1),
    weights: realNetworkWeights(candidates.map(layerSignature), input.realLayers),
    extrapolation: extrapolationVariance(committee.members, rows, candidates, meanSquaredOob, tuning),
  });
  const options = { count: input.count, randomShare: input.randomShare, seed: input.seed };
  return tuning.diverse === false
    ? selectCandidates(scores, options)
    : selectDiverse(scores, { ...options, points, measured, radius: h });
}

/** σ² × (the leverage at each candidate, capped, and/or its mean variance reduction over the plan). */
function extrapolationVariance(
  members: Committee['members'],
  rows: readonly TrainingRow[],
  candidates: readonly LayerConfig[],
  sigma2: number,
  tuning: ProposeTuning,
): number[] | undefined {
  const atCandidate = tuning.leverage !== false;
  const integrated = tuning.integrated === true;
  if (!atCandidate && !integrated) return undefined;
  const cap = tuning.leverageCap ?? LEVERAGE_CAP;
  const h = atCandidate ? relativeLeverage(members, rows, candidates) : undefined;
  const r = integrated ? integratedVarianceReduction(members, rows, candidates) : undefined;
  return candidates.map((_, i) => sigma2 * (Math.min(h?.[i] ?? 0, cap) + (r?.[i] ?? 0)));
}
