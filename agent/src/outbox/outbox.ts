import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MAX_SEQ, type MeasurementRecord } from '@neuralpower/protocol';
import Database from 'better-sqlite3';

export interface OutboxBatch {
  readonly seq: number;
  readonly records: readonly MeasurementRecord[];
}

/** The agent id has no seq left below the protocol's MAX_SEQ: nothing more can be sent under it. */
export class SeqExhaustedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeqExhaustedError';
  }
}

export interface SweepRow {
  readonly id: string;
  readonly options: string;
  readonly total: number;
  readonly finished: boolean;
}

/**
 * The agent's durable state in `<stateDir>/agent.sqlite`:
 * - `outbox`: every record, written (and fsynced) before it is sent; deleted only when the
 *   collector acks the batch that carried it. A batch's seq and membership are fixed when it is
 *   first formed, so a resend after a crash is the same batch and the collector can dedupe it.
 * - `measured`: natural keys of every configuration this agent measured (sweeps skip them).
 * - `sweeps`: sweep definitions and whether they finished, so an interrupted sweep resumes.
 * - `rejected`: records the collector refused as invalid, kept with the reason (never dropped).
 */
export class Outbox {
  private readonly db: Database.Database;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.db = new Database(path.join(stateDir, 'agent.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        body TEXT NOT NULL,
        seq INTEGER,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE INDEX IF NOT EXISTS outbox_seq ON outbox(seq);
      CREATE TABLE IF NOT EXISTS measured (key TEXT PRIMARY KEY, sweep TEXT);
      CREATE TABLE IF NOT EXISTS sweeps (
        id TEXT PRIMARY KEY, options TEXT NOT NULL, total INTEGER NOT NULL, finished INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE IF NOT EXISTS rejected (
        id INTEGER PRIMARY KEY, key TEXT NOT NULL, body TEXT NOT NULL, seq INTEGER, error TEXT NOT NULL,
        at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
      );
      CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
      INSERT OR IGNORE INTO meta (k, v) VALUES ('next_seq', '1');
    `);
    this.addMeasuredColumns();
    this.repairSeqs();
  }

  /**
   * State dirs from before cross-process revisits lack the first median and the process that
   * measured it; their rows stay without them (and are never revisited).
   */
  private addMeasuredColumns(): void {
    const cols = new Set(
      (this.db.prepare('PRAGMA table_info(measured)').all() as { name: string }[]).map((c) => c.name),
    );
    if (!cols.has('median_ms')) this.db.exec('ALTER TABLE measured ADD COLUMN median_ms REAL');
    if (!cols.has('run_id')) this.db.exec('ALTER TABLE measured ADD COLUMN run_id TEXT');
  }

  /**
   * Earlier versions could be pushed to next_seq = 2^53 by a forged welcome, after which every
   * batch was refused. No collector accepts a seq above MAX_SEQ, so such batches were never
   * stored: they are formed again with valid seqs (the next welcome raises next_seq as needed).
   */
  private repairSeqs(): void {
    if (this.nextSeq() <= MAX_SEQ + 1) return;
    this.db
      .transaction(() => {
        this.db.prepare('UPDATE outbox SET seq = NULL WHERE seq > ?').run(MAX_SEQ);
        const top = this.db.prepare('SELECT MAX(seq) AS seq FROM outbox').get() as { seq: number | null };
        this.setNextSeq((top.seq ?? 0) + 1);
      })
      .immediate();
  }

  private setNextSeq(seq: number): void {
    this.db.prepare("UPDATE meta SET v = ? WHERE k = 'next_seq'").run(String(seq));
  }

  /** Takes the next seq; refuses to hand out one the collector would refuse. */
  private takeSeq(): number {
    const seq = this.nextSeq();
    if (seq > MAX_SEQ) {
      throw new SeqExhaustedError(
        `next seq ${seq} is above the protocol's largest seq ${MAX_SEQ}; this agent id cannot send more`,
      );
    }
    this.setNextSeq(seq + 1);
    return seq;
  }

  /**
   * Stores a record (and marks its configuration measured) in one transaction. `runId` names the
   * process that measured it: a later process of the same sweep may measure it again (drift).
   */
  add(record: MeasurementRecord, key: string, sweepId?: string, runId?: string): void {
    const tx = this.db.transaction(() => {
      this.db.prepare('INSERT INTO outbox (key, body) VALUES (?, ?)').run(key, JSON.stringify(record));
      this.db
        .prepare('INSERT OR REPLACE INTO measured (key, sweep, median_ms, run_id) VALUES (?, ?, ?, ?)')
        .run(key, sweepId ?? null, record.precision ? record.runtime.medianMs : null, runId ?? null);
    });
    tx.immediate();
  }

  /** Marks a configuration done without a record (it failed to run; the sweep must not retry forever). */
  markMeasured(key: string, sweepId?: string): void {
    this.db.prepare('INSERT OR REPLACE INTO measured (key, sweep) VALUES (?, ?)').run(key, sweepId ?? null);
  }

  /**
   * Configurations of `sweepId` measured with the block protocol by processes other than `runId`,
   * with their median, in the order they were measured (revisits themselves left out).
   */
  measuredByOtherRuns(sweepId: string, runId: string): { key: string; medianMs: number }[] {
    return this.db
      .prepare(
        `SELECT key, median_ms AS medianMs FROM measured
         WHERE sweep = ? AND median_ms IS NOT NULL AND run_id IS NOT NULL AND run_id != ?
           AND key NOT LIKE '%#revisit%' ORDER BY rowid`,
      )
      .all(sweepId, runId) as { key: string; medianMs: number }[];
  }

