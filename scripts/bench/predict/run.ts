// Predict benchmark: p50/p99 latency of POST /v1/predict for VGG-16 against a collector in its own
// process holding fitted conv/fc/pool/activation models; sequential requests over keep-alive HTTP.
//   npx tsx scripts/bench/predict/run.ts [--requests 2000] [--batch 64] [--db postgres://…] [--json]
// --db: the store (default a fresh SQLite file); --json prints one JSON object instead of the report.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { predictViaCollector, requestFit } from '@neuralpower/collector';
import { conv, fc, type LayerSpec, pool, type Shape } from '@neuralpower/core';
import { type LayerRecord, PROTOCOL_VERSION, parseServerMessage } from '@neuralpower/protocol';
import WebSocket from 'ws';
import { benchPlatform, benchPlatformInput } from '../ingest/records.js';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const requests = opt('requests', 2000);
const batch = opt('batch', 64);
const dbIndex = args.indexOf('--db');
const json = args.includes('--json');

function record(i: number, spec: LayerSpec, inputs: Shape[], b: number): LayerRecord {
  const meanMs = 0.2 + (i % 37) * 0.05;
  return {
    type: 'layer',
    platform: benchPlatform.id,
    spec,
    inputs,
    batch: b,
    runtime: { meanMs, medianMs: meanMs, stdMs: 0.01, n: 50 },
    power: { meanW: 100 + (i % 50), samples: 40, windowMs: 2000, source: 'nvidia-smi' },
    energyMj: (100 + (i % 50)) * meanMs,
    startedAt: '2026-01-01T00:00:00Z',
    endedAt: '2026-01-01T00:00:02Z',
  };
}

function trainingRecords(): LayerRecord[] {
  const out: LayerRecord[] = [];
  for (let i = 0; i < 120; i++) {
    const hw = 7 + (i % 8) * 16;
    out.push(record(i, conv(32 * (1 + (i % 8)), 3), [[hw, hw, 3 + (i % 5) * 64]], 1 + (i % 64)));
  }
  for (let i = 0; i < 60; i++)
    out.push(record(i, fc(64 * (1 + (i % 32))), [[1, 1, 256 * (1 + (i % 40))]], 1 + (i % 64)));
  for (let i = 0; i < 60; i++) {
    const hw = 14 + (i % 8) * 28;
    out.push(record(i, pool('max', 2), [[hw, hw, 64 * (1 + (i % 8))]], 1 + (i % 64)));
  }
  for (let i = 0; i < 60; i++) {
    const hw = 7 + (i % 8) * 28;
    out.push(record(i, { kind: 'activation', fn: 'relu' }, [[hw, hw, 64 * (1 + (i % 8))]], 1 + (i % 64)));
  }
  return out;
}

async function ingest(wsUrl: string, token: string, records: LayerRecord[]): Promise<void> {
  const ws = new WebSocket(wsUrl, { headers: { authorization: `Bearer ${token}` } });
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () =>
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocolVersion: PROTOCOL_VERSION,
          agentId: 'bench-predict',
          host: 'bench',
          platforms: [
            { id: benchPlatform.id, description: benchPlatform.description, input: benchPlatformInput },
          ],
        }),
      ),
    );
    ws.on('message', (data) => {
      const m = parseServerMessage(data.toString());
      if (!m.ok) return reject(new Error(m.error.message));
      if (m.message.type === 'welcome') ws.send(JSON.stringify({ type: 'measurements', seq: 1, records }));
      else if (m.message.type === 'ack') ws.close();
      else if (m.message.type === 'error') reject(new Error(m.message.message));
    });
    ws.on('close', () => resolve());
    ws.on('error', reject);
  });
}

