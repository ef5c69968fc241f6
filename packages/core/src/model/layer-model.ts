import { type CompiledTerms, compileTerms } from '../features/registry.js';
import { TermError } from '../features/terms.js';
import { describeLayer, type LayerInstance } from '../layers/describe.js';
import type { LayerConfig } from '../layers/spec.js';
import { assertModelKind } from './kind-guard.js';
import { outOfTrainingRange } from './out-of-range.js';
import { type LayerModel, ModelError, type ModelJson } from './types.js';

export function compileOrExplain(kind: string, names: readonly string[]): CompiledTerms {
  try {
    return compileTerms(kind, names);
  } catch (err) {
    if (err instanceof TermError) throw new ModelError(`terms[${names.indexOf(err.term)}]`, err.message);
    throw err;
  }
}

/** Builds the immutable model object around validated fields (shared by fitting and parsing). */
export function makeLayerModel(fields: ModelJson): LayerModel {
  if (fields.terms.length !== fields.coefficients.length) {
    throw new ModelError(
      'coefficients',
      `has ${fields.coefficients.length} entries for ${fields.terms.length} terms`,
    );
  }
  const all = compileOrExplain(fields.kind, fields.terms);
  const coefficients = Object.freeze([...fields.coefficients]);
  // Only selected terms are evaluated, so a dropped log2 term cannot fail on a zero-valued feature.
  const active = coefficients.flatMap((c, j) => (c === 0 ? [] : [j]));
  const selected = compileTerms(
    fields.kind,
    active.map((j) => all.names[j]!),
  );
  const selectedCoefficients = active.map((j) => coefficients[j]!);

  const checkKind = (layer: LayerInstance) => assertModelKind(fields.kind, layer);

  const predictLayer = (layer: LayerInstance): number => {
    checkKind(layer);
    const values = selected.row(selected.raw(layer));
    let acc = fields.intercept;
    for (let i = 0; i < values.length; i++) acc += selectedCoefficients[i]! * values[i]!;
    return acc;
  };

  return Object.freeze({
    format: fields.format,
    family: 'polynomial',
    kind: fields.kind,
    target: fields.target,
    unit: fields.unit,
    terms: Object.freeze([...all.names]),
    coefficients,
    intercept: fields.intercept,
    objective: fields.objective,
    lambda: fields.lambda,
    report: fields.report,
    training: fields.training,
    interval: fields.interval ?? null,
    intervalOf(predicted: number) {
      const iv = fields.interval;
      return iv === undefined ? null : { low: predicted * iv.lowRatio, high: predicted * iv.highRatio };
    },
    predictLayer,
    predict: (config: LayerConfig) => predictLayer(describeLayer(config)),
    outOfRange(layer: LayerInstance): string[] {
      checkKind(layer);
      return outOfTrainingRange(fields.kind, fields.training, layer);
    },
  });
}
