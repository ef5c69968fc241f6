import { kindFeatures } from '../features/registry.js';
import type { LayerInstance } from '../layers/describe.js';
import type { TrainingSummary } from './types.js';

/** Raw features of the layer outside the training range, e.g. `Cin=1024 (trained 3..436)`. */
export function outOfTrainingRange(kind: string, training: TrainingSummary, layer: LayerInstance): string[] {
  const def = kindFeatures(kind);
  const raw = def.extract(layer);
  const out: string[] = [];
  for (const [name, range] of Object.entries(training.features)) {
    const v = raw[def.rawFeatures.indexOf(name)];
    if (v !== undefined && (v < range.min || v > range.max)) {
      out.push(`${name}=${v} (trained ${range.min}..${range.max})`);
    }
  }
  return out;
}