/** POST over a keep-alive node:http agent: lighter than fetch, so the client adds little to the latency. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function post(url: string, body: unknown): Promise<void> {
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/predict`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 200)
            reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`));
          else {
            JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve();
          }
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'np-bench-predict-'));
const server = spawn(
  process.execPath,
  ['--import', 'tsx', join(here, 'server.ts'), dbIndex >= 0 ? args[dbIndex + 1]! : join(dir, 'collector.db')],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
try {
  let first = '';
  for await (const line of createInterface({ input: server.stdout! })) {
    first = line;
    break;
  }
  const { url, wsUrl, token } = JSON.parse(first) as { url: string; wsUrl: string; token: string };
  await ingest(wsUrl, token, trainingRecords());
  const fitted = await requestFit(url, benchPlatform.id, undefined, { token });
  const failed = fitted.fits.filter((f) => f.error);
  if (failed.length > 0)
    throw new Error(`fit failed: ${failed.map((f) => `${f.kind}: ${f.error}`).join('; ')}`);

  const body = { platform: benchPlatform.id, network: 'vgg16', batch };
  const sample = await predictViaCollector(url, body);
  for (let i = 0; i < 200; i++) await post(url, body); // warm-up: JIT, caches
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now();
    await post(url, body);
    times.push(performance.now() - t0);
  }
  const wallS = (performance.now() - start) / 1000;
  // Cold: a batch size not asked before misses the response cache and the network cache, so the
  // collector builds VGG-16 and runs predictNetwork (parsed models stay cached per version).
  const cold: number[] = [];
  for (let i = 0; i < Math.min(500, requests); i++) {
    const t0 = performance.now();
    await post(url, { ...body, batch: 1000 + i });
    cold.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  cold.sort((a, b) => a - b);
  const q = (p: number, xs = times) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
  const metrics = await (await fetch(`${url}/metrics`)).text();
  const sum = Number(/neuralpower_predict_duration_seconds_sum (\S+)/.exec(metrics)?.[1]);
  const count = Number(/neuralpower_predict_duration_seconds_count (\S+)/.exec(metrics)?.[1]);
  const bucket = (le: string) => {
    const n = Number(
      new RegExp(`neuralpower_predict_duration_seconds_bucket\\{le="${le}"\\} (\\S+)`).exec(metrics)?.[1],
    );
    return `${((n / count) * 100).toFixed(2)} %`;
  };
  const lines = [
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}`,
    `POST /v1/predict VGG-16 batch ${batch}: ${sample.layers.length} layers, ${sample.totals.coveredLayers} covered, models ${sample.models.map((m) => `${m.kind}/${m.target}`).join(' ')}`,
    `client: node:http keep-alive, one request at a time, response parsed`,
    `${requests} sequential requests in ${wallS.toFixed(2)} s (${Math.round(requests / wallS)} req/s)`,
    `repeated request (response cache hit): p50 ${q(0.5).toFixed(2)} ms, p99 ${q(0.99).toFixed(2)} ms, max ${times[times.length - 1]!.toFixed(2)} ms`,
    `cold request (new batch size: network built, predictNetwork run; ${cold.length} requests): p50 ${q(0.5, cold).toFixed(2)} ms, p99 ${q(0.99, cold).toFixed(2)} ms`,
    `server handler mean over all requests (prom histogram): ${((sum / count) * 1000).toFixed(3)} ms over ${count} requests; ` +
      `≤ 1 ms: ${bucket('0.001')}, ≤ 2.5 ms: ${bucket('0.0025')}, ≤ 5 ms: ${bucket('0.005')}`,
    `target p99 < 5 ms → repeated: ${q(0.99) < 5 ? 'met' : 'NOT met'}; cold: ${q(0.99, cold) < 5 ? 'met' : 'NOT met'}`,
  ];
  if (json) {
    process.stdout.write(
      `${JSON.stringify({
        requests,
        repeatedMs: { p50: q(0.5), p99: q(0.99) },
        coldMs: { p50: q(0.5, cold), p99: q(0.99, cold) },
        handlerMeanMs: (sum / count) * 1000,
      })}\n`,
    );
  } else process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
}
