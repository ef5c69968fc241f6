import {
  committeeDisagreement,
  fitCommittee,
  type LayerConfig,
  layerSignature,
  type ModelKind,
  realNetworkWeights,
  selectCandidates,
  type TrainingRow,
  uncertaintyScores,
} from '@neuralpower/core';

export type SamplingStrategy = 'adaptive' | 'random';
export const SAMPLING_STRATEGIES: readonly SamplingStrategy[] = ['adaptive', 'random'];

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
}

/** Fewest rows a committee is fitted on; below it the proposal is random. */
export const MIN_ROWS_FOR_COMMITTEE = 12;

/**
 * The next configurations to measure (indices into `candidates`): where a bootstrap committee of
 * runtime models disagrees most, weighted by how common such layers are in real networks, mixed
 * with a random share so the error estimate keeps seeing the whole space. Pure and deterministic.
 */
export function proposeNext(input: ProposeInput): number[] {
  const { candidates, rows } = input;
  if (rows.length < MIN_ROWS_FOR_COMMITTEE) {
    return selectCandidates(
      candidates.map(() => 0),
      { count: input.count, randomShare: 1, seed: input.seed },
    );
  }
  const committee = fitCommittee(input.kind, 'runtime', rows, {
    members: input.members ?? 5,
    seed: input.seed,
  });
  if (committee.length < 2) {
    return selectCandidates(
      candidates.map(() => 0),
      { count: input.count, randomShare: 1, seed: input.seed },
    );
  }
  const disagreement = committeeDisagreement(committee, candidates);
  const weights = realNetworkWeights(candidates.map(layerSignature), input.realLayers);
  return selectCandidates(uncertaintyScores(disagreement, weights), {
    count: input.count,
    randomShare: input.randomShare,
    seed: input.seed,
  });
}
