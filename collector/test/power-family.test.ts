import type { PowerFamilyChoice, PowerFamilyMode } from '@neuralpower/core';
import {
  conv as convSpec,
  describeLayer,
  type LayerSpec,
  parseKindModel,
  trainingSetHash,
} from '@neuralpower/core';
import { type Hello, type LayerRecord, PROTOCOL_VERSION, platformFingerprint } from '@neuralpower/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saturatingModelText } from '../src/cli/power-model-format.js';
import { type FitJobInput, runFitJob } from '../src/fit/fit-job.js';
import { openStore } from '../src/index.js';
import { fcRecord, tempDir } from './helpers.js';

const IDLE_W = 60;
const LIMIT_W = 300;
const gpuInput = {
  kind: 'gpu' as const,
  gpuName: 'Test GPU 300W',
  driverVersion: '1.0',
  enforcedPowerLimitW: LIMIT_W,
  engine: { name: 'torch', backend: 'cuda', version: '2.5.0' },
};
const gpu = platformFingerprint(gpuInput);

function hello(): Hello {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    agentId: 'agent-gpu',
    host: 'test-host',
    platforms: [{ id: gpu.id, description: gpu.description, input: gpuInput }],
  };
}

/** Deterministic ±2 % noise. */
const wobble = (i: number) => 1 + 0.02 * Math.sin(i * 12.9898);

/** conv records whose power saturates in the work rate, measured with the agent's idle power. */
function saturatingConv(i: number): LayerRecord {
  const filters = 8 + (i % 7) * 24;
  const hw = 8 + (i % 5) * 12;
  const batch = 1 + (i % 4) * 5;
  const spec: LayerSpec = convSpec(filters, 3);
  const layer = describeLayer({ spec, inputs: [[hw, hw, 16]], batch });
  const macs = layer.macsPerExample * batch;
  const meanMs = (0.03 + macs / 2e8 + layer.bytesMoved / 4e8) * (1 + 0.3 * Math.sin(i * 1.7) ** 2);
  const u = 0.1 + macs / meanMs / 6e7 + layer.bytesMoved / meanMs / 3e8;
  const meanW = (IDLE_W + (LIMIT_W - IDLE_W) * (1 - Math.exp(-u))) * wobble(i);
  return {
    ...fcRecord(i),
    platform: gpu.id,
    spec,
    inputs: [[hw, hw, 16]],
    batch,
    runtime: { meanMs, medianMs: meanMs, stdMs: meanMs * 0.01, n: 50 },
    power: { meanW, samples: 25, windowMs: 500, source: 'nvml', idleW: IDLE_W },
    energyMj: meanW * meanMs,
  };
}

/** fc records whose power is a polynomial of the log2 sizes (the paper's family fits it exactly). */
function polynomialFc(i: number): LayerRecord {
  const r = fcRecord(i);
  return { ...r, platform: gpu.id, power: r.power === 'unavailable' ? r.power : { ...r.power, idleW: 30 } };
}

describe('the fit job chooses the power model family by cross-validation', () => {
  let tmp: ReturnType<typeof tempDir>;
  let locator: string;
  const conv = Array.from({ length: 60 }, (_, i) => saturatingConv(i));
  const fc = Array.from({ length: 60 }, (_, i) => polynomialFc(i));
  // The runtime sets' hashes as if already fitted: the job skips them and fits power only (cheap).
  const runtimeHash = (records: readonly LayerRecord[]) =>
    trainingSetHash(
      records.map((r) => ({
        config: { spec: r.spec, inputs: r.inputs, batch: r.batch },
        value: r.runtime.meanMs,
      })),
    );

  beforeAll(async () => {
    tmp = tempDir();
    const store = await openStore(`${tmp.dir}/np.db`);
    locator = store.locator;
    await store.ingest.registerAgent(hello(), null);
    await store.ingest.writeBatches([{ agentId: 'agent-gpu', seq: 1, records: [...conv, ...fc] }]);
    await store.close();
  });
  afterAll(() => tmp.cleanup());

  async function fitPower(kind: string, mode: PowerFamilyMode) {
    const input: FitJobInput = {
      storeLocator: locator,
      platformId: gpu.id,
      kind,
      options: { lasso: { nLambdas: 20, folds: 5 }, powerFamily: mode },
      currentHashes: { runtime: runtimeHash(kind === 'conv' ? conv : fc) },
    };
    const { targets } = await runFitJob(input);
    expect(targets.find((t) => t.target === 'runtime')?.status).toBe('skipped');
    const power = targets.find((t) => t.target === 'power')!;
    if (power.status !== 'fitted') throw new Error(`power not fitted: ${power.reason}`);
    return {
      model: parseKindModel(JSON.parse(power.modelJson)),
      choice: (power.report as { powerFamily: PowerFamilyChoice }).powerFamily,
      // What `models show` prints for the version.
      shown: saturatingModelText({
        version: 7,
        model: JSON.parse(power.modelJson),
        report: power.report,
        trainingRows: power.trainingRows,
        trainingSetHash: power.trainingSetHash,
      }),
    };
  }

  it('saturating data: the saturating model wins, bounded by the measured idle and the platform limit', async () => {
    const { model, choice, shown } = await fitPower('conv', 'auto');
    expect(model.family).toBe('saturating');
    expect(choice).toMatchObject({
      mode: 'auto',
      chosen: 'saturating',
      idleW: IDLE_W,
      idleFrom: 'platform',
      limitW: LIMIT_W,
      limitFrom: 'platform',
    });
    expect(choice.cvRmspe.saturating!).toBeLessThan(0.04);
    // Judged at the runtime model's out-of-fold runtimes, as it will predict: still the better one.
    expect(choice.cvRmspe.saturatingAtPredictedRuntime!).toBeLessThan(choice.cvRmspe.polynomial!);
    expect(shown).toMatch(/^version 7: conv power \(W\), saturating/);
    expect(shown).toMatch(
      /\npower family: saturating \(auto; cross-validated RMSPE polynomial [\d.]+ %, saturating [\d.]+ % at measured runtimes, [\d.]+ % at predicted ones\)/,
    );
    expect(shown).toMatch(/\nidle 60(\.0+)? W from the platform, limit 300(\.0+)? W from the platform/);
  });

  it('polynomial data: the paper’s polynomial wins; it can also be forced', async () => {
    const fitted = await fitPower('fc', 'auto');
    expect(fitted.model.family).toBe('polynomial');
    expect(fitted.choice.chosen).toBe('polynomial');
    expect(fitted.choice.cvRmspe.polynomial!).toBeLessThan(fitted.choice.cvRmspe.saturating!);
    expect(fitted.choice.idleFrom).toBe('platform');

    const forced = await fitPower('conv', 'polynomial');
    expect(forced.model.family).toBe('polynomial');
    expect(forced.choice).toMatchObject({ mode: 'polynomial', chosen: 'polynomial' });
    expect(forced.choice.cvRmspe.saturating).toBeNull();
  });
});
