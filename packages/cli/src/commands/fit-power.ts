import {
  fitLayerModelDetailed,
  fitPowerFamily,
  type KindModel,
  type LayerModelOptions,
  type ModelKind,
  modelKindOf,
  type PowerFamilyChoice,
  type PowerFamilyMode,
} from '@neuralpower/core';
import type { Measurement } from '@neuralpower/datasets';

export interface LocalPowerFit {
  readonly model: KindModel;
  readonly choice: PowerFamilyChoice;
}

/**
 * `neuralpower fit --target power` on a measurement file: the same family choice as the collector's
 * fit job (the paper's polynomial against the saturating work-rate model, lower out-of-fold RMSPE),
 * with the saturating model judged at the out-of-fold runtimes of a runtime model fitted on the
 * file's rows of the kind, as a prediction would feed it. Idle power and the power limit come from
 * the caller (flags); without them cross-validation chooses them.
 */
export function fitLocalPower(
  measurements: readonly Measurement[],
  kind: ModelKind,
  options: {
    readonly mode: PowerFamilyMode;
    readonly lasso: LayerModelOptions & { folds: number };
    readonly runtimeFolds: number | null;
    readonly idleW: number | null;
    readonly limitW: number | null;
  },
): LocalPowerFit {
  const ofKind = measurements.filter((m) => modelKindOf(m.config.spec) === kind);
  const withPower = ofKind.flatMap((m, index) => (m.powerW === null ? [] : [{ m, powerW: m.powerW, index }]));
  let predictedRuntimeMs: (number | null)[] | undefined;
  if (options.mode !== 'polynomial' && options.runtimeFolds !== null) {
    const runtime = fitLayerModelDetailed(
      kind,
      'runtime',
      ofKind.map((m) => ({ config: m.config, value: m.runtimeMs })),
      {
        folds: options.runtimeFolds,
        ...(options.lasso.seed !== undefined && { seed: options.lasso.seed }),
        ...(options.lasso.nLambdas !== undefined && { nLambdas: options.lasso.nLambdas }),
      },
    );
    predictedRuntimeMs = withPower.map((r) => runtime.outOfFold[r.index]!);
  }
  const { model, choice } = fitPowerFamily(
    kind,
    withPower.map((r) => ({ config: r.m.config, powerW: r.powerW, runtimeMs: r.m.runtimeMs })),
    {
      mode: options.mode,
      lasso: options.lasso,
      platform: { idleW: options.idleW, limitW: options.limitW },
      ...(predictedRuntimeMs !== undefined && { predictedRuntimeMs }),
    },
  );
  return { model, choice };
}
