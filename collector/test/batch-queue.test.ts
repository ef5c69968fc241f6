import { afterEach, beforeEach, expect, it } from 'vitest';
import { BatchQueue, type PendingBatch } from '../src/ingest/batch-queue.js';
import { CollectorMetrics } from '../src/metrics.js';
import type { BatchToWrite, IngestRepository, WrittenBatches } from '../src/store/ingest.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { fcRecord, hello, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let store: SqliteStore;
beforeEach(async () => {
  tmp = tempDir();
  store = await openSqliteStore(`${tmp.dir}/queue.db`, { synchronous: 'normal' });
  await store.ingest.registerAgent(hello('agent-a'), null);
});
afterEach(async () => {
  await store.close();
  tmp.cleanup();
});

/** The real SQLite ingest, answering after a delay as a networked database would; counts overlapping commits. */
function slowIngest(delayMs: number): IngestRepository & { maxInFlight: number; groups: number[][] } {
  let inFlight = 0;
  const self = {
    maxInFlight: 0,
    groups: [] as number[][],
    registerAgent: store.ingest.registerAgent.bind(store.ingest),
    lastSeq: store.ingest.lastSeq.bind(store.ingest),
    async writeBatches(batches: readonly BatchToWrite[]): Promise<WrittenBatches> {
      inFlight++;
      self.maxInFlight = Math.max(self.maxInFlight, inFlight);
      self.groups.push(batches.map((b) => b.seq));
      try {
        await new Promise((r) => setTimeout(r, delayMs));
        return await store.ingest.writeBatches(batches);
      } finally {
        inFlight--;
      }
    },
  };
  return self;
}

it('commits one group at a time, so one agent’s batches are stored in the order sent, and groups the rest', async () => {
  const ingest = slowIngest(20);
  const queue = new BatchQueue(
    ingest,
    new CollectorMetrics({ defaultMetrics: false }),
    () => {},
    store.integrity,
  );
  const outcomes = new Map<number, string>();
  const pending: Promise<void>[] = [];
  for (let seq = 1; seq <= 30; seq++) {
    pending.push(
      new Promise<void>((done) => {
        const batch: PendingBatch = {
          agentId: 'agent-a',
          seq,
          records: [fcRecord(seq)],
          done: (outcome) => {
            outcomes.set(seq, outcome.status);
            done();
          },
        };
        queue.enqueue(batch);
      }),
    );
    // Batches arrive over time, some while a commit is in flight.
    if (seq % 3 === 0) await new Promise((r) => setTimeout(r, 7));
  }
  await Promise.all(pending);
  await queue.flush();
  expect([...outcomes.values()].every((s) => s === 'stored')).toBe(true);
  expect(ingest.maxInFlight).toBe(1);
  expect(ingest.groups.flat()).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  expect(ingest.groups.length).toBeLessThan(30); // batches that waited shared a commit
  expect(await store.queries.totalMeasurements()).toBe(30);
  expect(await store.ingest.lastSeq('agent-a')).toBe(30);
});

it('flush waits for what is queued and in flight (shutdown)', async () => {
  const ingest = slowIngest(30);
  const queue = new BatchQueue(
    ingest,
    new CollectorMetrics({ defaultMetrics: false }),
    () => {},
    store.integrity,
  );
  const acked: number[] = [];
  for (let seq = 1; seq <= 3; seq++) {
    queue.enqueue({ agentId: 'agent-a', seq, records: [fcRecord(seq)], done: () => acked.push(seq) });
  }
  await queue.flush();
  expect(acked).toEqual([1, 2, 3]);
  expect(await store.queries.totalMeasurements()).toBe(3);
});
