import type { KindErrors } from '../store/campaigns.js';
import { MIN_HELD_OUT_ROWS } from './holdout.js';
import type { CampaignOptions } from './options.js';

/**
 * Whether every kind of the campaign is at its target error. A random campaign's rows are a uniform
 * sample of its plan, so the models' cross-validated runtime RMSPE estimates the error on the plan.
 * An adaptive campaign's rows lean toward the layers its score found hard: it is judged on its
 * held-out slice instead (`holdout.ts`), once that has MIN_HELD_OUT_ROWS measurements (with a
 * random share of 0 it has no slice: the CV error, biased as it is, is all there is). Power, where
 * fitted, is judged by its cross-validated error in both (the sampling follows runtime only).
 */
export function atTarget(options: CampaignOptions, errors: KindErrors): boolean {
  return options.kinds.every((k) => {
    const e = errors[k];
    if (!e || e.runtime === undefined || e.rows < options.minRows) return false;
    const runtime =
      options.strategy === 'adaptive' && options.randomShare > 0
        ? e.heldOut && e.heldOut.rows >= MIN_HELD_OUT_ROWS
          ? e.heldOut.runtime
          : Number.POSITIVE_INFINITY
        : e.runtime;
    return runtime <= options.targetRmspe && (e.power === undefined || e.power <= options.targetRmspe);
  });
}
