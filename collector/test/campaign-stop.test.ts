import { describeLayer, type LayerConfig, RANGE_PRESETS, Rng, sampleConfig } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import { heldOutError, inHeldOutSlice, MIN_HELD_OUT_ROWS } from '../src/campaigns/holdout.js';
import { campaignCreateSchema, resolveOptions } from '../src/campaigns/options.js';
import { planCampaign } from '../src/campaigns/plan.js';
import { atTarget } from '../src/campaigns/stop.js';

const options = (strategy: 'adaptive' | 'random') =>
  resolveOptions(
    campaignCreateSchema.parse({
      platform: 'cpu-x',
      kinds: ['fc'],
      ranges: 'tiny',
      strategy,
      targetRmspe: 0.1,
      budget: 100,
      randomShare: 0.25,
      minRows: 8,
    }),
  );

describe('held-out slice', () => {
  it('takes about the random share of a plan, the same keys every time', () => {
    const plan = planCampaign('cpu-x', { ...options('adaptive'), poolSize: 2000 });
    const slice = plan.filter((i) => inHeldOutSlice(i.key, 0.25));
    expect(slice.length / plan.length).toBeGreaterThan(0.2);
    expect(slice.length / plan.length).toBeLessThan(0.3);
    expect(plan.filter((i) => inHeldOutSlice(i.key, 0.25))).toEqual(slice);
    expect(plan.some((i) => inHeldOutSlice(i.key, 0))).toBe(false);
    expect(plan.every((i) => inHeldOutSlice(i.key, 1))).toBe(true);
  });
});

describe('heldOutError', () => {
  // Runtime ∝ MACs plus an overhead: a truth the model learns; every fourth row held out.
  const rng = new Rng(5);
  const configs = Array.from(
    { length: 48 },
    () => sampleConfig('fc', rng, RANGE_PRESETS.small) as LayerConfig,
  );
  const truth = (c: LayerConfig) => 0.02 + (c.batch * describeLayer(c).macsPerExample) / 1e7;
  const rows = configs.map((config, i) => ({ config, value: truth(config), heldOut: i % 4 === 0 }));

  it('is the error on the held-out rows of a model fitted on the others', () => {
    const clean = heldOutError('fc', rows)!;
    expect(clean.rows).toBe(12);
    expect(clean.runtime).toBeLessThan(0.05);
    // A held-out row measured 3× its truth: the model (which never saw it) misses it by ≈ 67 %.
    const off = rows.map((r, i) => (i === 0 ? { ...r, value: 3 * r.value } : r));
    const err = heldOutError('fc', off)!;
    expect(err.runtime).toBeGreaterThan(Math.sqrt(0.6 ** 2 / 12));
    // The same outlier among the training rows is not what the held-out error measures.
    const inTrain = rows.map((r, i) => (i === 1 ? { ...r, value: 3 * r.value } : r));
    expect(heldOutError('fc', inTrain)!.runtime).toBeLessThan(err.runtime);
  });

  it('is null with too few held-out rows', () => {
    const few = rows.map((r, i) => ({ ...r, heldOut: i < MIN_HELD_OUT_ROWS - 1 }));
    expect(heldOutError('fc', few)).toBeNull();
  });
});

describe('atTarget', () => {
  const cv = { runtime: 0.05, rows: 40 };
  it('judges a random campaign by the cross-validated error', () => {
    expect(atTarget(options('random'), { fc: cv })).toBe(true);
    expect(atTarget(options('random'), { fc: { ...cv, runtime: 0.2 } })).toBe(false);
    expect(atTarget(options('random'), { fc: { ...cv, rows: 4 } })).toBe(false);
    expect(atTarget(options('random'), {})).toBe(false);
  });

  it('judges an adaptive campaign by its held-out slice, once that has enough rows', () => {
    expect(atTarget(options('adaptive'), { fc: cv })).toBe(false);
    const heldOut = { runtime: 0.08, rows: MIN_HELD_OUT_ROWS };
    expect(atTarget(options('adaptive'), { fc: { ...cv, heldOut } })).toBe(true);
    // A CV error above the target (hard rows chosen) does not hold it back; the held-out one does.
    expect(atTarget(options('adaptive'), { fc: { ...cv, runtime: 0.3, heldOut } })).toBe(true);
    expect(atTarget(options('adaptive'), { fc: { ...cv, heldOut: { ...heldOut, runtime: 0.12 } } })).toBe(
      false,
    );
    expect(atTarget(options('adaptive'), { fc: { ...cv, heldOut: { ...heldOut, rows: 3 } } })).toBe(false);
    expect(atTarget(options('adaptive'), { fc: { ...cv, power: 0.2, heldOut } })).toBe(false);
    // No random share, no slice: the CV error.
    expect(atTarget({ ...options('adaptive'), randomShare: 0 }, { fc: cv })).toBe(true);
  });
});
