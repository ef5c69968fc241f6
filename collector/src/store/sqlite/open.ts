import Database from 'better-sqlite3';
import { migrate } from './migrations.js';

export type Db = Database.Database;

/**
 * `full` fsyncs the WAL on every commit, so an acked batch survives power loss as well as a killed
 * process. `normal` skips that fsync: still safe against SIGKILL (the WAL is in the OS page cache and
 * is replayed on open), but the last commits can vanish if the machine loses power. Acks promise
 * durability, so `full` is the default.
 */
export type Synchronous = 'full' | 'normal';

export interface OpenOptions {
  readonly synchronous?: Synchronous;
  readonly readonly?: boolean;
}

export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    fileMustExist: options.readonly ?? false,
  });
  // Another process (the CLI's `token create`, a fit worker) may hold the lock for a moment.
  db.pragma('busy_timeout = 5000');
  if (!options.readonly) {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${(options.synchronous ?? 'full').toUpperCase()}`);
    db.pragma('foreign_keys = ON');
    migrate(db);
  }
  return db;
}

/** `PRAGMA integrity_check` → 'ok' or the problems SQLite found. */
export function integrityCheck(db: Db): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}
