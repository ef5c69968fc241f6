import type { LayerRecord, NetworkRecord, Precision } from '@neuralpower/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchValidation, getPlatform, listModels, type RunningCollector, requestFit } from '../src/index.js';
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
      // No sweep was resumed in another process (the store contract tests cover that split).
      processDrift: null,
    });
  });

  it('fits runtime on the medians, weighing each row by its interval, and says how', async () => {
    const result = await requestFit(collector.url, platform.id, ['fc'], { token });
    expect(result.fits[0]!.error).toBeNull();
    const listing = await listModels(collector.url, platform.id);
    const runtime = listing.versions.find((v) => v.kind === 'fc' && v.target === 'runtime')!;
    // Every row is kept; the 8 whose interval (±20 %) missed the ±2 % target weigh (2 / 20)² = 1/100.
    expect(runtime.trainingRows).toBe(33);
    expect(runtime.report['selection']).toEqual({
      weighting: 'ci-half-width',
      imprecise: 8,
      withoutInterval: 0,
      minWeight: expect.closeTo(0.01, 9),
      effectiveRows: expect.closeTo(25.08 ** 2 / (25 + 8e-4), 6),
    });
    // The law is linear in the MACs: fitted on the medians, weighted, it is close to exact on the
    // rows that reached the target (means are 2×, the imprecise medians 3×).
    const weighted = runtime.report['weighted'] as { rmspe: number };
    expect(weighted.rmspe).toBeLessThan(0.06);
    const power = listing.versions.find((v) => v.kind === 'fc' && v.target === 'power')!;
    expect(power.trainingRows).toBe(33);
  });

  it('plots fitted against measured at the median the rows were fitted to', async () => {
    const res = await fetch(`${collector.url}/dashboard/api/platforms/${platform.id}/fit-points`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const { series } = (await res.json()) as {
      series: { kind: string; target: string; points: { measured: number }[] }[];
    };
    const runtime = series.find((s) => s.kind === 'fc' && s.target === 'runtime')!;
    // Newest first: the revisit (median 1.03 × the law), then records 31..0.
    const medians = [
      blockRecord(0).runtime.medianMs * 1.03,
      ...Array.from({ length: 32 }, (_, i) => blockRecord(31 - i).runtime.medianMs),
    ];
    expect(runtime.points.map((p) => p.measured)).toEqual(medians);
  });

  it('validates a block-timed network at the median it reports, as fits use it', async () => {
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    const network: NetworkRecord = {
      type: 'network',
      platform: platform.id,
      network: { name: 'AlexNet', zoo: 'alexnet' },
      batch: 1,
      runtime: { meanMs: 45, medianMs: 30, stdMs: 9, n: 200 },
      precision: precision(30, true),
      power: { meanW: 60, samples: 40, windowMs: 2000, source: 'rapl' },
      energyMj: 60 * 30,
      startedAt: '2026-02-01T00:00:00.000Z',
      endedAt: '2026-02-01T00:00:02.000Z',
    };
    agent.send({ type: 'measurements', seq: 3, records: [network] });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 3, stored: 1 });
    agent.close();
    const v = (await fetchValidation(collector.url, platform.id)) as {
      networks: { measured: { runtimeMs: number; energyMj: number } }[];
    };
    expect(v.networks.map((n) => n.measured)).toEqual([{ runtimeMs: 30, powerW: 60, energyMj: 1800 }]);
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
