import type Database from 'better-sqlite3';
import { CAMPAIGNS_MIGRATION_SQL } from './campaigns-schema.js';

/**
 * Schema migrations, applied in order inside one transaction each. Never edit a shipped migration:
 * append a new one. `schema_migrations` records which have run.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        revoked_at TEXT,
        last_used_at TEXT
      );
      CREATE TABLE platforms (
        id TEXT PRIMARY KEY,
        description TEXT NOT NULL,
        input_json TEXT NOT NULL,
        details_json TEXT,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL
      );
      CREATE TABLE agents (
        id TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        agent_version TEXT,
        token_id INTEGER REFERENCES tokens(id),
        platforms_json TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        last_seq INTEGER
      );
      -- One row per committed batch, written in the batch's own transaction: the redelivery guard.
      CREATE TABLE batches (
        agent_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        records INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, seq)
      ) WITHOUT ROWID;
      CREATE TABLE measurements (
        id INTEGER PRIMARY KEY,
        platform_id TEXT NOT NULL REFERENCES platforms(id),
        agent_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('layer', 'network')),
        model_kind TEXT,
        network_name TEXT,
        natural_key TEXT NOT NULL,
        batch INTEGER NOT NULL,
        runtime_mean_ms REAL NOT NULL,
        runtime_median_ms REAL NOT NULL,
        runtime_std_ms REAL NOT NULL,
        runtime_n INTEGER NOT NULL,
        power_mean_w REAL,
        energy_mj REAL,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        record_json TEXT NOT NULL
      );
      CREATE INDEX measurements_platform_kind ON measurements (platform_id, type, model_kind, id);
      -- Immutable: rows are inserted, never updated.
      CREATE TABLE model_versions (
        id INTEGER PRIMARY KEY,
        platform_id TEXT NOT NULL REFERENCES platforms(id),
        model_kind TEXT NOT NULL,
        target TEXT NOT NULL CHECK (target IN ('runtime', 'power')),
        version INTEGER NOT NULL,
        parent_version INTEGER,
        created_at TEXT NOT NULL,
        training_rows INTEGER NOT NULL,
        training_set_hash TEXT NOT NULL,
        report_json TEXT NOT NULL,
        model_json TEXT NOT NULL,
        UNIQUE (platform_id, version)
      );
      CREATE INDEX model_versions_lookup ON model_versions (platform_id, model_kind, target, version);
      CREATE TABLE current_models (
        platform_id TEXT NOT NULL,
        model_kind TEXT NOT NULL,
        target TEXT NOT NULL,
        version INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (platform_id, model_kind, target)
      ) WITHOUT ROWID;
      -- Every pointer move (fit or rollback), for the audit trail.
      CREATE TABLE pointer_moves (
        id INTEGER PRIMARY KEY,
        platform_id TEXT NOT NULL,
        model_kind TEXT NOT NULL,
        target TEXT NOT NULL,
        from_version INTEGER,
        to_version INTEGER NOT NULL,
        reason TEXT NOT NULL,
        moved_at TEXT NOT NULL
      );
      -- Measurement count of each (platform, kind) when it was last fitted: drives --fit-every.
      CREATE TABLE fit_state (
        platform_id TEXT NOT NULL,
        model_kind TEXT NOT NULL,
        measurements_at_fit INTEGER NOT NULL,
        fitted_at TEXT NOT NULL,
        PRIMARY KEY (platform_id, model_kind)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    name: 'token scopes',
    // Tokens made before scopes existed could ingest and fit/roll back (reads needed none): they
    // keep exactly that as agent + admin. Narrower tokens: create new ones, revoke the old.
    sql: `ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'agent,admin';`,
  },
  {
    version: 3,
    name: 'measurement exclusion and its audit trail',
    sql: `
      -- Set when an operator excludes the row: fits, exports and validation leave it out.
      ALTER TABLE measurements ADD COLUMN excluded_at TEXT;
      -- Every exclude / include / delete of measurements: who, when, which rows, how many.
      CREATE TABLE measurement_audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        token_id INTEGER,
        token_name TEXT NOT NULL,
        action TEXT NOT NULL CHECK (action IN ('exclude', 'include', 'delete')),
        platform_id TEXT NOT NULL,
        filter_json TEXT NOT NULL,
        rows INTEGER NOT NULL,
        reason TEXT
      );
    `,
  },
  {
    version: 4,
    name: 'measurement precision (block timing protocol)',
    // NULL on rows timed run by run (older agents): they carry no interval.
    sql: `
      ALTER TABLE measurements ADD COLUMN precision_clock TEXT;
      ALTER TABLE measurements ADD COLUMN runtime_ci_low_ms REAL;
      ALTER TABLE measurements ADD COLUMN runtime_ci_high_ms REAL;
      ALTER TABLE measurements ADD COLUMN precision_target_rel REAL;
      ALTER TABLE measurements ADD COLUMN precision_target_reached INTEGER;
      ALTER TABLE measurements ADD COLUMN precision_blocks INTEGER;
      ALTER TABLE measurements ADD COLUMN precision_runs_per_block INTEGER;
      ALTER TABLE measurements ADD COLUMN precision_outlier_blocks INTEGER;
      ALTER TABLE measurements ADD COLUMN sync_overhead_ms REAL;
      ALTER TABLE measurements ADD COLUMN revisit_drift_rel REAL;
    `,
  },
  { version: 5, name: 'measurement campaigns', sql: CAMPAIGNS_MIGRATION_SQL },
  {
    version: 6,
    name: 'revisits across agent processes',
    // Drift between two agent processes (a resumed sweep) is summarised apart from drift within one
    // run. Rows stored before this column existed say which they were in their record.
    sql: `
      ALTER TABLE measurements ADD COLUMN revisit_across_processes INTEGER;
      UPDATE measurements SET revisit_across_processes =
        CASE WHEN json_extract(record_json, '$.precision.revisit.acrossProcesses') = 1 THEN 1 ELSE 0 END
        WHERE revisit_drift_rel IS NOT NULL;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const applied = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = applied.v ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `database schema version ${current} is newer than this collector's ${SCHEMA_VERSION}; upgrade neuralpower`,
    );
  }
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}
