import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conv, fc, type LayerSpec, type Shape } from '@neuralpower/core';
import {
  type Hello,
  type LayerRecord,
  PROTOCOL_VERSION,
  parseServerMessage,
  platformFingerprint,
  type ServerMessage,
} from '@neuralpower/protocol';
import WebSocket from 'ws';
import { type CollectorOptions, type RunningCollector, startCollector } from '../src/index.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'np-collector-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startTestCollector(
  dbPath: string,
  extra: Partial<CollectorOptions> = {},
): Promise<{ collector: RunningCollector; token: string }> {
  // Reads open (as `--public-read`) unless a test says otherwise: most tests here are about
  // ingest and models, test/access.test.ts is about tokens. The token may ingest and fit.
  const collector = await startCollector({
    db: dbPath,
    port: 0,
    fitEvery: 0,
    processMetrics: false,
    publicRead: true,
    ...extra,
  });
  const token = (await collector.context.tokens.create(`test-${Date.now()}`, ['agent', 'admin'])).token;
  return { collector, token };
}

export const platformInput = {
  kind: 'cpu' as const,
  cpuModel: 'Test CPU 9000',
  engine: { name: 'tfjs', backend: 'cpu', version: '4.22.0' },
};
export const platform = platformFingerprint(platformInput);

export function hello(agentId = 'agent-a'): Hello {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    agentId,
    host: 'test-host',
    platforms: [{ id: platform.id, description: platform.description, input: platformInput }],
  };
}

/** A deterministic fc record whose runtime and power follow a simple law of its size (fits well). */
export function fcRecord(i: number, overrides: Partial<LayerRecord> = {}): LayerRecord {
  const units = 16 + ((i * 37) % 480);
  const inF = 32 + ((i * 53) % 900);
  const batch = 1 + (i % 8);
  const spec: LayerSpec = fc(units);
  const inputs: Shape[] = [[1, 1, inF]];
  const macs = batch * units * inF;
  const meanMs = 0.05 + macs * 2e-6;
  const meanW = 40 + Math.log2(macs) * 2;
  return {
    type: 'layer',
    platform: platform.id,
    spec,
    inputs,
    batch,
    runtime: { meanMs, medianMs: meanMs, stdMs: meanMs * 0.01, n: 50 },
    power: { meanW, samples: 25, windowMs: 1000, source: 'rapl' },
    energyMj: meanW * meanMs,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    endedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i + 1)).toISOString(),
    ...overrides,
  };
}

export function convRecord(i: number): LayerRecord {
  const filters = 8 + (i % 5) * 8;
  const hw = 8 + (i % 4) * 4;
  const batch = 1 + (i % 3);
  const meanMs = 0.1 + batch * hw * hw * filters * 9 * 4e-6;
  return {
    ...fcRecord(i),
    spec: conv(filters, 3),
    inputs: [[hw, hw, 4]],
    batch,
    runtime: { meanMs, medianMs: meanMs, stdMs: 0.001, n: 20 },
    energyMj: meanMs * 50,
    power: { meanW: 50, samples: 10, windowMs: 500, source: 'rapl' },
  };
}

/** A real ws client that queues every server message for `next()`. */
export class TestAgent {
  private readonly messages: ServerMessage[] = [];
  private readonly waiters: ((m: ServerMessage) => void)[] = [];
  closed: { code: number; reason: string } | null = null;
  private closeWaiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const parsed = parseServerMessage(data.toString());
      if (!parsed.ok) throw new Error(`server sent an invalid message: ${parsed.error.message}`);
      const w = this.waiters.shift();
      if (w) w(parsed.message);
      else this.messages.push(parsed.message);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters.splice(0)) w();
    });
  }

  static connect(url: string, token: string | null): Promise<TestAgent> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
      const agent = new TestAgent(ws);
      ws.once('open', () => resolve(agent));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  next(timeoutMs = 10_000): Promise<ServerMessage> {
    const queued = this.messages.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message from the collector')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  async hello(agentId = 'agent-a'): Promise<ServerMessage> {
    this.send(hello(agentId));
    return this.next();
  }

  waitClosed(): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => this.closeWaiters.push(() => resolve(this.closed!)));
  }

  close(): void {
    this.ws.close();
  }
}
