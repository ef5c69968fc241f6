import { fitLayerModel, mulberry32, type TrainingRow } from '@neuralpower/core';
import type { LayerRecord } from '@neuralpower/protocol';
import { describe, expect, it } from 'vitest';
import { weightingText } from '../src/cli/weighting-format.js';
import {
  MAX_WEIGHT_RATIO,
  precisionWeight,
  type StoredRow,
  selectTrainingRows,
} from '../src/fit/training-set.js';
import { fcRecord } from './helpers.js';

/** A block-timed row: median, interval ±halfRel, target ±2 %. */
function blockRow(medianMs: number, halfRel: number, meanMs = medianMs): StoredRow {
  return {
    runtime_mean_ms: meanMs,
    runtime_median_ms: medianMs,
    power_mean_w: 50,
    precision_target_reached: halfRel <= 0.02 ? 1 : 0,
    runtime_ci_low_ms: medianMs * (1 - halfRel),
    runtime_ci_high_ms: medianMs * (1 + halfRel),
    precision_target_rel: 0.02,
  };
}

/** A row timed run by run: no interval. */
function runsRow(meanMs: number): StoredRow {
  return {
    runtime_mean_ms: meanMs,
    runtime_median_ms: meanMs * 0.9,
    power_mean_w: 50,
    precision_target_reached: null,
    runtime_ci_low_ms: null,
    runtime_ci_high_ms: null,
    precision_target_rel: null,
  };
}

describe('training-set weights from the measured precision', () => {
  it('weigh block rows 1 / max(h, target)², best row 1, capped at 1/MAX_WEIGHT_RATIO', () => {
    expect(precisionWeight(blockRow(2, 0.04))).toBeCloseTo(1 / 0.04 ** 2, 6);
    // No credit for beating the target.
    expect(precisionWeight(blockRow(2, 0.005))).toBeCloseTo(1 / 0.02 ** 2, 6);
    expect(precisionWeight(runsRow(2))).toBeNull();
    const selection = selectTrainingRows([blockRow(1, 0.01), blockRow(2, 0.04), blockRow(3, 0.9)], 'runtime');
    expect(selection.rows.map((r) => r.weight)).toEqual([1, expect.closeTo(0.25, 9), 1 / MAX_WEIGHT_RATIO]);
    expect(selection.rows.map((r) => r.value)).toEqual([1, 2, 3]);
    expect(selection.report).toEqual({
      weighting: 'ci-half-width',
      imprecise: 2,
      withoutInterval: 0,
      minWeight: 1 / MAX_WEIGHT_RATIO,
      effectiveRows: expect.closeTo(1.26 ** 2 / (1 + 0.0625 + 1e-4), 9),
    });
  });

  it('rows timed run by run weigh the block rows’ median weight and fit their mean', () => {
    const selection = selectTrainingRows(
      [blockRow(1, 0.01), blockRow(2, 0.04), blockRow(3, 0.08), runsRow(5)],
      'runtime',
    );
    expect(selection.rows[3]).toEqual({ index: 3, value: 5, weight: expect.closeTo(0.25, 9) });
    expect(selection.report.withoutInterval).toBe(1);
  });

  it('is told by `models show` in one line (nothing for an unweighted version)', () => {
    const selection = selectTrainingRows([blockRow(1, 0.01), blockRow(2, 0.04), runsRow(5)], 'runtime');
    expect(weightingText({ rmspe: 0.1, selection: selection.report, weighted: { rmspe: 0.042 } })).toBe(
      'weighted by measured precision: 1 row(s) missed the target, 1 without an interval; ' +
        'weights 0.250..1, 2.42 effective rows; weighted RMSPE 4.2 %',
    );
    expect(
      weightingText({ rmspe: 0.1, selection: selectTrainingRows([runsRow(1)], 'runtime').report }),
    ).toBeNull();
    expect(weightingText({ rmspe: 0.1 })).toBeNull();
  });

  it('leaves the fit unweighted when every row weighs the same, and for power', () => {
    const runs = selectTrainingRows([runsRow(1), runsRow(2)], 'runtime');
    expect(runs.rows).toEqual([
      { index: 0, value: 1 },
      { index: 1, value: 2 },
    ]);
    expect(runs.report).toEqual({
      weighting: 'none',
      imprecise: 0,
      withoutInterval: 0,
      minWeight: 1,
      effectiveRows: 2,
    });
    const onTarget = selectTrainingRows([blockRow(1, 0.01), blockRow(2, 0.02)], 'runtime');
    expect(onTarget.rows.every((r) => r.weight === undefined)).toBe(true);
    const power = selectTrainingRows([blockRow(1, 0.01), blockRow(2, 0.5)], 'power');
    expect(power.rows).toEqual([
      { index: 0, value: 50 },
      { index: 1, value: 50 },
    ]);
  });

  it('noisy rows flagged imprecise: the weighted fit predicts clean held-out layers better than the unweighted one', () => {
    // fc layers whose runtime follows a law; every third training row was measured on a busy machine:
    // its median is off by ×0.5..×2.5 and its interval is ±10..60 % (target missed).
    const rand = mulberry32(5);
    const records: LayerRecord[] = Array.from({ length: 48 }, (_, i) => fcRecord(i));
    const stored = records.map((r, i) =>
      i % 3 === 0
        ? blockRow(r.runtime.medianMs * (0.5 + 2 * rand()), 0.1 + 0.5 * rand())
        : blockRow(r.runtime.medianMs, 0.01 + 0.02 * rand()),
    );
    const selection = selectTrainingRows(stored, 'runtime');
    expect(selection.report.imprecise).toBeGreaterThanOrEqual(16);
    const rows: TrainingRow[] = selection.rows.map((r) => ({
      config: {
        spec: records[r.index]!.spec,
        inputs: records[r.index]!.inputs,
        batch: records[r.index]!.batch,
      },
      value: r.value,
      ...(r.weight === undefined ? {} : { weight: r.weight }),
    }));
    const options = { folds: 5, nLambdas: 20 };
    const weighted = fitLayerModel('fc', 'runtime', rows, options);
    const unweighted = fitLayerModel(
      'fc',
      'runtime',
      rows.map(({ config, value }) => ({ config, value })),
      options,
    );
    const heldOut = Array.from({ length: 60 }, (_, i) => fcRecord(1000 + i));
    const rmspe = (model: typeof weighted) =>
      Math.sqrt(
        heldOut.reduce((s, r) => s + ((model.predict(r) - r.runtime.medianMs) / r.runtime.medianMs) ** 2, 0) /
          heldOut.length,
      );
    expect(rmspe(weighted)).toBeLessThan(0.5 * rmspe(unweighted));
    expect(weighted.report.weighted?.rmspe).toBeLessThan(weighted.report.rmspe);
  });
});
