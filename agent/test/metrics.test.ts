import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseClientMessage } from '@neuralpower/protocol';
import { describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { nowMs, sleep } from '../src/clock.js';
import { silentLogger } from '../src/log.js';
import { AgentMetrics } from '../src/metrics/metrics.js';
import type { MetricsAddress } from '../src/metrics/server.js';
import { type RunAgentOptions, type RunAgentResult, runAgent } from '../src/run.js';
import { runCli } from './helpers/cli.js';

const TOKEN = 'metrics-secret';

/**
 * A collector that welcomes the agent but holds every ack until released: while it holds them the
 * run cannot return (it waits for the outbox to drain), so the test can scrape a settled state.
 */
async function holdingCollector() {
  const wss = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    verifyClient: (info, cb) => cb(info.req.headers.authorization === `Bearer ${TOKEN}`, 401),
  });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  let released = false;
  const held: { ws: WebSocket; seq: number; n: number }[] = [];
  const ack = (h: { ws: WebSocket; seq: number; n: number }) => {
    if (h.ws.readyState === WebSocket.OPEN) {
      h.ws.send(JSON.stringify({ type: 'ack', seq: h.seq, stored: h.n, duplicate: false }));
    }
  };
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const parsed = parseClientMessage(data.toString());
      if (!parsed.ok) return;
      const m = parsed.message;
      if (m.type === 'hello') {
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocolVersion: 1,
            agentId: m.agentId,
            lastSeq: null,
            serverTime: new Date().toISOString(),
          }),
        );
      } else if (m.type === 'measurements') {
        const h = { ws, seq: m.seq, n: m.records.length };
        if (released) ack(h);
        else held.push(h);
      }
    });
  });
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    release() {
      released = true;
      for (const h of held.splice(0)) ack(h);
    },
    close: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

type Samples = Map<string, number>;

/** Prometheus text format → `name{labels}` → value (comments and HELP/TYPE lines dropped). */
function parseMetrics(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

async function scrape(address: MetricsAddress, pathname = '/metrics'): Promise<Response> {
  return fetch(`http://127.0.0.1:${address.port}${pathname}`);
}

interface Observed {
  result: RunAgentResult;
  /** Scraped over HTTP after every configuration was measured, before any ack. */
  during: Samples;
  contentType: string | null;
  otherPathStatus: number;
  /** The registry after runAgent returned (its last reading). */
  after: Samples;
  address: MetricsAddress;
}

/** Runs a 2-configuration sweep streamed to a holding collector and scrapes it at the settled point. */
async function observeRun(extra: Partial<RunAgentOptions>, expectedRecords: number): Promise<Observed> {
  const collector = await holdingCollector();
  const metrics = new AgentMetrics();
  let address: MetricsAddress | undefined;
  let records = 0;
  let allMeasured: () => void = () => {};
  const measuredAll = new Promise<void>((r) => {
    allMeasured = r;
  });
  try {
    const run = runAgent({
      stateDir: mkdtempSync(path.join(os.tmpdir(), 'np-metrics-state-')),
      backend: 'cpu',
      collectorUrl: collector.url,
      token: TOKEN,
      skipKnown: false,
      logger: silentLogger(),
      progress: false,
      backoff: { initialMs: 20, maxMs: 100 },
      timing: { warmupRuns: 1, minRuns: 3 },
      sweep: { kinds: ['conv', 'fc'], count: 1, preset: 'tiny' },
      metrics,
      metricsPort: 0,
      onMetricsListening: (a) => {
        address = a;
      },
      onRecord: () => {
        records++;
        if (records === expectedRecords) allMeasured();
      },
      ...extra,
    });
    await Promise.race([measuredAll, run]);
    expect(records).toBe(expectedRecords);
    expect(address?.host).toBe('127.0.0.1');
    const bound = address!;
    // The agent counts the record right after onRecord; wait (bounded) for that and the welcome.
    let during: Samples = new Map();
    let contentType: string | null = null;
    for (let i = 0; i < 200; i++) {
      const res = await scrape(bound);
      contentType = res.headers.get('content-type');
      during = parseMetrics(await res.text());
      if (
        during.get('neuralpower_agent_configurations_total{outcome="measured"}') === expectedRecords &&
        during.get('neuralpower_agent_collector_connected') === 1
      ) {
        break;
      }
      await sleep(25);
    }
    const otherPathStatus = (await scrape(bound, '/')).status;
    collector.release();
    const result = await run;
    const after = parseMetrics(await metrics.registry.metrics());
    return { result, during, contentType, otherPathStatus, after, address: bound };
  } finally {
    collector.release();
    await collector.close();
  }
}

function emptyPowercap(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'np-metrics-nopowercap-'));
}

