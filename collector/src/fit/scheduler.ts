import { Worker } from 'node:worker_threads';
import type { CollectorMetrics } from '../metrics.js';
import type { KindCounts } from '../store/ingest.js';
import type { ModelVersionSummary } from '../store/models.js';
import type { Store } from '../store/store.js';
import type { FitJobInput, FitJobResult, FitOptions } from './fit-job.js';

export interface FitOutcome {
  readonly platformId: string;
  readonly kind: string;
  /** new versions created (empty when every target was skipped) */
  readonly versions: readonly ModelVersionSummary[];
  readonly skipped: readonly { target: string; reason: string }[];
  readonly error: string | null;
  readonly durationMs: number;
}

interface Job {
  readonly platformId: string;
  readonly kind: string;
  readonly reason: string;
  /** started by the --fit-every threshold (re-checked when it reaches the front of the queue) */
  readonly auto: boolean;
  readonly waiters: ((outcome: FitOutcome) => void)[];
}

const WORKER_URL = new URL('./worker-entry.mjs', import.meta.url);

/**
 * Decides when to fit and runs fits one at a time in a worker thread (fitting is CPU-bound; on a
 * small machine one fit at a time leaves a core for ingest). Each fit holds the store's fit lock of
 * its (platform, kind), so collectors sharing a database never fit the same kind at once. Results
 * are written by this thread, in one store transaction.
 */
export class FitScheduler {
  private readonly totals = new Map<string, number>();
  private readonly atFit = new Map<string, number>();
  private readonly queue: Job[] = [];
  private running: { job: Job; worker: Worker | null; done: Promise<void> | null } | null = null;
  private closed = false;
  /** Awaited once a platform has no fit left queued (the network correction refits here). */
  private readonly settledListeners: ((platformId: string) => Promise<void>)[] = [];

  constructor(
    private readonly store: Store,
    private readonly metrics: CollectorMetrics,
    /** fit a (platform, kind) once it gained this many measurements since its last fit; 0 = only on request */
    private readonly fitEvery: number,
    private readonly options: FitOptions,
  ) {}

  /** Reads the counts --fit-every works from and queues kinds that crossed it before a restart. */
  async start(): Promise<void> {
    try {
      for (const row of await this.store.fits.layerCounts()) {
        this.totals.set(key(row.platformId, row.kind), row.measurements);
      }
      for (const row of await this.store.fits.fitStates()) {
        this.atFit.set(key(row.platformId, row.kind), row.measurementsAtFit);
      }
    } catch (err) {
      // An unreadable (corrupt) measurements table: the collector still starts, reports the
      // corruption on /healthz and acks nothing (store/sqlite/integrity.ts); counts start from zero.
      this.store.integrity.observe(err);
    }
    if (this.fitEvery > 0) {
      for (const [k, total] of this.totals) {
        if (total - (this.atFit.get(k) ?? 0) >= this.fitEvery) {
          const [platformId, kind] = split(k);
          void this.enqueue(platformId, kind, 'catch-up after start', true);
        }
      }
    }
  }

  /** Called after every committed group of batches. */
  onCommitted(counts: KindCounts): void {
    for (const c of counts.values()) {
      const k = key(c.platformId, c.modelKind);
      const total = (this.totals.get(k) ?? 0) + c.added;
      this.totals.set(k, total);
      if (this.fitEvery > 0 && total - (this.atFit.get(k) ?? 0) >= this.fitEvery) {
        void this.enqueue(c.platformId, c.modelKind, `${this.fitEvery} new measurements`, true);
      }
    }
  }

  /** Fits the given kinds (default every kind the platform has measurements of) and waits for them. */
  fitNow(platformId: string, kinds?: readonly string[]): Promise<FitOutcome[]> {
    const wanted =
      kinds ??
      [...this.totals.keys()]
        .map(split)
        .filter(([p]) => p === platformId)
        .map(([, kind]) => kind)
        .sort();
    return Promise.all(wanted.map((kind) => this.enqueue(platformId, kind, 'requested', false)));
  }

  onPlatformSettled(listener: (platformId: string) => Promise<void>): void {
    this.settledListeners.push(listener);
  }

  /** Pending or running jobs, for `/healthz` and the dashboard. */
  status(): { running: { platformId: string; kind: string } | null; queued: number } {
    return {
      running: this.running ? { platformId: this.running.job.platformId, kind: this.running.job.kind } : null,
      queued: this.queue.length,
    };
  }

  private enqueue(platformId: string, kind: string, reason: string, auto: boolean): Promise<FitOutcome> {
    return new Promise((resolve) => {
      if (this.closed) {
        resolve(failed(platformId, kind, 'the collector is shutting down', 0));
        return;
      }
      const same = this.queue.find((j) => j.platformId === platformId && j.kind === kind);
      if (same) {
        same.waiters.push(resolve);
        return;
      }
      this.queue.push({ platformId, kind, reason, auto, waiters: [resolve] });
      this.next();
    });
  }

