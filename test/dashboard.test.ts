/**
 * The dashboard in headless Chromium against a real collector holding real measurements:
 * - a GPU platform: the NeuralPower paper's own layer measurements (conv, dropout, pool rows of
 *   ../shared/reference/neuralpower-data, Titan X), streamed through the real WebSocket protocol;
 * - a CPU platform: layers and a small network measured here and now with the agent's TF.js engine
 *   (cpu backend, runtime only), so network-level validation has a real end-to-end measurement.
 * Models are fitted through the collector's HTTP API. The test reads the Chart.js instances in the
 * page and checks they hold the data the API serves (points, bars, totals).
 *
 * `NEURALPOWER_SCREENSHOT=docs/dashboard.png npx vitest run test/dashboard.test.ts` refreshes the
 * screenshot in docs/.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type RunningCollector, startCollector } from '@neuralpower/collector';
import { buildNetwork, type LayerSpec, type NetworkNode, type Shape } from '@neuralpower/core';
import {
  type MeasurementRecord,
  type PlatformInput,
  PROTOCOL_VERSION,
  platformFingerprint,
} from '@neuralpower/protocol';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { DEFAULT_BLOCK_TIMING } from '../agent/src/bench/blocks.js';
import { DEFAULT_MEASURE, measureWork } from '../agent/src/bench/measure.js';
import type { PreparedWork } from '../agent/src/engine/engine.js';
import { TfjsEngine } from '../agent/src/engine/tfjs/index.js';
import { NoPowerSampler } from '../agent/src/power/none/index.js';

const root = path.resolve(import.meta.dirname, '..');
const paperData = path.join(root, '..', 'shared', 'reference', 'neuralpower-data');
const paleoNets = path.join(root, '..', 'shared', 'reference', 'paleo-nets');

// ------------------------------------------------------------------ measurements

const now = () => new Date().toISOString();

const gpuInput: PlatformInput = {
  kind: 'gpu',
  // The paper's data: the training code's default device; driver and TensorFlow build are not recorded.
  gpuName: 'NVIDIA GeForce GTX TITAN X (NeuralPower paper data)',
  driverVersion: 'unknown',
  enforcedPowerLimitW: null,
  engine: { name: 'tensorflow', backend: 'cudnn', version: 'unknown' },
};

function rows(file: string): number[][] {
  return readFileSync(path.join(paperData, file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(',').map(Number));
}

/** A paper row as a protocol record: 50 timed runs (mean), power averaged over the 50-run loop. */
function paperRecord(
  platform: string,
  spec: LayerSpec,
  input: Shape,
  batch: number,
  ms: number,
  watts: number,
) {
  const record: MeasurementRecord = {
    type: 'layer',
    platform,
    spec,
    inputs: [input],
    batch,
    runtime: { meanMs: ms, medianMs: ms, stdMs: 0, n: 50 },
    power: { meanW: watts, samples: 50, windowMs: 50 * ms, source: 'nvidia-smi' },
    energyMj: watts * ms,
    startedAt: now(),
    endedAt: now(),
  };
  return record;
}

function paperRecords(platform: string): MeasurementRecord[] {
  const records: MeasurementRecord[] = [];
  // N, Hout, Wout, Cout, kh, kw, Cin, Cout, pad_h, pad_w, stride_h, stride_w, N, Hin, Win, Cin, ms, W
  for (const r of rows('res_conv.txt')) {
    const [n, , , cout, kh, kw, , , padH, padW, sh, sw, , hin, win, cin, ms, watts] = r as number[];
    const padding =
      padH === 0 && padW === 0
        ? ('VALID' as const)
        : { top: padH!, bottom: padH!, left: padW!, right: padW! };
    const spec: LayerSpec = {
      kind: 'conv',
      filters: cout!,
      kernelH: kh!,
      kernelW: kw!,
      strideH: sh!,
      strideW: sw!,
      padding,
      dilationH: 1,
      dilationW: 1,
      groups: 1,
      bias: true,
    };
    records.push(paperRecord(platform, spec, [hin!, win!, cin!], n!, ms!, watts!));
  }
  // keep-prob, N, H, W, C, ms, W
  for (const [keep, n, h, w, c, ms, watts] of rows('res_drop.txt') as number[][]) {
    records.push(paperRecord(platform, { kind: 'dropout', rate: 1 - keep! }, [h!, w!, c!], n!, ms!, watts!));
  }
  // N, Hout, Wout, C, kh, kw, sh, sw, Hin, Win, ms, W
  for (const [n, , , c, kh, kw, sh, sw, hin, win, ms, watts] of rows('res_pool.txt') as number[][]) {
    const spec: LayerSpec = {
      kind: 'pool',
      mode: 'max',
      kernelH: kh!,
      kernelW: kw!,
      strideH: sh!,
      strideW: sw!,
      padding: 'VALID',
    };
    records.push(paperRecord(platform, spec, [hin!, win!, c!], n!, ms!, watts!));
  }
  return records;
}

