import type { MeasurementRecord } from '@neuralpower/protocol';
import type { CollectorMetrics } from '../metrics.js';
import type { BatchOutcome, IngestRepository, KindCounts, WrittenBatches } from '../store/ingest.js';
import type { StoreIntegrity } from '../store/integrity.js';

export interface PendingBatch {
  readonly agentId: string;
  readonly seq: number;
  readonly records: readonly MeasurementRecord[];
  readonly done: (outcome: BatchOutcome | { status: 'failed'; message: string }) => void;
}

/**
 * Group commit. Batches that arrive while the previous group is being written (from any number of
 * agents) are written together in one transaction, so a burst from 50 agents costs one fsync
 * instead of 50. One group is in flight at a time: an agent's batches commit in the order it sent
 * them, even on a store whose commits take a network round trip. Acks are sent by `done` only
 * after the transaction committed.
 */
export class BatchQueue {
  private pending: PendingBatch[] = [];
  /** the running drain, if any */
  private draining: Promise<void> | null = null;

  constructor(
    private readonly store: IngestRepository,
    private readonly metrics: CollectorMetrics,
    private readonly onCommitted: (counts: KindCounts) => void,
    private readonly integrity: StoreIntegrity,
    /** cap on records per transaction, so one commit never holds the store for long */
    private readonly maxRecordsPerCommit = 20_000,
  ) {}

  enqueue(batch: PendingBatch): void {
    this.pending.push(batch);
    if (!this.draining) {
      // Wait a turn of the event loop: batches arriving together share the commit.
      this.draining = new Promise<void>((ok) => setImmediate(ok)).then(() => this.drain());
    }
  }

  /** Resolves once everything queued so far (and what arrives meanwhile) is written (also used on shutdown). */
  async flush(): Promise<void> {
    while (this.draining || this.pending.length > 0) {
      if (!this.draining) this.draining = this.drain();
      await this.draining;
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        let records = 0;
        let take = 0;
        while (
          take < this.pending.length &&
          (take === 0 || records + this.pending[take]!.records.length <= this.maxRecordsPerCommit)
        ) {
          records += this.pending[take]!.records.length;
          take++;
        }
        await this.commit(this.pending.splice(0, take));
      }
    } finally {
      this.draining = null;
    }
  }

  private async commit(group: PendingBatch[]): Promise<void> {
    if (!this.integrity.acceptsWrites) {
      // Corruption was found after these were queued: nothing more goes into this file.
      const message = `the database failed its integrity check (${this.integrity.state.detail}); not stored`;
      for (const b of group) b.done({ status: 'failed', message });
      return;
    }
    const stop = this.metrics.commitSeconds.startTimer();
    let written: WrittenBatches;
    try {
      written = await this.store.writeBatches(group);
    } catch (err) {
      // The transaction rolled back: nothing of this group is stored, nothing is acked.
      stop();
      this.integrity.observe(err);
      const message = `the store failed: ${(err as Error).message}`;
      for (const b of group) b.done({ status: 'failed', message });
      return;
    }
    stop();
    let layers = 0;
    let networks = 0;
    group.forEach((b, i) => {
      const outcome = written.outcomes[i]!;
      if (outcome.status === 'stored') {
        for (const r of b.records) {
          if (r.type === 'layer') layers++;
          else networks++;
        }
      }
      this.metrics.batches.inc({ outcome: outcome.status === 'stored' ? 'stored' : outcome.status });
      b.done(outcome);
    });
    if (layers > 0) this.metrics.measurementsIngested.inc({ type: 'layer' }, layers);
    if (networks > 0) this.metrics.measurementsIngested.inc({ type: 'network' }, networks);
    if (written.counts.size === 0) return;
    try {
      this.onCommitted(written.counts);
    } catch (err) {
      // Stored and acked already; a follower (fit scheduler, campaigns) failing must not stop ingest.
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: 'after-commit hook failed', err: String(err) })}\n`,
      );
    }
  }
}