  private next(): void {
    if (this.running || this.closed) return;
    let job = this.queue.shift();
    // A threshold job queued while the same kind was being fitted may no longer be due.
    while (job?.auto && !this.due(job.platformId, job.kind)) {
      for (const w of job.waiters) w({ ...failed(job.platformId, job.kind, null, 0) });
      job = this.queue.shift();
    }
    if (!job) return;
    const running = { job, worker: null as Worker | null, done: null as Promise<void> | null };
    this.running = running;
    const started = performance.now();
    running.done = this.store.fits
      .withFitLock(job.platformId, job.kind, () => this.fit(running, started))
      .catch((err: unknown) =>
        failed(job.platformId, job.kind, (err as Error).message, performance.now() - started),
      )
      .then(async (outcome) => {
        // Before the waiters: a fit request answers with the correction already refitted.
        if (!this.closed && !this.queue.some((j) => j.platformId === job.platformId)) {
          for (const listener of this.settledListeners) await listener(job.platformId);
        }
        this.running = null;
        this.metrics.fitSeconds.observe(
          { kind: job.kind, outcome: outcome.error ? 'error' : 'ok' },
          outcome.durationMs / 1000,
        );
        for (const w of job.waiters) w(outcome);
        this.next();
      });
  }

  /** One fit, under the fit lock: current hashes, the worker, then its versions stored. */
  private async fit(running: { job: Job; worker: Worker | null }, started: number): Promise<FitOutcome> {
    const { job } = running;
    if (this.closed) return failed(job.platformId, job.kind, 'the collector is shutting down', 0);
    const [runtime, power] = await Promise.all([
      this.store.models.currentTrainingHash(job.platformId, job.kind, 'runtime'),
      this.store.models.currentTrainingHash(job.platformId, job.kind, 'power'),
    ]);
    const input: FitJobInput = {
      storeLocator: this.store.locator,
      platformId: job.platformId,
      kind: job.kind,
      options: this.options,
      currentHashes: { runtime, power },
    };
    if (this.closed) return failed(job.platformId, job.kind, 'the collector is shutting down', 0);
    const worker = new Worker(WORKER_URL, { workerData: input });
    running.worker = worker;
    const message = await new Promise<{ ok: true; result: FitJobResult } | { ok: false; message: string }>(
      (resolve) => {
        worker.once('message', resolve);
        worker.once('error', (err) => resolve({ ok: false, message: err.message }));
        worker.once('exit', (code) => resolve({ ok: false, message: `fit worker exited with code ${code}` }));
      },
    );
    void worker.terminate();
    const durationMs = performance.now() - started;
    if (!message.ok) return failed(job.platformId, job.kind, message.message, durationMs);
    // Closed meanwhile: the result is discarded (nothing was written).
    if (this.closed) return failed(job.platformId, job.kind, 'the collector is shutting down', durationMs);
    return this.record(message.result, job.reason, durationMs);
  }

  private async record(result: FitJobResult, reason: string, durationMs: number): Promise<FitOutcome> {
    const versions = await this.store.models.recordFit({
      platformId: result.platformId,
      kind: result.kind,
      measurementsAtFit: result.measurements,
      reason: `fit: ${reason}`,
      versions: result.targets.flatMap((t) =>
        t.status === 'fitted'
          ? [
              {
                platformId: result.platformId,
                kind: result.kind,
                target: t.target,
                trainingRows: t.trainingRows,
                trainingSetHash: t.trainingSetHash,
                report: t.report,
                modelJson: t.modelJson,
              },
            ]
          : [],
      ),
    });
    this.atFit.set(key(result.platformId, result.kind), result.measurements);
    return {
      platformId: result.platformId,
      kind: result.kind,
      versions,
      skipped: result.targets.flatMap((t) =>
        t.status === 'skipped' ? [{ target: t.target, reason: t.reason }] : [],
      ),
      error: null,
      durationMs,
    };
  }

  private due(platformId: string, kind: string): boolean {
    const k = key(platformId, kind);
    return (this.totals.get(k) ?? 0) - (this.atFit.get(k) ?? 0) >= this.fitEvery;
  }

  /** Stops the running fit (its result is discarded; nothing was written) and refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      for (const w of job.waiters) w(failed(job.platformId, job.kind, 'the collector is shutting down', 0));
    }
    const running = this.running;
    if (running?.worker) await running.worker.terminate();
    // A result being written finishes before the store closes.
    await running?.done;
  }
}

function key(platformId: string, kind: string): string {
  return `${platformId}\u0000${kind}`;
}

function split(k: string): [string, string] {
  const i = k.indexOf('\u0000');
  return [k.slice(0, i), k.slice(i + 1)];
}

function failed(platformId: string, kind: string, error: string | null, durationMs: number): FitOutcome {
  return { platformId, kind, versions: [], skipped: [], error, durationMs };
}
