import Database from 'better-sqlite3';
import type { Synchronous } from '../store.js';
import { migrate } from './migrations.js';

export type Db = Database.Database;

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