  hasMeasured(key: string): boolean {
    return this.db.prepare('SELECT 1 FROM measured WHERE key = ?').get(key) !== undefined;
  }

  private nextSeq(): number {
    const row = this.db.prepare("SELECT v FROM meta WHERE k = 'next_seq'").get() as { v: string };
    return Number(row.v);
  }

  /**
   * The batch to send next: the oldest batch already formed (a resend keeps its seq and records),
   * else a new batch of up to `max` unbatched records with a fresh seq. Undefined when empty.
   */
  nextBatch(max: number): OutboxBatch | undefined {
    const tx = this.db.transaction((): OutboxBatch | undefined => {
      const pending = this.db.prepare('SELECT MIN(seq) AS seq FROM outbox WHERE seq IS NOT NULL').get() as {
        seq: number | null;
      };
      let seq = pending.seq;
      if (seq === null) {
        const ids = this.db
          .prepare('SELECT id FROM outbox WHERE seq IS NULL ORDER BY id LIMIT ?')
          .all(max) as { id: number }[];
        if (ids.length === 0) return undefined;
        seq = this.takeSeq();
        const last = ids[ids.length - 1]!.id;
        this.db.prepare('UPDATE outbox SET seq = ? WHERE seq IS NULL AND id <= ?').run(seq, last);
      }
      const rows = this.db.prepare('SELECT body FROM outbox WHERE seq = ? ORDER BY id').all(seq) as {
        body: string;
      }[];
      return { seq, records: rows.map((r) => JSON.parse(r.body) as MeasurementRecord) };
    });
    return tx.immediate();
  }

  /** The collector committed batch `seq`: its records leave the outbox. */
  ack(seq: number): number {
    return this.db.prepare('DELETE FROM outbox WHERE seq = ?').run(seq).changes;
  }

  /**
   * The collector has committed seqs up to `lastSeq` for this agent id (e.g. the state dir was
   * recreated): new batches must use higher seqs. A high mark at or above MAX_SEQ leaves no seq
   * to continue with: it is refused (SeqExhaustedError) and nothing is written.
   */
  observeLastSeq(lastSeq: number | null): void {
    if (lastSeq === null) return;
    if (!Number.isSafeInteger(lastSeq) || lastSeq < 0 || lastSeq >= MAX_SEQ) {
      throw new SeqExhaustedError(
        `the collector's last seq for this agent id is ${lastSeq}, at or above the protocol's largest seq ${MAX_SEQ}: no batch can follow it`,
      );
    }
    if (this.nextSeq() <= lastSeq) this.setNextSeq(lastSeq + 1);
  }

  /** Renumbers done since this outbox was opened (tests and logs: a loop would show here). */
  renumbers = 0;

  /** The collector never saw batch `seq` and it is below its high mark: give it a fresh seq. */
  renumber(seq: number): number {
    const tx = this.db.transaction(() => {
      const fresh = this.takeSeq();
      this.db.prepare('UPDATE outbox SET seq = ? WHERE seq = ?').run(fresh, seq);
      return fresh;
    });
    const fresh = tx.immediate();
    this.renumbers++;
    return fresh;
  }

  /** The collector refused batch `seq` as invalid: keep its records aside with the reason. */
  reject(seq: number, error: string): number {
    const tx = this.db.transaction(() => {
      this.db
        .prepare(
          'INSERT INTO rejected (key, body, seq, error) SELECT key, body, seq, ? FROM outbox WHERE seq = ?',
        )
        .run(error, seq);
      return this.db.prepare('DELETE FROM outbox WHERE seq = ?').run(seq).changes;
    });
    return tx.immediate();
  }

  pendingCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n;
  }

  rejectedCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM rejected').get() as { n: number }).n;
  }

  /** Every record still waiting (for `--out` files and tests). */
  pendingRecords(): MeasurementRecord[] {
    return (this.db.prepare('SELECT body FROM outbox ORDER BY id').all() as { body: string }[]).map(
      (r) => JSON.parse(r.body) as MeasurementRecord,
    );
  }

  saveSweep(id: string, options: string, total: number): void {
    this.db
      .prepare('INSERT OR IGNORE INTO sweeps (id, options, total) VALUES (?, ?, ?)')
      .run(id, options, total);
  }

  finishSweep(id: string): void {
    this.db.prepare('UPDATE sweeps SET finished = 1 WHERE id = ?').run(id);
  }

  unfinishedSweep(): SweepRow | undefined {
    const row = this.db
      .prepare(
        'SELECT id, options, total, finished FROM sweeps WHERE finished = 0 ORDER BY created_at LIMIT 1',
      )
      .get() as { id: string; options: string; total: number; finished: number } | undefined;
    return row ? { ...row, finished: row.finished === 1 } : undefined;
  }

  /** The agent id kept in the state dir (seq numbers are scoped by it, so it must survive restarts). */
  agentId(create: () => string): string {
    const row = this.db.prepare("SELECT v FROM meta WHERE k = 'agent_id'").get() as { v: string } | undefined;
    if (row) return row.v;
    const id = create();
    this.db.prepare("INSERT INTO meta (k, v) VALUES ('agent_id', ?)").run(id);
    return id;
  }

  close(): void {
    this.db.close();
  }
}
