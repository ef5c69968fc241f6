export type IntegrityStatus = 'ok' | 'corrupt' | 'checking' | 'skipped';

export interface IntegrityState {
  readonly status: IntegrityStatus;
  /** what the check reported (first problems), or why there is no verdict */
  readonly detail: string;
  readonly checkedAt: string | null;
  readonly durationMs: number | null;
}

/**
 * Whether the stored data can be trusted. While it is corrupt nothing is acknowledged: agents keep
 * their records and retry. SQLite runs `quick_check` at start and watches runtime errors for
 * corruption (sqlite/integrity.ts); a server database checks itself (`NoFileIntegrity`).
 */
export interface StoreIntegrity {
  readonly state: IntegrityState;
  /** false once corruption was seen: acks promise durable, readable data */
  readonly acceptsWrites: boolean;
  /** Calls `listener` now with the current state, then on every change. */
  onChange(listener: (state: IntegrityState) => void): void;
  /** A store error: if it means corruption, stop acknowledging. Returns whether it did. */
  observe(err: unknown): boolean;
}

/** For stores whose server guards its own files (PostgreSQL): always `ok`, never corrupt. */
export class NoFileIntegrity implements StoreIntegrity {
  readonly state: IntegrityState = {
    status: 'ok',
    detail: 'checked by the database server',
    checkedAt: null,
    durationMs: null,
  };
  readonly acceptsWrites = true;
  onChange(listener: (state: IntegrityState) => void): void {
    listener(this.state);
  }
  observe(): boolean {
    return false;
  }
}
