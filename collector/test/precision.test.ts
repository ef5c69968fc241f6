import type { LayerRecord, Precision } from '@neuralpower/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getPlatform, listModels, type RunningCollector, requestFit } from '../src/index.js';
import { fcRecord, platform, startTestCollector, TestAgent, tempDir } from './helpers.js';

const fit = { lasso: { nLambdas: 20, folds: 3 } };

function precision(medianMs: number, reached: boolean, extra: Partial<Precision> = {}): Precision {
  const half = reached ? 0.01 : 0.2;
  return {
    protocol: 'blocks',
    clock: 'process-cpu',
    runsPerBlock: 10,
    blocks: 40,
    warmupRuns: 10,
    ciLowMs: medianMs * (1 - half),
    ciHighMs: medianMs * (1 + half),
    confidence: 0.95,
    targetRel: 0.02,
    targetReached: reached,
    outlierBlocks: reached ? 0 : 3,
    wallMedianMs: medianMs * 1.5,
    syncOverheadMs: 0.006,
    ...extra,
  };
}

/**
 * Block-timed fc records: the median follows the law; the mean of the first 24 is doubled (so a
 * fit on means would be poor) and the last 8 missed the target with a median three times too high.
 */
function blockRecord(i: number): LayerRecord {
  const base = fcRecord(i);
  const lawMs = base.runtime.medianMs;
  const reached = i < 24;
  const medianMs = reached ? lawMs : 3 * lawMs;
  return {
    ...base,
    runtime: { ...base.runtime, meanMs: 2 * lawMs, medianMs },
    energyMj: (base.power === 'unavailable' ? 0 : base.power.meanW) * 2 * lawMs,
    precision: precision(medianMs, reached),
  };
}

describe('measurement precision in the collector', () => {
  let tmp: ReturnType<typeof tempDir>;
  let collector: RunningCollector;
  let token: string;

  beforeAll(async () => {
    tmp = tempDir();
    ({ collector, token } = await startTestCollector(`${tmp.dir}/np.db`, { fit }));
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    agent.send({
      type: 'measurements',
      seq: 1,
      records: Array.from({ length: 32 }, (_, i) => blockRecord(i)),
    });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 1, stored: 32 });
    // A revisit of configuration 0 at the end of a sweep, 3 % slower.
    const first = blockRecord(0);
    const revisit: LayerRecord = {
      ...first,
      runtime: { ...first.runtime, medianMs: first.runtime.medianMs * 1.03 },
      precision: precision(first.runtime.medianMs * 1.03, true, {
        revisit: { firstMedianMs: first.runtime.medianMs, driftRel: 0.03 },
      }),
    };
    agent.send({ type: 'measurements', seq: 2, records: [revisit] });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 2, stored: 1 });
    agent.close();
  });
  afterAll(async () => {
    await collector.close();
    tmp.cleanup();
  });

  it('summarises precision per platform: target reached, interval widths, outliers, sync overhead, drift', async () => {
    const detail = await getPlatform(collector.url, platform.id);
    expect(detail['precision']).toEqual({
      records: 33,
      targetReached: 25,
      ciHalfWidthRel: { median: expect.closeTo(0.01, 9), p90: expect.closeTo(0.2, 9) },
      blocks: 33 * 40,
      outlierBlocks: 8 * 3,
      clock: 'process-cpu',
      syncOverheadMs: 0.006,
      drift: { revisits: 1, medianAbsRel: 0.03, maxAbsRel: 0.03 },
    });
  });

  it('fits runtime on the medians of rows that reached the target, and says how many it left out', async () => {
    const result = await requestFit(collector.url, platform.id, ['fc'], { token });
    expect(result.fits[0]!.error).toBeNull();
    const listing = await listModels(collector.url, platform.id);
    const runtime = listing.versions.find((v) => v.kind === 'fc' && v.target === 'runtime')!;
    // 24 precise rows + the precise revisit; the 8 imprecise ones dropped.
    expect(runtime.trainingRows).toBe(25);
    expect(runtime.report['selection']).toEqual({ excludedImprecise: 8, keptImprecise: false });
    // The law is linear in the MACs: fitted on the medians it is close to exact (means are 2×).
    expect(runtime.report.rmspe).toBeLessThan(0.05);
    const power = listing.versions.find((v) => v.kind === 'fc' && v.target === 'power')!;
    expect(power.trainingRows).toBe(33);
  });

  it('keeps imprecise rows when too few precise ones remain, and says so', async () => {
    const tmp2 = tempDir();
    const { collector: c2, token: t2 } = await startTestCollector(`${tmp2.dir}/np.db`, {
      fit: { ...fit, minRows: 20 },
    });
    try {
      const agent = await TestAgent.connect(c2.wsUrl, t2);
      await agent.hello();
      // 10 precise + 14 imprecise: dropping would leave 10 < 20.
      const records = Array.from({ length: 24 }, (_, i) => blockRecord(i < 10 ? i : i + 14));
      agent.send({ type: 'measurements', seq: 1, records });
      expect(await agent.next()).toMatchObject({ type: 'ack', seq: 1, stored: 24 });
      agent.close();
      await requestFit(c2.url, platform.id, ['fc'], { token: t2 });
      const listing = await listModels(c2.url, platform.id);
      const runtime = listing.versions.find((v) => v.target === 'runtime')!;
      expect(runtime.trainingRows).toBe(24);
      expect(runtime.report['selection']).toEqual({ excludedImprecise: 0, keptImprecise: true });
    } finally {
      await c2.close();
      tmp2.cleanup();
    }
  });

  it('has no precision summary for a platform timed run by run', async () => {
    const tmp3 = tempDir();
    const { collector: c3, token: t3 } = await startTestCollector(`${tmp3.dir}/np.db`);
    try {
      const agent = await TestAgent.connect(c3.wsUrl, t3);
      await agent.hello();
      agent.send({ type: 'measurements', seq: 1, records: [fcRecord(1)] });
      expect(await agent.next()).toMatchObject({ type: 'ack', seq: 1, stored: 1 });
      agent.close();
      expect((await getPlatform(c3.url, platform.id))['precision']).toBeNull();
    } finally {
      await c3.close();
      tmp3.cleanup();
    }
  });
});
