import type { LayerInstance, ModelKind } from '../layers/describe.js';
import { type KindFeatures, TARGETS, type Target } from './kind.js';
import { activationFeatures } from './kinds/activation.js';
import { addFeatures } from './kinds/add.js';
import { batchnormFeatures } from './kinds/batchnorm.js';
import { concatFeatures } from './kinds/concat.js';
import { convFeatures } from './kinds/conv.js';
import { dropoutFeatures } from './kinds/dropout.js';
import { dwconvFeatures } from './kinds/dwconv.js';
import { fcFeatures } from './kinds/fc.js';
import { flattenFeatures } from './kinds/flatten.js';
import { globalpoolFeatures } from './kinds/globalpool.js';
import { lrnFeatures } from './kinds/lrn.js';
import { padFeatures } from './kinds/pad.js';
import { poolFeatures } from './kinds/pool.js';
import { reshapeFeatures } from './kinds/reshape.js';
import { softmaxFeatures } from './kinds/softmax.js';
import { parseTerm, type Term, TermError } from './terms.js';

/** One line per model kind; the Record type makes a missing kind a compile error. */
const FEATURES: Readonly<Record<ModelKind, KindFeatures>> = {
  conv: convFeatures,
  dwconv: dwconvFeatures,
  fc: fcFeatures,
  pool: poolFeatures,
  globalpool: globalpoolFeatures,
  activation: activationFeatures,
  batchnorm: batchnormFeatures,
  add: addFeatures,
  concat: concatFeatures,
  dropout: dropoutFeatures,
  lrn: lrnFeatures,
  flatten: flattenFeatures,
  reshape: reshapeFeatures,
  softmax: softmaxFeatures,
  pad: padFeatures,
};

export const MODEL_KINDS: readonly ModelKind[] = Object.keys(FEATURES) as ModelKind[];

/** A model kind name that has no feature definition. */
export class UnknownModelKindError extends Error {
  readonly kind: string;
  constructor(kind: unknown, field = 'kind') {
    super(`${field}: unknown model kind ${JSON.stringify(kind)}; known: ${MODEL_KINDS.join(', ')}`);
    this.name = 'UnknownModelKindError';
    this.kind = String(kind);
  }
}

export function isModelKind(value: unknown): value is ModelKind {
  return typeof value === 'string' && Object.hasOwn(FEATURES, value);
}

export function isTarget(value: unknown): value is Target {
  return typeof value === 'string' && (TARGETS as readonly string[]).includes(value);
}

export function kindFeatures(kind: string): KindFeatures {
  if (!isModelKind(kind)) throw new UnknownModelKindError(kind);
  return FEATURES[kind];
}

export function candidateTerms(kind: string, target: Target): readonly string[] {
  return kindFeatures(kind).candidates[target];
}

/** Raw feature values of a layer by name, for summaries and messages. */
export function rawFeatureRecord(kind: ModelKind, layer: LayerInstance): Record<string, number> {
  const def = FEATURES[kind];
  const values = def.extract(layer);
  return Object.fromEntries(def.rawFeatures.map((n, i) => [n, values[i]!]));
}

/** A list of term names compiled for one kind: maps a layer to its row of the design matrix. */
export interface CompiledTerms {
  readonly kind: ModelKind;
  readonly names: readonly string[];
  readonly terms: readonly Term[];
  /** Raw feature values of a layer, aligned with the kind's raw feature list. */
  raw(layer: LayerInstance): number[];
  /** Term values for raw feature values; throws TermError when a term is not finite (log2 of 0). */
  row(raw: readonly number[]): number[];
}

export function compileTerms(kind: string, names: readonly string[]): CompiledTerms {
  const def = kindFeatures(kind);
  const seen = new Set<string>();
  const terms = names.map((name) => {
    if (seen.has(name)) throw new TermError(name, `is listed twice for ${def.kind}`);
    seen.add(name);
    return parseTerm(name, def.rawFeatures);
  });
  return {
    kind: def.kind,
    names: [...names],
    terms,
    raw: (layer) => def.extract(layer),
    row(raw) {
      return terms.map((t) => {
        const v = t.evaluate(raw);
        if (!Number.isFinite(v)) {
          const values = def.rawFeatures.map((n, i) => `${n}=${raw[i]}`).join(', ');
          throw new TermError(t.name, `is not finite (${v}) for ${values}`);
        }
        return v;
      });
    },
  };
}
