import { describe, expect, it } from 'vitest';
import { describeLayer, fitSaturatingPowerModel, ModelError, type PowerRow } from '../src/index.js';
import { rng, syntheticConvRows } from './helpers/synthetic.js';

const IDLE_W = 40;
const LIMIT_W = 250;

/** Gaussian from two uniforms (Box–Muller). */
function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** A saturating truth in the work rate, with 2 % (1 σ) relative noise on the measured power. */
function powerRows(n: number, seed: number, noise = 0.02): PowerRow[] {
  const r = rng(seed + 1000);
  return syntheticConvRows(n, seed).map(({ config, value: runtimeMs }) => {
    const layer = describeLayer(config);
    const macRate = (layer.macsPerExample * layer.batch) / runtimeMs;
    const byteRate = layer.bytesMoved / runtimeMs;
    const u = 0.15 + macRate / 8e7 + byteRate / 4e8;
    const truth = IDLE_W + (LIMIT_W - IDLE_W) * (1 - Math.exp(-u));
    return { config, runtimeMs, powerW: truth * (1 + noise * gaussian(r)) };
  });
}

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
    expect(model.report.idleLimitFromCv).toBe(false);
    // Never above the limit, never below idle, however fast the layer.
    const fast = fresh[0]!;
    expect(model.predict(fast.config, 1e-9)).toBeLessThanOrEqual(LIMIT_W);
    expect(model.predict(fast.config, 1e9)).toBeGreaterThanOrEqual(IDLE_W);
  });

  it('without them, chooses idle and limit by cross-validation and still tracks the truth', () => {
    const model = fitSaturatingPowerModel(train);
    expect(model.report.idleLimitFromCv).toBe(true);
    expect(rmspe(model, fresh)).toBeLessThan(0.04);
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
