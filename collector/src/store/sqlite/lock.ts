import Database from 'better-sqlite3';

export interface DbLock {
  readonly path: string;
  release(): void;
}

export class DatabaseInUseError extends Error {
  override readonly name = 'DatabaseInUseError';
}

/**
 * One collector per database file. The lock is a small SQLite file beside the database,
 * `<db>.collector-lock`, opened with `locking_mode = EXCLUSIVE` and written once: SQLite then holds
 * an OS file lock on it for as long as this process has it open. The kernel drops the lock when the
 * process dies in any way (SIGKILL included), so a restart never finds a stale lock; a second
 * collector gets SQLITE_BUSY at once and is refused. The database itself is not locked: the fit
 * worker, `collector token create` and backup tools keep working beside a running collector.
 */
export function acquireDbLock(dbPath: string): DbLock {
  const path = `${dbPath}.collector-lock`;
  let lock: Database.Database;
  try {
    lock = new Database(path);
  } catch (err) {
    throw new Error(`cannot open the lock file ${path}: ${(err as Error).message}`);
  }
  try {
    lock.pragma('busy_timeout = 0');
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at TEXT)');
    lock.prepare('DELETE FROM holder').run();
    lock
      .prepare('INSERT INTO holder (pid, started_at) VALUES (?, ?)')
      .run(process.pid, new Date().toISOString());
  } catch (err) {
    lock.close();
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new DatabaseInUseError(
        `${dbPath} is in use by another collector (it holds ${path}); stop that one first, or give this one its own --db`,
      );
    }
    throw new Error(`cannot lock ${path}: ${(err as Error).message}`);
  }
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      lock.close();
    },
  };
}