function conv(filters: number): LayerSpec {
  return {
    kind: 'conv',
    filters,
    kernelH: 3,
    kernelW: 3,
    strideH: 1,
    strideW: 1,
    padding: 'SAME',
    dilationH: 1,
    dilationW: 1,
    groups: 1,
    bias: true,
  };
}

/** Warm-up, then timed synchronised runs: a short version of the agent's timing loop. */
async function timeWork(work: PreparedWork, warmup = 3, runs = 15) {
  for (let i = 0; i < warmup; i++) {
    work.run();
    await work.synchronise();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    work.run();
    await work.synchronise();
    times.push(performance.now() - t0);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const meanMs = times.reduce((a, b) => a + b, 0) / runs;
  const stdMs = Math.sqrt(times.reduce((a, t) => a + (t - meanMs) ** 2, 0) / (runs - 1));
  // A timer resolution of 0 would make a zero runtime, which the protocol (rightly) refuses.
  const floor = (v: number) => Math.max(v, 1e-3);
  return { meanMs: floor(meanMs), medianMs: floor(sorted[runs >> 1]!), stdMs, n: runs };
}

const CPU_NETWORK: { input: Shape; nodes: NetworkNode[] } = {
  input: [16, 16, 4],
  nodes: [
    { name: 'conv1', spec: conv(8), parents: [] },
    { name: 'conv2', spec: conv(16), parents: ['conv1'] },
  ],
};

/** Real CPU measurements: conv layers of a small grid, and CPU_NETWORK end to end. */
async function measureOnCpu(engine: TfjsEngine, platform: string, configs: [number, number, number][]) {
  const layers: MeasurementRecord[] = [];
  for (const [size, cin, cout] of configs) {
    const config = { spec: conv(cout), inputs: [[size, size, cin] as Shape], batch: 1 };
    const work = await engine.prepare(config);
    const startedAt = now();
    const runtime = await timeWork(work);
    work.dispose();
    layers.push({
      type: 'layer',
      platform,
      ...config,
      runtime,
      power: 'unavailable',
      energyMj: null,
      startedAt,
      endedAt: now(),
    });
  }
  return layers;
}

/**
 * The same, timed by the agent's block protocol (short budget): records carry `precision`, which
 * the collector summarises per platform and the dashboard prints.
 */
async function measureBlocksOnCpu(engine: TfjsEngine, platform: string, configs: [number, number, number][]) {
  const layers: MeasurementRecord[] = [];
  for (const [size, cin, cout] of configs) {
    const config = { spec: conv(cout), inputs: [[size, size, cin] as Shape], batch: 1 };
    const work = await engine.prepare(config);
    const m = await measureWork(work, new NoPowerSampler(), {
      ...DEFAULT_MEASURE,
      blocks: {
        clock: engine.blockClock,
        timing: { ...DEFAULT_BLOCK_TIMING, minBudgetMs: 100, budgetMs: 2000 },
        syncOverheadMs: 0.005,
      },
    });
    work.dispose();
    const { runtime, precision, power, energyMj, startedAt, endedAt } = m;
    layers.push({
      type: 'layer',
      platform,
      ...config,
      runtime,
      ...(precision ? { precision } : {}),
      power,
      energyMj,
      startedAt,
      endedAt,
    });
  }
  return layers;
}

async function measureNetworkOnCpu(engine: TfjsEngine, platform: string): Promise<MeasurementRecord> {
  const network = buildNetwork({ name: 'tiny-2conv', batch: 1, ...CPU_NETWORK });
  const work = await engine.prepareNetwork(network);
  const startedAt = now();
  const runtime = await timeWork(work);
  work.dispose();
  return {
    type: 'network',
    platform,
    network: {
      name: 'tiny-2conv',
      graph: {
        input: [...CPU_NETWORK.input] as [number, number, number],
        nodes: CPU_NETWORK.nodes.map((n) => ({ ...n, parents: [...n.parents] })),
      },
    },
    batch: 1,
    runtime,
    power: 'unavailable',
    energyMj: null,
    startedAt,
    endedAt: now(),
  };
}

// ------------------------------------------------------------------ agent connection

/** An agent speaking the real protocol: hello, then batches, each resolved on its ack. */
async function connectAgent(wsUrl: string, token: string, platforms: PlatformInput[]) {
  const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
  const inbox: { type: string; seq?: number; message?: string }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data) => {
    inbox.push(JSON.parse(String(data)));
    for (const wake of waiters.splice(0)) wake();
  });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  const next = async (type: string, seq?: number) => {
    for (let tries = 0; tries < 1000; tries++) {
      const error = inbox.find((m) => m.type === 'error');
      if (error) throw new Error(`collector refused: ${JSON.stringify(error)}`);
      const found = inbox.find((m) => m.type === type && (seq === undefined || m.seq === seq));
      if (found) return found;
      await new Promise<void>((ok) => waiters.push(ok));
    }
    throw new Error(`no ${type} from the collector`);
  };
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      agentId: 'dashboard-test-agent',
      host: hostname(),
      agentVersion: '0.1.0',
      platforms: platforms.map((input) => ({ ...platformFingerprint(input), input })),
    }),
  );
  await next('welcome');
  let seq = 0;
  return {
    send: async (records: MeasurementRecord[]) => {
      seq += 1;
      ws.send(JSON.stringify({ type: 'measurements', seq, records }));
      await next('ack', seq);
    },
    close: () => ws.close(),
  };
}

