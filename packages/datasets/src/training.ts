import { type ModelKind, modelKindOf, type Target, type TrainingRow } from '@neuralpower/core';
import type { Measurement } from './measurement.js';

export interface TrainingSelection {
  readonly rows: TrainingRow[];
  /** Measurements of other model kinds. */
  readonly otherKinds: number;
  /** Measurements of this kind without a power reading (power target only). */
  readonly withoutPower: number;
}

/** The measurements of one model kind as training rows for one target. */
export function trainingRows(
  measurements: readonly Measurement[],
  kind: ModelKind,
  target: Target,
): TrainingSelection {
  const rows: TrainingRow[] = [];
  let otherKinds = 0;
  let withoutPower = 0;
  for (const m of measurements) {
    if (modelKindOf(m.config.spec) !== kind) {
      otherKinds++;
      continue;
    }
    if (target === 'runtime') rows.push({ config: m.config, value: m.runtimeMs });
    else if (m.powerW === null) withoutPower++;
    else rows.push({ config: m.config, value: m.powerW });
  }
  return { rows, otherKinds, withoutPower };
}
