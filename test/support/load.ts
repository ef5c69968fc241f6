import path from 'node:path';
import { spawnCollector } from './processes.js';
import { ProtocolClient } from './protocol-client.js';
import { hello, syntheticRecord } from './records.js';
import { createToken, inspectStore, type StoreReport } from './store.js';

export interface LoadOptions {
  readonly dir: string;
  readonly agents: number;
  readonly durationMs: number;
  /** records per batch (default 25) */
  readonly batchSize?: number;
  readonly log?: (line: string) => void;
}

export interface LoadReport {
  readonly agents: number;
  readonly batchSize: number;
  /** from the moment every agent was welcomed to the last ack */
  readonly durationMs: number;
  readonly connectMs: number;
  readonly batchesAcked: number;
  readonly recordsAcked: number;
  readonly recordsPerSecond: number;
  readonly ackLatencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** anything but the expected ack */
  readonly errors: readonly string[];
  readonly store: StoreReport;
  /** acked records missing from the store (must be 0) */
  readonly lost: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Many protocol clients against one collector child process, each with one batch in flight (as
 * the real agent sends), for a fixed time; then every acked record must be in the store once.
 */
export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const log = options.log ?? (() => undefined);
  const batchSize = options.batchSize ?? 25;
  const dbPath = path.join(options.dir, 'collector.db');
  const token = await createToken(dbPath, 'load');
  const collector = await spawnCollector(dbPath, 0);
  const errors: string[] = [];
  const latencies: number[] = [];
  let batchesAcked = 0;
  let recordsAcked = 0;
  const t0 = Date.now();
  const clients: ProtocolClient[] = [];
  try {
    // Connect in waves so the listen backlog is never the thing being measured.
    for (let i = 0; i < options.agents; i += 50) {
      const wave = await Promise.all(
        Array.from({ length: Math.min(50, options.agents - i) }, async (_, k) => {
          const client = await ProtocolClient.connect(collector.wsUrl, token, 60_000);
          client.sendJson(hello(`load-agent-${i + k}`));
          const welcome = await client.next(60_000);
          if (welcome.type !== 'welcome') throw new Error(`agent ${i + k}: ${JSON.stringify(welcome)}`);
          return client;
        }),
      );
      clients.push(...wave);
    }
    const connectMs = Date.now() - t0;
    log(`${clients.length} agents connected in ${connectMs} ms`);
    const start = Date.now();
    const deadline = start + options.durationMs;
    await Promise.all(
      clients.map(async (client, index) => {
        let seq = 0;
        let produced = 0;
        while (Date.now() < deadline) {
          seq++;
          const records = Array.from({ length: batchSize }, (_, k) => syntheticRecord(index, produced + k));
          const sent = performance.now();
          client.sendJson({ type: 'measurements', seq, records });
          const reply = await client.next(60_000);
          if (reply.type !== 'ack' || reply.seq !== seq || reply.stored !== batchSize || reply.duplicate) {
            errors.push(`agent ${index} seq ${seq}: ${JSON.stringify(reply)}`);
            return;
          }
          latencies.push(performance.now() - sent);
          produced += batchSize;
          batchesAcked++;
          recordsAcked += batchSize;
        }
      }),
    );
    const durationMs = Date.now() - start;
    for (const c of clients) c.close();
    await collector.proc.stop();
    const store = inspectStore(dbPath);
    latencies.sort((a, b) => a - b);
    return {
      agents: clients.length,
      batchSize,
      durationMs,
      connectMs,
      batchesAcked,
      recordsAcked,
      recordsPerSecond: recordsAcked / (durationMs / 1000),
      ackLatencyMs: {
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? 0,
      },
      errors,
      store,
      lost: Math.max(0, recordsAcked - store.measurements),
    };
  } finally {
    for (const c of clients) c.close();
    await collector.proc.stop();
  }
}