describe('agent metrics endpoint', () => {
  it('counts configurations, outbox depth and acks, and leaves power absent with power none', async () => {
    const root = emptyPowercap();
    const o = await observeRun(
      { power: 'none', powercapRoot: root, nvidiaSmiCommand: path.join(root, 'no-nvidia-smi'), idleMs: 0 },
      2,
    );
    expect(o.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(o.otherPathStatus).toBe(404);
    const d = o.during;
    expect(d.get('neuralpower_agent_configurations_total{outcome="measured"}')).toBe(2);
    expect(d.get('neuralpower_agent_configurations_total{outcome="skipped"}')).toBe(0);
    expect(d.get('neuralpower_agent_configurations_total{outcome="failed"}')).toBe(0);
    // Both records wait in the outbox: the collector holds its acks.
    expect(d.get('neuralpower_agent_outbox_records')).toBe(2);
    expect(d.get('neuralpower_agent_records_acked_total')).toBe(0);
    expect(d.get('neuralpower_agent_collector_connected')).toBe(1);
    expect(d.get('neuralpower_agent_power_sampler_up{source="none"}')).toBe(0);
    // No power: the series is absent, never a made-up 0.
    expect([...d.keys()].some((k) => k.startsWith('neuralpower_agent_power_watts'))).toBe(false);
    expect([...d.keys()].some((k) => k.startsWith('neuralpower_agent_power_sample_interval'))).toBe(false);
    // Default process metrics come along.
    expect(d.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(d.get('process_resident_memory_bytes')).toBeGreaterThan(0);

    expect(o.result.measured).toBe(2);
    expect(o.result.pending).toBe(0);
    const a = o.after;
    expect(a.get('neuralpower_agent_outbox_records')).toBe(0);
    expect(a.get('neuralpower_agent_records_acked_total')).toBe(2);
    expect(a.get('neuralpower_agent_collector_connected')).toBe(0);
    // The endpoint closed with the run.
    await expect(scrape(o.address)).rejects.toThrow();
  });

  it('reports the last RAPL reading, the achieved interval and sampler health', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'np-metrics-rapl-'));
    const zone = path.join(root, 'intel-rapl:0');
    mkdirSync(zone);
    writeFileSync(path.join(zone, 'name'), 'package-0\n');
    writeFileSync(path.join(zone, 'max_energy_range_uj'), '1000000000\n');
    // A package drawing 10 W: energy = 10 000 µJ per ms, rewritten every few ms.
    const start = nowMs();
    const write = () =>
      writeFileSync(path.join(zone, 'energy_uj'), `${Math.round((nowMs() - start) * 10_000) % 1e9}\n`);
    write();
    const timer = setInterval(write, 2);
    try {
      const o = await observeRun(
        {
          powercapRoot: root,
          nvidiaSmiCommand: path.join(root, 'no-nvidia-smi'),
          intervalMs: 20,
          idleMs: 100,
          measure: { powerWindowMs: 200, minSamples: 3 },
        },
        2,
      );
      expect(o.result.powerSource).toBe('rapl');
      const d = o.during;
      expect(d.get('neuralpower_agent_configurations_total{outcome="measured"}')).toBe(2);
      expect(d.get('neuralpower_agent_power_sampler_up{source="rapl"}')).toBe(1);
      expect(d.get('neuralpower_agent_power_samples_received_total{source="rapl"}')).toBeGreaterThan(5);
      expect(d.get('neuralpower_agent_power_sampler_restarts_total{source="rapl"}')).toBe(0);
      const watts = d.get('neuralpower_agent_power_watts{source="rapl"}');
      // Writes and polls share one busy thread: allow their jitter around 10 W.
      expect(watts).toBeGreaterThan(3);
      expect(watts).toBeLessThan(30);
      const interval = d.get('neuralpower_agent_power_sample_interval_seconds{source="rapl"}');
      expect(interval).toBeGreaterThan(0);
      expect(interval).toBeLessThan(1);
      expect(o.after.get('neuralpower_agent_outbox_records')).toBe(0);
      expect(o.after.get('neuralpower_agent_records_acked_total')).toBe(2);
      expect(o.after.get('neuralpower_agent_power_sampler_up{source="rapl"}')).toBe(0);
      expect(o.after.has('neuralpower_agent_power_watts{source="rapl"}')).toBe(false);
    } finally {
      clearInterval(timer);
    }
  });
});

const cli = (args: string[]) => runCli(args);

describe('neuralpower agent --metrics-port', () => {
  it('serves metrics during a CLI sweep and refuses a bad port', async () => {
    const root = emptyPowercap();
    const common = [
      '--state-dir',
      mkdtempSync(path.join(os.tmpdir(), 'np-metrics-cli-')),
      '--powercap-root',
      root,
      '--nvidia-smi',
      path.join(root, 'no-nvidia-smi'),
    ];
    const bad = await cli(['agent', 'sweep', '--metrics-port', '70000', ...common]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/error: --metrics-port must be an integer port 0\.\.65535 \(got 70000\)/);

    const ok = await cli([
      'agent',
      'sweep',
      ...common,
      ...['--kinds', 'fc', '--count', '1', '--ranges', 'tiny', '--backend', 'cpu', '--power', 'none'],
      ...['--idle-ms', '0', '--warmup', '1', '--runs', '3', '--metrics-port', '0'],
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const line = ok.stderr.split('\n').find((l) => l.includes('serving metrics at /metrics'));
    expect(line, ok.stderr).toBeDefined();
    const logged = JSON.parse(line!) as { host: string; port: number };
    expect(logged.host).toBe('127.0.0.1');
    expect(logged.port).toBeGreaterThan(0);
    expect(ok.stdout).toMatch(/1 measured/);
  });
});
