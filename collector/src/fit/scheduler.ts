import { Worker } from 'node:worker_threads';
import type { KindCounts } from '../db/ingest-store.js';
import type { ModelStore, ModelVersionSummary } from '../db/models-store.js';
import type { Db } from '../db/open.js';
import type { CollectorMetrics } from '../metrics.js';
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
 * small machine one fit at a time leaves a core for ingest). Results are written by this thread.
 */
export class FitScheduler {
  private readonly totals = new Map<string, number>();
  private readonly atFit = new Map<string, number>();
  private readonly queue: Job[] = [];
  private running: { job: Job; worker: Worker } | null = null;
  private closed = false;
  private readonly saveFitState;

  constructor(
    private readonly db: Db,
    private readonly dbPath: string,
    private readonly models: ModelStore,
    private readonly metrics: CollectorMetrics,
    /** fit a (platform, kind) once it gained this many measurements since its last fit; 0 = only on request */
    private readonly fitEvery: number,
    private readonly options: FitOptions,
  ) {
    try {
      for (const row of db
        .prepare<[], { platform_id: string; model_kind: string; n: number }>(
          `SELECT platform_id, model_kind, COUNT(*) AS n FROM measurements
           WHERE type = 'layer' GROUP BY platform_id, model_kind`,
        )
        .all()) {
        this.totals.set(key(row.platform_id, row.model_kind), row.n);
      }
      for (const row of db
        .prepare<[], { platform_id: string; model_kind: string; measurements_at_fit: number }>(
          'SELECT platform_id, model_kind, measurements_at_fit FROM fit_state',
        )
        .all()) {
        this.atFit.set(key(row.platform_id, row.model_kind), row.measurements_at_fit);
      }
    } catch {
      // An unreadable (corrupt) measurements table: the collector still starts, reports the
      // corruption on /healthz and acks nothing (db/integrity.ts); counts start from zero.
    }
    this.saveFitState = db.prepare(`
      INSERT INTO fit_state (platform_id, model_kind, measurements_at_fit, fitted_at) VALUES (?, ?, ?, ?)
      ON CONFLICT (platform_id, model_kind) DO UPDATE SET measurements_at_fit = excluded.measurements_at_fit,
        fitted_at = excluded.fitted_at`);
    // Catch up on kinds that crossed the threshold before a restart.
    if (fitEvery > 0) {
      for (const [k, total] of this.totals) {
        if (total - (this.atFit.get(k) ?? 0) >= fitEvery) {
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
    const started = performance.now();
    const input: FitJobInput = {
      dbPath: this.dbPath,
      platformId: job.platformId,
      kind: job.kind,
      options: this.options,
      currentHashes: {
        runtime: this.models.currentTrainingHash(job.platformId, job.kind, 'runtime'),
        power: this.models.currentTrainingHash(job.platformId, job.kind, 'power'),
      },
    };
    const worker = new Worker(WORKER_URL, { workerData: input });
    this.running = { job, worker };
    let settled = false;
    const finish = (outcome: FitOutcome): void => {
      if (settled) return;
      settled = true;
      this.running = null;
      this.metrics.fitSeconds.observe(
        { kind: job.kind, outcome: outcome.error ? 'error' : 'ok' },
        outcome.durationMs / 1000,
      );
      for (const w of job.waiters) w(outcome);
      void worker.terminate();
      this.next();
    };
    worker.on('message', (msg: { ok: true; result: FitJobResult } | { ok: false; message: string }) => {
      const durationMs = performance.now() - started;
      if (!msg.ok) {
        finish(failed(job.platformId, job.kind, msg.message, durationMs));
        return;
      }
      try {
        finish(this.store(msg.result, job.reason, durationMs));
      } catch (err) {
        finish(failed(job.platformId, job.kind, (err as Error).message, durationMs));
      }
    });
    worker.on('error', (err) =>
      finish(failed(job.platformId, job.kind, err.message, performance.now() - started)),
    );
    worker.on('exit', (code) => {
      finish(
        failed(job.platformId, job.kind, `fit worker exited with code ${code}`, performance.now() - started),
      );
    });
  }

  private store(result: FitJobResult, reason: string, durationMs: number): FitOutcome {
    const fitted = result.targets.flatMap((t) => (t.status === 'fitted' ? [t] : []));
    const versions = this.db.transaction(() => {
      const created =
        fitted.length === 0
          ? []
          : this.models.addVersions(
              fitted.map((t) => ({
                platformId: result.platformId,
                kind: result.kind,
                target: t.target,
                trainingRows: t.trainingRows,
                trainingSetHash: t.trainingSetHash,
                report: t.report,
                modelJson: t.modelJson,
              })),
              `fit: ${reason}`,
            );
      this.saveFitState.run(result.platformId, result.kind, result.measurements, new Date().toISOString());
      return created;
    })();
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
    if (this.running) await this.running.worker.terminate();
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
