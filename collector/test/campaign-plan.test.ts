import { describe, expect, it } from 'vitest';
import { campaignCreateSchema, resolveOptions } from '../src/campaigns/options.js';
import { planCampaign } from '../src/campaigns/plan.js';

const options = resolveOptions(
  campaignCreateSchema.parse({
    platform: 'cpu-x',
    kinds: ['conv', 'fc'],
    ranges: 'tiny',
    targetRmspe: 0.1,
    budget: 100,
    repeatShare: 0.05,
  }),
);

describe('planCampaign', () => {
  it('is deterministic, interleaves kinds, keeps keys unique per copy and adds the planned repeats', () => {
    const plan = planCampaign('cpu-x', options);
    expect(planCampaign('cpu-x', options)).toEqual(plan);
    expect(plan.filter((i) => i.copy === 0).length).toBeLessThanOrEqual(options.poolSize);
    expect(
      plan
        .slice(0, 2)
        .map((i) => i.kind)
        .sort(),
    ).toEqual(['conv', 'fc']);
    const firsts = plan.filter((i) => i.copy === 0);
    expect(new Set(firsts.map((i) => i.key)).size).toBe(firsts.length);
    const repeats = plan.filter((i) => i.copy === 1);
    expect(repeats).toHaveLength(5);
    for (const r of repeats) {
      const first = firsts.find((i) => i.key === r.key)!;
      expect(r.priority).toBeLessThan(first.priority);
    }
  });

  it('defaults the pool to 3 × budget (at least 200) and the refit interval from the budget', () => {
    expect(options.poolSize).toBe(300);
    expect(options.refitEvery).toBe(8);
    expect(() => campaignCreateSchema.parse({ targetRmspe: 0.1, budget: 10 })).toThrow(
      /exactly one of platform and gpuName/,
    );
  });
});
