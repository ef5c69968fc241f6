import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { IntegrityState, IntegrityStatus, StoreIntegrity } from '../integrity.js';

/**
 * `PRAGMA quick_check` off the event loop (a worker with its own read-only connection), so a large
 * file does not hold up the start: `start` waits at most `timeoutMs`, then the check goes on in the
 * background while the collector serves (status `checking`). A store failure that SQLite reports as
 * corruption at runtime (`SQLITE_CORRUPT`, `SQLITE_NOTADB`) marks the database corrupt too. While it
 * is corrupt nothing is acknowledged: agents keep their records and retry.
 */
export class IntegrityMonitor implements StoreIntegrity {
  private current: IntegrityState = {
    status: 'checking',
    detail: 'not checked yet',
    checkedAt: null,
    durationMs: null,
  };
  private worker: Worker | null = null;
  private readonly listeners: ((state: IntegrityState) => void)[] = [];

  get state(): IntegrityState {
    return this.current;
  }

  /** Acks promise durable, readable data: refused once SQLite reported corruption. */
  get acceptsWrites(): boolean {
    return this.current.status !== 'corrupt';
  }

  onChange(listener: (state: IntegrityState) => void): void {
    this.listeners.push(listener);
    listener(this.current);
  }

  skip(): void {
    this.set({
      status: 'skipped',
      detail: 'skipped (--skip-integrity-check)',
      checkedAt: null,
      durationMs: null,
    });
  }

  /** Starts quick_check; resolves when it finished or `timeoutMs` passed, whichever is first. */
  start(dbPath: string, timeoutMs: number): Promise<void> {
    const started = Date.now();
    this.set({ status: 'checking', detail: 'quick_check running', checkedAt: null, durationMs: null });
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { dbPath, module: createRequire(import.meta.url).resolve('better-sqlite3') },
    });
    this.worker = worker;
    const finished = new Promise<void>((resolve) => {
      const done = (status: IntegrityStatus, detail: string) => {
        this.worker = null;
        // A corruption seen at runtime meanwhile is not overwritten by an older "ok".
        if (this.current.status !== 'corrupt' || status === 'corrupt') {
          this.set({ status, detail, checkedAt: new Date().toISOString(), durationMs: Date.now() - started });
        }
        resolve();
      };
      // `corrupt: false` with `ok: false`: the check could not run (busy, unreadable); no verdict.
      worker.once('message', (msg: { ok: boolean; corrupt: boolean; detail: string }) =>
        done(msg.ok ? 'ok' : msg.corrupt ? 'corrupt' : 'skipped', msg.detail),
      );
      worker.once('error', (err) => done('corrupt', `quick_check failed: ${err.message}`));
      worker.once('exit', () => {
        if (this.worker === worker) {
          this.worker = null;
          if (this.current.status === 'checking') {
            this.set({ status: 'skipped', detail: 'quick_check stopped', checkedAt: null, durationMs: null });
          }
        }
        resolve();
      });
    });
    return Promise.race([finished, new Promise<void>((ok) => setTimeout(ok, timeoutMs).unref())]);
  }

  /** A store error: if SQLite calls it corruption, stop acknowledging. Returns whether it did. */
  observe(err: unknown): boolean {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return false;
    this.set({
      status: 'corrupt',
      detail: `${code}: ${(err as Error).message}`,
      checkedAt: new Date().toISOString(),
      durationMs: null,
    });
    return true;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private set(state: IntegrityState): void {
    this.current = state;
    for (const l of this.listeners) l(state);
  }
}

/** The worker: its own read-only connection, quick_check, the first 20 problems. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
let db;
try {
  db = new Database(workerData.dbPath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  const rows = db.pragma('quick_check(20)');
  const problems = rows.map((r) => r.quick_check);
  const ok = problems.length === 1 && problems[0] === 'ok';
  parentPort.postMessage({ ok, corrupt: !ok, detail: ok ? 'ok' : problems.join('; ') });
} catch (err) {
  const corrupt = /^SQLITE_(CORRUPT|NOTADB)/.test(err.code || '');
  parentPort.postMessage({ ok: false, corrupt, detail: 'quick_check failed: ' + (err.code ? err.code + ': ' : '') + err.message });
} finally {
  if (db) db.close();
}
`;
