import { describe, expect, it } from 'vitest';
import { fitSaturatingPowerModel, ModelError, type PowerRow, usablePowerBounds } from '../src/index.js';
import { IDLE_W, LIMIT_W, powerRows } from './helpers/power.js';

function rmspe(model: ReturnType<typeof fitSaturatingPowerModel>, rows: readonly PowerRow[]): number {
  let s = 0;
  for (const row of rows) s += ((model.predict(row.config, row.runtimeMs) - row.powerW) / row.powerW) ** 2;
  return Math.sqrt(s / rows.length);
}

describe('saturating work-rate power model', () => {
  const train = powerRows(300, 3);
  const fresh = powerRows(500, 77);

  it('with the probe’s idle power and limit, predicts within 2× the noise', () => {
    const model = fitSaturatingPowerModel(train, { idleW: IDLE_W, limitW: LIMIT_W });
    expect(model.report.rmspe).toBeLessThan(0.04);
    expect(rmspe(model, fresh)).toBeLessThan(0.04);
    expect([model.idleFrom, model.limitFrom]).toEqual(['platform', 'platform']);
    // Never above the limit, never below idle, however fast the layer.
    const fast = fresh[0]!;
    expect(model.predict(fast.config, 1e-9)).toBeLessThanOrEqual(LIMIT_W);
    expect(model.predict(fast.config, 1e9)).toBeGreaterThanOrEqual(IDLE_W);
  });

  it('without them, chooses idle and limit by cross-validation and still tracks the truth', () => {
    const model = fitSaturatingPowerModel(train);
    expect([model.idleFrom, model.limitFrom]).toEqual(['cv', 'cv']);
    expect(rmspe(model, fresh)).toBeLessThan(0.04);
  });

  it('recovers the truth: the work-rate coefficients of the generating model, within the noise', () => {
    const model = fitSaturatingPowerModel(train, { idleW: IDLE_W, limitW: LIMIT_W });
    expect(model.busy).toBeCloseTo(0.15, 1);
    expect(model.perMacPerMs * 8e7).toBeGreaterThan(0.85);
    expect(model.perMacPerMs * 8e7).toBeLessThan(1.15);
    expect(model.perBytePerMs * 4e8).toBeGreaterThan(0.7);
    expect(model.perBytePerMs * 4e8).toBeLessThan(1.3);
    // Its stored 90 % interval covers about 90 % of fresh layers.
    const inside = fresh.filter((row) => {
      const { low, high } = model.intervalOf(model.predict(row.config, row.runtimeMs));
      return row.powerW >= low && row.powerW <= high;
    }).length;
    expect(inside / fresh.length).toBeGreaterThan(0.84);
    expect(inside / fresh.length).toBeLessThan(0.96);
  });

  it('also scores held-out rows at given predicted runtimes: the error a prediction will have', () => {
    const bounds = { idleW: IDLE_W, limitW: LIMIT_W, folds: 5 };
    const rows = train.slice(0, 100);
    const exact = fitSaturatingPowerModel(rows, {
      ...bounds,
      predictedRuntimeMs: rows.map((r) => r.runtimeMs),
    });
    expect(exact.report.predictedRuntimeRmspe).toBeCloseTo(exact.report.rmspe, 12);
    // Runtimes 30 % off in alternating directions: the work rates, so the power, are off too.
    const off = rows.map((r, i) => (i === 3 ? null : r.runtimeMs * (i % 2 === 0 ? 1.3 : 0.7)));
    const skewed = fitSaturatingPowerModel(rows, { ...bounds, predictedRuntimeMs: off });
    expect(skewed.perMacPerMs).toBe(exact.perMacPerMs); // the fit itself uses the measured runtimes
    expect(skewed.report.predictedRuntimeRmspe!).toBeGreaterThan(2 * skewed.report.rmspe);
    expect(fitSaturatingPowerModel(rows, bounds).report.predictedRuntimeRmspe).toBeNull();
    expect(() => fitSaturatingPowerModel(rows, { ...bounds, predictedRuntimeMs: [1] })).toThrow(
      /predictedRuntimeMs: has 1 entries for 100 rows/,
    );
  });

  it('uses the platform bounds it can, and says why it drops the others', () => {
    const powers = train.map((r) => r.powerW);
    expect(usablePowerBounds(powers, { idleW: IDLE_W, limitW: LIMIT_W })).toEqual({
      idleW: IDLE_W,
      limitW: LIMIT_W,
      notes: [],
    });
    const odd = usablePowerBounds(powers, { idleW: 400, limitW: null });
    expect(odd.idleW).toBeUndefined();
    expect(odd.limitW).toBeUndefined();
    expect(odd.notes[0]).toMatch(/idle 400 W is not below the median reading/);
  });

  it('is deterministic and names bad input', () => {
    const a = fitSaturatingPowerModel(train.slice(0, 100));
    const b = fitSaturatingPowerModel(train.slice(0, 100));
    expect(a.perMacPerMs).toBe(b.perMacPerMs);
    expect(() => fitSaturatingPowerModel(train.slice(0, 5))).toThrow(/needs at least 20 rows/);
    const bad = [...train];
    bad[4] = { ...bad[4]!, runtimeMs: 0 };
    expect(() => fitSaturatingPowerModel(bad)).toThrow(ModelError);
    expect(() => fitSaturatingPowerModel(bad)).toThrow(/rows\[4\]\.runtimeMs/);
    expect(() => fitSaturatingPowerModel(train, { limitW: 10 })).toThrow(/limitW: must exceed the median/);
  });
});
