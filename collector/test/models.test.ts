import {
  createModelSet,
  isNetworkCorrectionJson,
  parseKindModel,
  parseModel,
  parseNetworkCorrection,
  powerModelSummaries,
  predictNetwork,
} from '@neuralpower/core';
import { zooNetwork } from '@neuralpower/networks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  exportCsv,
  fetchMeasuredKeys,
  fetchValidation,
  getModelVersion,
  listModels,
  listPlatforms,
  predictViaCollector,
  type RunningCollector,
  requestFit,
  rollbackModel,
} from '../src/index.js';
import { convRecord, fcRecord, platform, startTestCollector, TestAgent, tempDir } from './helpers.js';

const fit = { lasso: { nLambdas: 20, folds: 3 } };

describe('model versions, predictions and exports', () => {
  let tmp: ReturnType<typeof tempDir>;
  let collector: RunningCollector;
  let token: string;

  beforeAll(async () => {
    tmp = tempDir();
    ({ collector, token } = await startTestCollector(`${tmp.dir}/np.db`, { fit }));
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    agent.send({ type: 'measurements', seq: 1, records: Array.from({ length: 30 }, (_, i) => fcRecord(i)) });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 1, stored: 30 });
    agent.send({
      type: 'measurements',
      seq: 2,
      records: Array.from({ length: 24 }, (_, i) => convRecord(i)),
    });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 2, stored: 24 });
    const network = {
      type: 'network',
      platform: platform.id,
      network: { name: 'AlexNet', zoo: 'alexnet' },
      batch: 2,
      runtime: { meanMs: 30, medianMs: 30, stdMs: 1, n: 10 },
      power: { meanW: 60, samples: 40, windowMs: 2000, source: 'rapl' },
      energyMj: 1800,
      startedAt: '2026-02-01T00:00:00Z',
      endedAt: '2026-02-01T00:00:02Z',
    };
    agent.send({ type: 'measurements', seq: 3, records: [network] });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 3, stored: 1 });
    agent.close();
  });
  afterAll(async () => {
    await collector.close();
    tmp.cleanup();
  });

  it('fits on request in a worker and stores immutable versions with moved pointers', async () => {
    await expect(requestFit(collector.url, platform.id, ['fc'], {})).rejects.toThrow(/401|Bearer/);
    const first = await requestFit(collector.url, platform.id, undefined, { token });
    expect(first.fits.map((f) => f.kind)).toEqual(['conv', 'fc']);
    for (const f of first.fits) {
      expect(f.error).toBeNull();
      expect(f.versions.map((v) => v.target)).toEqual(['runtime', 'power']);
    }
    // Same data again: nothing new to fit.
    const again = await requestFit(collector.url, platform.id, ['fc'], { token });
    expect(again.fits[0]!.versions).toEqual([]);
    expect(again.fits[0]!.skipped[0]!.reason).toMatch(/unchanged/);

    const listing = await listModels(collector.url, platform.id);
    // conv and fc runtime and power, then the network correction (the AlexNet record) as version 5.
    expect(listing.versions.map((v) => v.version)).toEqual([1, 2, 3, 4, 5]);
    expect(listing.versions[4]).toMatchObject({ kind: 'network', target: 'runtime', trainingRows: 1 });
    expect(listing.current).toHaveLength(5);
    expect(listing.versions.every((v) => v.current && v.parentVersion === null)).toBe(true);
    const fcRuntime = listing.versions.find((v) => v.kind === 'fc' && v.target === 'runtime')!;
    expect(fcRuntime.trainingRows).toBe(30);
    expect(fcRuntime.trainingSetHash).toMatch(/^sha256:/);
    expect(fcRuntime.report.rmspe).toBeGreaterThanOrEqual(0);

    const full = await getModelVersion(collector.url, platform.id, fcRuntime.version);
    expect(() => parseModel(full['model'])).not.toThrow();
    const download = await fetch(
      `${collector.url}/v1/platforms/${platform.id}/models/${fcRuntime.version}?download`,
    );
    expect(download.headers.get('content-disposition')).toMatch(/attachment/);
    expect(parseModel(await download.json()).kind).toBe('fc');
  });

  it('creates a new version with a parent when data grows, and rolls back', async () => {
    const agent = await TestAgent.connect(collector.wsUrl, token);
    await agent.hello();
    agent.send({
      type: 'measurements',
      seq: 4,
      records: Array.from({ length: 10 }, (_, i) => fcRecord(100 + i)),
    });
    expect(await agent.next()).toMatchObject({ type: 'ack', seq: 4 });
    agent.close();
    const second = await requestFit(collector.url, platform.id, ['fc'], { token });
    const [runtime, power] = second.fits[0]!.versions as unknown as {
      version: number;
      parentVersion: number;
    }[];
    expect(runtime!.version).toBe(6);
    expect(power!.version).toBe(7);
    const before = await listModels(collector.url, platform.id);
    // A new fc runtime model changes the sum of layers: the network correction is refitted (8).
    expect(before.versions.find((v) => v.version === 8)).toMatchObject({ kind: 'network', parentVersion: 5 });
    const fcRuntime = before.versions.find((v) => v.version === 6)!;
    expect(fcRuntime.parentVersion).toBe(
      before.versions.find((v) => v.kind === 'fc' && v.target === 'runtime')!.version,
    );
    expect(fcRuntime.trainingRows).toBe(40);

    const move = await rollbackModel(
      collector.url,
      platform.id,
      { kind: 'fc', target: 'runtime' },
      { token },
    );
    expect(move).toMatchObject({ fromVersion: 6, toVersion: fcRuntime.parentVersion });
    const after = await listModels(collector.url, platform.id);
    expect(after.current.find((p) => p.kind === 'fc' && p.target === 'runtime')!.version).toBe(
      fcRuntime.parentVersion,
    );
    // Older versions stay queryable and the rolled-back one is still stored.
    expect(after.versions).toHaveLength(8);
    expect(after.versions.find((v) => v.version === 6)!.current).toBe(false);
    // Roll forward to an explicit version; a version of another kind is refused.
    await rollbackModel(collector.url, platform.id, { kind: 'fc', target: 'runtime', to: 6 }, { token });
    await expect(
      rollbackModel(collector.url, platform.id, { kind: 'fc', target: 'runtime', to: 7 }, { token }),
    ).rejects.toThrow(/power/);
  });

  it('predicts exactly what the core computes with the same models', async () => {
    const response = await predictViaCollector(collector.url, {
      platform: platform.id,
      network: 'vgg16',
      batch: 4,
    });
    const listing = await listModels(collector.url, platform.id);
    const stored = await Promise.all(
      listing.current.map(
        async (p) => (await getModelVersion(collector.url, platform.id, p.version))['model'],
      ),
    );
    const models = stored.filter((m) => !isNetworkCorrectionJson(m)).map(parseKindModel);
    const correction = parseNetworkCorrection(stored.find(isNetworkCorrectionJson));
    const set = createModelSet(models, correction);
    const expected = predictNetwork(zooNetwork('vgg16', { batch: 4 }), set);
    // Each kind's power model family (polynomial or saturating, chosen by CV) is named.
    expect(response.powerModels).toEqual(powerModelSummaries(set));
    expect(response.powerModels.length).toBeGreaterThan(0);
    expect(response.totals.correction).toMatchObject({ networks: 1, records: 1, form: 'identity' });
    expect(response.layers).toEqual(expected.layers);
    expect(response.totals).toEqual(expected.totals);
    expect(response.uncovered).toEqual(expected.uncovered);
    expect(response.models).toEqual(listing.current);

    // A snapshot version predicts with the models as they were then.
    const old = await predictViaCollector(collector.url, {
      platform: platform.id,
      network: { zoo: 'vgg16' },
      version: 4,
    });
    expect(old.models.map((m) => m.version).sort()).toEqual([1, 2, 3, 4]);

    await expect(
      predictViaCollector(collector.url, { platform: 'cpu-nope', network: 'vgg16' }),
    ).rejects.toThrow(/unknown platform/);
    await expect(
      predictViaCollector(collector.url, { platform: platform.id, network: 'no-such-net' }),
    ).rejects.toThrow(/unknown zoo network/);
    await expect(
      predictViaCollector(collector.url, { platform: platform.id, network: { paleo: { layers: 3 } } }),
    ).rejects.toThrow(/network/);
  });

  it('validates measured networks against every model version', async () => {
    const v = (await fetchValidation(collector.url, platform.id)) as {
      networks: {
        network: string;
        measured: { runtimeMs: number };
        predictions: { version: number; runtimeErrorPct: number }[];
      }[];
    };
    expect(v.networks).toHaveLength(1);
    expect(v.networks[0]!.network).toBe('AlexNet');
    expect(v.networks[0]!.predictions.map((p) => p.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(Number.isFinite(v.networks[0]!.predictions[0]!.runtimeErrorPct)).toBe(true);
  });

  it('exports CSV filtered by platform, kind and time, and lists measured keys', async () => {
    const csv = await new Response(
      await exportCsv(collector.url, { platform: platform.id, kind: 'fc' }),
    ).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^id,platform,agent,seq,type,kind/);
    expect(lines).toHaveLength(41);
    const dated = await new Response(
      await exportCsv(collector.url, {
        kind: 'fc',
        from: '2026-01-01T00:00:10Z',
        to: '2026-01-01T00:00:20Z',
      }),
    ).text();
    expect(dated.trim().split('\n')).toHaveLength(11);
    const network = await new Response(await exportCsv(collector.url, { kind: 'network' })).text();
    expect(network).toMatch(/AlexNet/);
    const keys = await fetchMeasuredKeys(collector.url, platform.id);
    expect(keys).toContain(`${platform.id}|network|AlexNet|2`);
    expect(await fetchMeasuredKeys(collector.url, 'cpu-unknown')).toEqual([]);
    expect((await listPlatforms(collector.url))[0]!.measurements).toBe(65);
  });

  it('serves OpenAPI, health and Prometheus metrics', async () => {
    const openapi = (await (await fetch(`${collector.url}/v1/openapi.json`)).json()) as {
      openapi: string;
      paths: object;
    };
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths)).toContain('/v1/predict');
    const health = (await (await fetch(`${collector.url}/healthz`)).json()) as {
      status: string;
      measurements: number;
    };
    expect(health).toMatchObject({ status: 'ok', measurements: 65 });
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toMatch(/neuralpower_measurements_ingested_total\{type="layer"\} 64/);
    expect(metrics).toMatch(/neuralpower_batch_commit_seconds_count/);
    expect(metrics).toMatch(/neuralpower_fit_duration_seconds_count\{kind="fc",outcome="ok"\} 3/);
    expect(metrics).toMatch(/neuralpower_agents_connected 0/);
    const missing = await fetch(`${collector.url}/v1/nothing`);
    expect(missing.status).toBe(404);
  });
});

describe('automatic fitting', () => {
  it('fits a kind once it gains --fit-every new measurements', async () => {
    const tmp = tempDir();
    const { collector, token } = await startTestCollector(`${tmp.dir}/np.db`, { fitEvery: 20, fit });
    try {
      const agent = await TestAgent.connect(collector.wsUrl, token);
      await agent.hello();
      agent.send({
        type: 'measurements',
        seq: 1,
        records: Array.from({ length: 19 }, (_, i) => fcRecord(i)),
      });
      await agent.next();
      expect(collector.context.fits.status()).toEqual({ running: null, queued: 0 });
      agent.send({ type: 'measurements', seq: 2, records: [fcRecord(19), fcRecord(20)] });
      await agent.next();
      agent.close();
      // The threshold queued a fit; a requested fit of the same kind waits for the same job.
      for (let i = 0; i < 200 && (await collector.context.models.list(platform.id)).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const versions = await collector.context.models.list(platform.id);
      expect(versions.map((v) => `${v.kind}/${v.target}`)).toEqual(['fc/runtime', 'fc/power']);
      expect(versions[0]!.trainingRows).toBe(21);
    } finally {
      await collector.close();
      tmp.cleanup();
    }
  });
});