// ------------------------------------------------------------------ the page

interface ChartData {
  type: string;
  labels: string[];
  datasets: { label: string; data: (number | null | { x: number; y: number })[] }[];
}

/** The Chart.js instance drawn on `canvas[data-chart=name]`, as plain data. */
async function chartData(page: Page, name: string): Promise<ChartData> {
  return page.evaluate((chartName) => {
    const canvas = document.querySelector(`canvas[data-chart="${chartName}"]`);
    const chart =
      canvas && (window as unknown as { Chart: { getChart(c: Element): unknown } }).Chart.getChart(canvas);
    if (!chart) throw new Error(`no chart ${chartName}`);
    const c = chart as { config: { type: string }; data: ChartData };
    return JSON.parse(
      JSON.stringify({ type: c.config.type, labels: c.data.labels ?? [], datasets: c.data.datasets }),
    );
  }, name);
}

async function tableRows(page: Page, id: string): Promise<string[][]> {
  return page.$$eval(`#${id} tbody tr`, (trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent ?? '')),
  );
}

const sum = (values: (number | null)[]) => values.reduce<number>((a, v) => a + (v ?? 0), 0);

// ------------------------------------------------------------------ the test

let scratch: string;
let collector: RunningCollector;
let browser: Browser;
let page: Page;
let gpuId: string;
let cpuId: string;
let token: string;
let paperCount: number;
let campaignId: string;

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(`${collector.url}${url}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

beforeAll(async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'neuralpower-dashboard-'));
  collector = await startCollector({
    db: path.join(scratch, 'collector.db'),
    host: '127.0.0.1',
    port: 0,
    fitEvery: 0,
    processMetrics: false,
    publicRead: true,
  });
  token = (await collector.context.tokens.create('dashboard-test', ['agent', 'admin'])).token;

  const engine = await TfjsEngine.create('cpu');
  const cpuInput: PlatformInput = {
    kind: 'cpu',
    cpuModel: cpus()[0]?.model ?? 'unknown CPU',
    engine: engine.identity,
  };
  gpuId = platformFingerprint(gpuInput).id;
  cpuId = platformFingerprint(cpuInput).id;

  const agent = await connectAgent(collector.wsUrl, token, [gpuInput, cpuInput]);
  const paper = paperRecords(gpuId);
  paperCount = paper.length;
  await agent.send(paper);
  const grid: [number, number, number][] = [];
  for (const size of [8, 16])
    for (const cin of [4, 8]) for (const cout of [8, 16]) grid.push([size, cin, cout]);
  await agent.send(await measureOnCpu(engine, cpuId, grid));
  await agent.send([await measureNetworkOnCpu(engine, cpuId)]);
  await api('POST', `/v1/platforms/${gpuId}/fit`, {});
  await api('POST', `/v1/platforms/${cpuId}/fit`, {});
  // More CPU layers, a second fit: the validation view then compares two model versions.
  await agent.send(
    await measureOnCpu(engine, cpuId, [
      [12, 4, 8],
      [12, 8, 16],
      [16, 16, 16],
      [8, 16, 8],
    ]),
  );
  await api('POST', `/v1/platforms/${cpuId}/fit`, {});
  // Block-timed CPU layers (after the fits: whether they reached their target must not change them).
  await agent.send(
    await measureBlocksOnCpu(engine, cpuId, [
      [8, 4, 8],
      [16, 8, 16],
      [12, 4, 16],
      [16, 4, 8],
    ]),
  );
  agent.close();
  await engine.dispose();
  // A campaign on the GPU platform with part of its plan leased: the panel shows its progress.
  campaignId = (
    await api<{ id: string }>('POST', '/v1/campaigns', {
      platform: gpuId,
      kinds: ['conv', 'fc'],
      ranges: 'tiny',
      strategy: 'random',
      targetRmspe: 0.2,
      budget: 30,
    })
  ).id;
  await api('POST', `/v1/campaigns/${campaignId}/leases`, {
    agentId: 'dashboard-test-agent',
    platform: gpuId,
    max: 4,
    requestId: 'dashboard-lease-1',
  });

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`${res.status()} ${res.url()}`);
  });
  await page.goto(`${collector.url}/?platform=${gpuId}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  expect(errors).toEqual([]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await collector?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('dashboard', () => {
  it('is served at / with Chart.js from node_modules, and serves nothing outside its folder', async () => {
    const index = await fetch(`${collector.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    const chart = await fetch(`${collector.url}/dashboard/vendor/chart.umd.js`);
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await chart.text()).toMatch(/Chart\.js v4/);
    for (const probe of [
      '..%2F..%2Fpackage.json',
      '%2e%2e%2findex.ts',
      'fit-points.ts',
      'vendor/..%2F..%2F..%2Fpackage.json',
    ]) {
      const res = await fetch(`${collector.url}/dashboard/${probe}`);
      expect(res.status, probe).toBe(404);
      await res.body?.cancel();
    }
  });

  it('lists both platforms with hardware, engine and measurement counts', async () => {
    const platforms = await tableRows(page, 'platforms-table');
    expect(platforms).toHaveLength(2);
    const gpu = platforms.find((r) => r[0] === gpuId)!;
    expect(gpu[1]).toContain('TITAN X');
    expect(gpu[2]).toBe('tensorflow unknown / cudnn');
    expect(Number(gpu[3])).toBe(paperCount);
    const cpu = platforms.find((r) => r[0] === cpuId)!;
    expect(cpu[2]).toMatch(/^tfjs \S+ \/ cpu$/);
  });

  it('shows the agent and a bar per measured kind', async () => {
    const agents = await tableRows(page, 'agents-table');
    expect(agents.map((r) => r[0])).toEqual(['dashboard-test-agent']);
    expect(agents[0]![1]).toBe(hostname());
    const counts = await chartData(page, 'counts');
    expect(counts.type).toBe('bar');
    expect(counts.labels).toEqual(['conv', 'dropout', 'pool']);
    expect(counts.datasets[0]!.data).toEqual([39, 38, 3]);
  });

  it('lists model versions with cross-validated metrics and plots predicted vs measured per kind and target', async () => {
    const { versions } = await api<{
      versions: {
        version: number;
        kind: string;
        target: string;
        report: { rmspe: number; powerFamily?: { chosen: string } };
      }[];
    }>('GET', `/v1/platforms/${gpuId}/models`);
    // conv and dropout have enough rows for runtime and power; pool (3 rows) does not.
    expect(versions.map((v) => `${v.kind}/${v.target}`).sort()).toEqual([
      'conv/power',
      'conv/runtime',
      'dropout/power',
      'dropout/runtime',
    ]);
    const table = await tableRows(page, 'versions-table');
    expect(table).toHaveLength(4);
    const convRuntime = versions.find((v) => v.kind === 'conv' && v.target === 'runtime')!;
    const row = table.find((r) => r[0] === `v${convRuntime.version}`)!;
    expect(row[5]).toBe(`${(convRuntime.report.rmspe * 100).toFixed(1)} %`);
    expect(row[9]).toBe('current');
    // A power version names the family its fit chose (the paper's polynomial or saturating).
    const convPower = versions.find((v) => v.kind === 'conv' && v.target === 'power')!;
    const family = convPower.report.powerFamily!.chosen;
    expect(table.find((r) => r[0] === `v${convPower.version}`)![2]).toBe(`power · ${family}`);

    const fit = await api<{
      series: { kind: string; target: string; points: { measured: number; predicted: number }[] }[];
    }>('GET', `/dashboard/api/platforms/${gpuId}/fit-points`);
    expect(fit.series.map((f) => `${f.kind}/${f.target}`)).toEqual([
      'conv/power',
      'conv/runtime',
      'dropout/power',
      'dropout/runtime',
    ]);
    for (const series of fit.series) {
      // Every measurement of the kind gets a point; a log axis can only show positive ones.
      expect(series.points).toHaveLength(series.kind === 'conv' ? 39 : 38);
      const positive = series.points.filter((p) => p.measured > 0 && p.predicted > 0);
      const scatter = await chartData(page, `scatter-${series.kind}-${series.target}`);
      expect(scatter.type).toBe('scatter');
      const points = scatter.datasets[0]!.data as { x: number; y: number }[];
      expect(points).toHaveLength(positive.length);
      expect(points.length).toBeGreaterThan(series.points.length / 2);
      expect(points.map((p) => p.y).sort()).toEqual(positive.map((p) => p.predicted).sort());
    }
    // The measured axis holds the paper's own numbers.
    const convRt = fit.series.find((f) => f.kind === 'conv' && f.target === 'runtime')!.points;
    const paperMs = rows('res_conv.txt').map((r) => r[16]!);
    expect(convRt.map((p) => p.measured).sort((a, b) => a - b)).toEqual([...paperMs].sort((a, b) => a - b));
  });

  it('predicts an uploaded Paleo network: per-layer bars, totals and EPR match the API', async () => {
    const file = path.join(paleoNets, 'cifar10_6conv.json');
    await page.setInputFiles('#network-file', file);
    await page.fill('#batch-input', '10');
    await page.click('#predict-button');
    await page.waitForSelector('body[data-predicted="true"]');
    expect(await page.textContent('#network-error')).toBe('');

    const expected = await api<{
      network: string;
      layers: {
        name: string;
        runtimeMs: number | null;
        energyMj: number | null;
        runtimeRangeMs: { low: number; high: number } | null;
        powerRangeW: { low: number; high: number } | null;
      }[];
      totals: {
        runtimeMs: number;
        runtimeRangeMs: { low: number; high: number } | null;
        powerW: number | null;
        energyMj: number | null;
        layers: number;
        coveredLayers: number;
      };
    }>('POST', '/v1/predict', {
      platform: gpuId,
      network: { paleo: JSON.parse(readFileSync(file, 'utf8')) },
      batch: 10,
    });
    const runtime = await chartData(page, 'runtime');
    expect(runtime.labels).toEqual(expected.layers.map((l) => l.name));
    const perLayer = runtime.labels.map((_, i) =>
      sum(runtime.datasets.map((d) => d.data[i] as number | null)),
    );
    expect(sum(perLayer)).toBeCloseTo(expected.totals.runtimeMs, 6);
    const energy = await chartData(page, 'energy');
    expect(sum(energy.datasets.flatMap((d) => d.data as (number | null)[]))).toBeCloseTo(
      expected.totals.energyMj!,
      6,
    );
    expect((await chartData(page, 'power')).labels).toHaveLength(expected.totals.layers);
    const share = await chartData(page, 'share');
    expect(sum(share.datasets.map((d) => d.data[0] as number))).toBeCloseTo(100, 6);

    const totals = await page.textContent('#totals');
    expect(totals).toContain(`${expected.network} · batch 10`);
    expect(totals).toContain(`runtime ${Number(expected.totals.runtimeMs.toPrecision(3))} ms`);
    // Freshly fitted models carry a 90 % interval; the totals line shows the network's.
    const range = expected.totals.runtimeRangeMs!;
    expect(totals).toContain(
      `(90 % interval ${Number(range.low.toPrecision(3))}–${Number(range.high.toPrecision(3))} ms)`,
    );
    expect(totals).toContain(`energy ${Number(expected.totals.energyMj!.toPrecision(3))} mJ`);
    expect(totals).toContain(`${expected.totals.coveredLayers}/${expected.totals.layers} layers covered`);
    expect(await page.textContent('#power-families')).toMatch(/^Power models: conv (polynomial|saturating)/);
    // Every layer in the table with its runtime and power intervals, as the API gives them.
    const layerRows = await tableRows(page, 'layer-table');
    expect(layerRows.map((r) => r[0])).toEqual(expected.layers.map((l) => l.name));
    // The page's sig(): 3 significant digits, exponent notation outside 0.001–1e6.
    const sig3 = (v: number) =>
      v !== 0 && (Math.abs(v) < 0.001 || Math.abs(v) >= 1e6)
        ? v.toExponential(2)
        : String(Number(v.toPrecision(3)));
    expected.layers.forEach((l, i) => {
      const r = l.runtimeRangeMs;
      expect(layerRows[i]![3]).toBe(r ? `${sig3(r.low)}–${sig3(r.high)}` : '-');
      const w = l.powerRangeW;
      expect(layerRows[i]![5]).toBe(w ? `${sig3(w.low)}–${sig3(w.high)}` : '-');
    });
    expect(layerRows.some((r) => r[3] !== '-' && r[5] !== '-')).toBe(true);
    // The paper's GPU data has no network measured end to end: no correction, and the page says so.
    expect(await page.textContent('#correction')).toMatch(/^No network correction: /);
    if (expected.totals.coveredLayers < expected.totals.layers) {
      expect(await page.textContent('#uncovered')).toMatch(/^Not counted in the totals: /);
    }

    await page.fill('#epr-error', '0.2');
    await page.fill('#epr-alpha', '2');
    const epr = 0.2 ** 2 * expected.totals.energyMj!;
    expect(await page.textContent('#epr-output')).toContain(`EPR = ${Number(epr.toPrecision(3))} mJ`);

    const shot = process.env['NEURALPOWER_SCREENSHOT'];
    if (shot) await page.screenshot({ path: path.resolve(root, shot), fullPage: true });
  });

  it('predicts a zoo network and names a bad upload', async () => {
    await page.setInputFiles('#network-file', []);
    await page.selectOption('#zoo-select', 'alexnet');
    await page.fill('#batch-input', '1');
    await page.click('#predict-button');
    await page.waitForSelector('body[data-predicted="true"]');
    const runtime = await chartData(page, 'runtime');
    expect(runtime.labels.length).toBeGreaterThan(5);
    expect(await page.textContent('#totals')).toMatch(/^AlexNet · batch 1/i);

    await page.setInputFiles('#network-file', {
      name: 'notes.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"hello": 1}'),
    });
    await page.click('#predict-button');
    await page.waitForSelector('body[data-predicted="true"]');
    expect(await page.textContent('#network-error')).toMatch(/notes\.json is neither Paleo JSON/);
  });

  it('prints each platform’s measurement precision from the records’ intervals', async () => {
    const summary = async () => (await page.textContent('#precision-summary')) ?? '';
    // The GPU platform (the paper's figures) has no block-timed record.
    expect((await api<{ precision: unknown }>('GET', `/v1/platforms/${gpuId}`)).precision).toBeNull();
    expect(await summary()).toBe('Measurement precision: no record carries an interval (timed run by run).');

    await page.selectOption('#platform-select', cpuId);
    await page.waitForFunction(() =>
      document.getElementById('precision-summary')?.textContent?.includes('clock'),
    );
    const { precision } = await api<{
      precision: {
        records: number;
        targetReached: number;
        blocks: number;
        outlierBlocks: number;
        clock: string;
      };
    }>('GET', `/v1/platforms/${cpuId}`);
    // Four block-timed layers; the twelve others were timed run by run and carry no interval.
    expect(precision.records).toBe(4);
    expect(precision.clock).toBe('process-cpu');
    expect(precision.blocks).toBeGreaterThanOrEqual(4 * 3);
    const text = await summary();
    expect(text).toContain('Measurement precision (process-cpu clock)');
    expect(text).toContain(`target reached on ${precision.targetReached}/4`);
    expect(text).toContain(`${precision.outlierBlocks} outlier block(s) of ${precision.blocks}`);
    expect(text).toContain('sync overhead 5 µs');
    expect(text).toMatch(/median interval ±[\d.]+ %, p90 ±[\d.]+ %/);

    await page.selectOption('#platform-select', gpuId);
    await page.waitForSelector('body[data-ready="true"]');
  });

  it('validates a measured network against every model version of its platform', async () => {
    await page.selectOption('#platform-select', cpuId);
    await page.waitForSelector('body[data-ready="true"]');
    const { networks } = await api<{
      networks: {
        network: string;
        measured: { runtimeMs: number };
        predictions: { version: number; runtimeMs: number }[];
      }[];
    }>('GET', `/v1/platforms/${cpuId}/validation`);
    expect(networks).toHaveLength(1);
    const versions = networks[0]!.predictions.map((p) => p.version);
    // Two fits, each followed by the network correction's refit (kind `network`): four versions.
    expect(versions.length).toBe(4);

    const table = await tableRows(page, 'validation-table');
    expect(table.map((r) => r[2])).toEqual(versions.map((v) => `v${v}`));
    expect(table[0]![0]).toBe('tiny-2conv');

    const chart = await chartData(page, 'validation-runtime');
    expect(chart.labels).toEqual(['tiny-2conv ×1']);
    expect(chart.datasets.map((d) => d.label)).toEqual([
      'measured',
      ...versions.map((v) => `predicted v${v}`),
    ]);
    expect(chart.datasets[0]!.data[0]).toBeCloseTo(networks[0]!.measured.runtimeMs, 9);
    networks[0]!.predictions.forEach((p, i) => {
      expect(chart.datasets[i + 1]!.data[0]).toBeCloseTo(p.runtimeMs, 9);
    });
  });

  it("lists the platform's campaign with its progress, budget and target, and the fleet's", async () => {
    const c = await api<{
      progress: { measured: number; leased: number; left: number };
    }>('GET', `/v1/campaigns/${campaignId}`);
    expect(c.progress).toMatchObject({ measured: 0, leased: 4 });
    // A tab of its own on the GPU platform (earlier tests select the CPU one).
    const tab = await browser.newPage();
    await tab.goto(`${collector.url}/?platform=${gpuId}`);
    await tab.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const rows = await tableRows(tab, 'campaigns-table');
    // The fleet panel lists every platform's campaigns (whichever platform is selected), with totals.
    const fleet = await tableRows(tab, 'fleet-campaigns-table');
    const summary = await tab.textContent('#fleet-summary');
    await tab.close();
    expect(fleet).toHaveLength(1);
    expect(fleet[0]![0]).toBe(campaignId);
    expect(fleet[0]![1]).toContain(gpuId);
    expect(fleet[0]!.slice(2)).toEqual(rows[0]!.slice(1));
    expect(summary).toBe(
      `1 of 1 campaigns running on 1 platform: 0 measured, 4 leased, ${c.progress.left} left`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual([
      campaignId,
      'running',
      'random',
      '0',
      '4',
      String(c.progress.left),
      '30',
      '20.0 %',
      'conv —, fc —',
    ]);
    expect(c.progress.left).toBeGreaterThan(0);
  });

  it("asks for a read token when the collector's reads are closed, and loads with it", async () => {
    const closed = await startCollector({
      db: path.join(scratch, 'closed.db'),
      port: 0,
      fitEvery: 0,
      processMetrics: false,
    });
    const reader = (await closed.context.tokens.create('dashboard-reader', ['read'])).token;
    const tab = await browser.newPage();
    try {
      await tab.goto(`${closed.url}/`);
      await tab.waitForSelector('body[data-ready="token"]', { timeout: 20_000 });
      expect(await tab.isVisible('#token-form')).toBe(true);
      await tab.fill('#token-input', reader);
      await tab.click('#token-form button');
      await tab.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
      expect(await tab.textContent('#status')).toBe('0 platforms');
      // Kept for this tab only, and sent as a bearer token.
      expect(await tab.evaluate(() => sessionStorage.getItem('neuralpower.token'))).toBe(reader);
    } finally {
      await tab.close();
      await closed.close();
    }
  });
});
