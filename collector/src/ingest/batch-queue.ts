import type { MeasurementRecord } from '@neuralpower/protocol';
import type { BatchOutcome, IngestStore, KindCounts } from '../db/ingest-store.js';
import type { IntegrityMonitor } from '../db/integrity.js';
import type { CollectorMetrics } from '../metrics.js';

export interface PendingBatch {
  readonly agentId: string;
  readonly seq: number;
  readonly records: readonly MeasurementRecord[];
  readonly done: (outcome: BatchOutcome | { status: 'failed'; message: string }) => void;
}

/**
 * Group commit. Batches that arrive in the same turn of the event loop (from any number of agents)
 * are written in one transaction, so a burst from 50 agents costs one fsync instead of 50. Acks
 * are sent by `done` only after that transaction committed.
 */
export class BatchQueue {
  private pending: PendingBatch[] = [];
  private scheduled = false;

  constructor(
    private readonly store: IngestStore,
    private readonly metrics: CollectorMetrics,
    private readonly onCommitted: (counts: KindCounts) => void,
    private readonly integrity: IntegrityMonitor,
    /** cap on records per transaction, so one flush never holds the event loop for long */
    private readonly maxRecordsPerCommit = 20_000,
  ) {}

  enqueue(batch: PendingBatch): void {
    this.pending.push(batch);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes everything queued now (also used on shutdown). */
  flush(): void {
    this.scheduled = false;
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
      const group = this.pending.splice(0, take);
      this.commit(group);
    }
  }

  private commit(group: PendingBatch[]): void {
    if (!this.integrity.acceptsWrites) {
      // Corruption was found after these were queued: nothing more goes into this file.
      const message = `the database failed its integrity check (${this.integrity.state.detail}); not stored`;
      for (const b of group) b.done({ status: 'failed', message });
      return;
    }
    const counts: KindCounts = new Map();
    const stop = this.metrics.commitSeconds.startTimer();
    let outcomes: BatchOutcome[];
    try {
      outcomes = this.store.writeBatches(group, counts);
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
      const outcome = outcomes[i]!;
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
    if (counts.size > 0) this.onCommitted(counts);
  }
}
