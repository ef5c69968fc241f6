/** The runtime models the accuracy benchmark scores side by side, each fitted the same way per fold. */
import {
  candidateTerms,
  fitLayerModel,
  type LayerModel,
  type ModelKind,
  type TrainingRow,
} from '../../../packages/core/src/index.js';

export interface FittedVariant {
  predict(row: TrainingRow): number;
  /** Relative half-width of the model's 90 % interval, when it has one. */
  interval?: (row: TrainingRow) => { low: number; high: number };
  modelSize: number;
}

export interface Variant {
  readonly name: string;
  readonly describe: string;
  fit(kind: ModelKind, rows: readonly TrainingRow[]): FittedVariant;
}

function wrap(model: LayerModel): FittedVariant {
  return {
    predict: (row) => model.predict(row.config),
    modelSize: model.report.modelSize,
    interval: (row) => model.intervalOf(model.predict(row.config)) ?? { low: Number.NaN, high: Number.NaN },
  };
}

export const VARIANTS: readonly Variant[] = [
  {
    name: 'paper',
    describe: "the paper's method: its candidate terms, squared loss, λ at minimum CV error",
    fit: (kind, rows) =>
      wrap(
        fitLayerModel(kind, 'runtime', rows, {
          terms: candidateTerms(kind, 'runtime'),
          objective: 'squared',
        }),
      ),
  },
  {
    name: 'paper-auto',
    describe: "the paper's terms with the project's objective (auto): the default before the extended set",
    fit: (kind, rows) => wrap(fitLayerModel(kind, 'runtime', rows, { termSet: 'paper' })),
  },
  {
    name: 'default',
    describe:
      "the project's default fitLayerModel (no options): padded terms for fc, extended for conv, objective auto",
    fit: (kind, rows) => wrap(fitLayerModel(kind, 'runtime', rows)),
  },
  {
    name: 'extended',
    describe: 'the extended term set, objective auto',
    fit: (kind, rows) => wrap(fitLayerModel(kind, 'runtime', rows, { termSet: 'extended' })),
  },
  {
    name: 'padded',
    describe: 'the extended set + work and sizes on dimensions rounded up to multiples of 8, 32, 128',
    fit: (kind, rows) => wrap(fitLayerModel(kind, 'runtime', rows, { termSet: 'padded' })),
  },
];
