import type { SaturatingPowerJson, SaturatingPowerModel } from '../power/saturating.js';
import { parseSaturatingPowerModel, serializeSaturatingPowerModel } from '../power/serialize.js';
import { familyOf, parseFormat, record } from './json-parts.js';
import { parseModel, serializeModel } from './serialize.js';
import type { LayerModel, ModelJson } from './types.js';

/**
 * A fitted model of one layer kind for one target, of either family: a polynomial (runtime or
 * power) or a saturating power model (which needs the layer's runtime to predict).
 */
export type KindModel = LayerModel | SaturatingPowerModel;
export type KindModelJson = ModelJson | SaturatingPowerJson;

/** Reads a model file of any family (`/1` and `/2` files are polynomials); errors name the field. */
export function parseKindModel(value: unknown): KindModel {
  const m = record(value, 'model');
  return familyOf(m, parseFormat(m['format'])) === 'saturating'
    ? parseSaturatingPowerModel(m)
    : parseModel(m);
}

/** The model file's JSON data, whatever the family. */
export function serializeKindModel(model: KindModel): KindModelJson {
  return model.family === 'saturating' ? serializeSaturatingPowerModel(model) : serializeModel(model);
}
