import {
  committeeDisagreement,
  configPoint,
  expectedErrorScores,
  fitCommittee,
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

/** Knobs of the adaptive score, for ablations; campaigns use the defaults. */
export interface ProposeTuning {
  /** Add the nearby out-of-bag error (bias) to the committee's variance (default true). */
  readonly nearbyError?: boolean;
  /** Weight by density in the plan (representativeness, default true). */
  readonly density?: boolean;
  /** Spread the batch out (default true). */
  readonly diverse?: boolean;
  /** Kernel bandwidth of density and nearby error, in standard deviations (default 0.5). */
  readonly bandwidth?: number;
  /** Add the extrapolation variance σ²·leverage on the kept terms (default false). */
  readonly leverage?: boolean;
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

/** Fewest rows a committee is fitted on; below it the proposal is random. */
export const MIN_ROWS_FOR_COMMITTEE = 12;

/**
 * The next configurations to measure (indices into `candidates`): where measuring removes the most
 * expected held-out error — a bootstrap committee's variance plus the out-of-bag error of the nearest
 * measured rows, weighted by how representative the candidate is of the plan and how common such
 * layers are in real networks — spread out over the space, mixed with a random share so the error
 * estimate keeps seeing the whole space. Pure and deterministic.
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
      tuning.nearbyError === false
        ? candidates.map(() => 0)
        : nearbyMean(points, measured, oob, { k: 3, bandwidth: h, fallback: meanOob }),
    density: tuning.density === false ? candidates.map(() => 1) : relativeDensity(points, all, h),
    weights: realNetworkWeights(candidates.map(layerSignature), input.realLayers),
    extrapolation:
      tuning.leverage === true
        ? relativeLeverage(committee.members, rows, candidates).map((h) => meanSquaredOob * h)
        : undefined,
  });
  const options = { count: input.count, randomShare: input.randomShare, seed: input.seed };
  return tuning.diverse === false
    ? selectCandidates(scores, options)
    : selectDiverse(scores, { ...options, points, measured, radius: h });
}
