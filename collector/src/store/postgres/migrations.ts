import type pg from 'pg';

/**
 * The SQLite schema (same versions, same names) in PostgreSQL. Never edit a shipped migration:
 * append a new one, here and in the SQLite store, with the same version number.
 *
 * Translation rules, so both stores return the same values:
 * - `INTEGER PRIMARY KEY` ids are BIGSERIAL; integers that can pass 2^31 (seqs, epoch ms) BIGINT.
 *   BIGINT comes back as a JS number (see pool.ts): every value stays below 2^53.
 * - REAL is DOUBLE PRECISION (SQLite's REAL is an 8-byte float).
 * - Timestamps stay ISO-8601 text (`Date#toISOString()`), as SQLite stores them: they compare as
 *   text in time filters and come back byte for byte.
 * - JSON columns stay text: `record_json` is returned exactly as the agent's record was written;
 *   queries that look inside cast to jsonb.
 */
export interface PgMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE tokens (
        id BIGSERIAL PRIMARY KEY,
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
        token_id BIGINT REFERENCES tokens(id),
        platforms_json TEXT NOT NULL,
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        last_seq BIGINT
      );
      -- One row per committed batch, written in the batch's own transaction: the redelivery guard,
      -- across replicas too (a second replica's insert of the same key waits, then conflicts).
      CREATE TABLE batches (
        agent_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        records INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (agent_id, seq)
      );
      CREATE TABLE measurements (
        id BIGSERIAL PRIMARY KEY,
        platform_id TEXT NOT NULL REFERENCES platforms(id),
        agent_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        idx INTEGER NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('layer', 'network')),
        model_kind TEXT,
        network_name TEXT,
        natural_key TEXT NOT NULL,
        batch INTEGER NOT NULL,
        runtime_mean_ms DOUBLE PRECISION NOT NULL,
        runtime_median_ms DOUBLE PRECISION NOT NULL,
        runtime_std_ms DOUBLE PRECISION NOT NULL,
        runtime_n INTEGER NOT NULL,
        power_mean_w DOUBLE PRECISION,
        energy_mj DOUBLE PRECISION,
        started_at TEXT NOT NULL,
        ended_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        record_json TEXT NOT NULL
      );
      CREATE INDEX measurements_platform_kind ON measurements (platform_id, type, model_kind, id);
      -- Immutable: rows are inserted, never updated.
      CREATE TABLE model_versions (
        id BIGSERIAL PRIMARY KEY,
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
      );
      -- Every pointer move (fit or rollback), for the audit trail.
      CREATE TABLE pointer_moves (
        id BIGSERIAL PRIMARY KEY,
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
        measurements_at_fit BIGINT NOT NULL,
        fitted_at TEXT NOT NULL,
        PRIMARY KEY (platform_id, model_kind)
      );
    `,
  },
  {
    version: 2,
    name: 'token scopes',
    // As in SQLite: tokens made before scopes existed keep what they could do (agent + admin).
    sql: `ALTER TABLE tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'agent,admin';`,
  },
  {
    version: 3,
    name: 'measurement exclusion and its audit trail',
    sql: `
      ALTER TABLE measurements ADD COLUMN excluded_at TEXT;
      CREATE TABLE measurement_audit (
        id BIGSERIAL PRIMARY KEY,
        at TEXT NOT NULL,
        token_id BIGINT,
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
    sql: `
      ALTER TABLE measurements
        ADD COLUMN precision_clock TEXT,
        ADD COLUMN runtime_ci_low_ms DOUBLE PRECISION,
        ADD COLUMN runtime_ci_high_ms DOUBLE PRECISION,
        ADD COLUMN precision_target_rel DOUBLE PRECISION,
        ADD COLUMN precision_target_reached INTEGER,
        ADD COLUMN precision_blocks INTEGER,
        ADD COLUMN precision_runs_per_block INTEGER,
        ADD COLUMN precision_outlier_blocks INTEGER,
        ADD COLUMN sync_overhead_ms DOUBLE PRECISION,
        ADD COLUMN revisit_drift_rel DOUBLE PRECISION;
    `,
  },
  {
    version: 5,
    name: 'measurement campaigns',
    sql: `
      CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        platform_id TEXT NOT NULL REFERENCES platforms(id),
        options_json TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('running', 'stopped', 'done')),
        reason TEXT,
        errors_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE campaign_items (
        id BIGSERIAL PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        kind TEXT NOT NULL,
        natural_key TEXT NOT NULL,
        config_json TEXT NOT NULL,
        copy INTEGER NOT NULL CHECK (copy IN (0, 1)),
        priority DOUBLE PRECISION NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pool', 'leased', 'measured')),
        lease_id TEXT,
        leased_until_ms BIGINT,
        measured_at TEXT,
        UNIQUE (campaign_id, natural_key, copy)
      );
      CREATE INDEX campaign_items_next ON campaign_items (campaign_id, state, priority);
      CREATE INDEX campaign_items_lease ON campaign_items (lease_id);
      CREATE TABLE campaign_leases (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns(id),
        agent_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at_ms BIGINT NOT NULL,
        UNIQUE (campaign_id, agent_id, request_id)
      );
      CREATE INDEX measurements_platform_key ON measurements (platform_id, natural_key);
    `,
  },
  {
    version: 6,
    name: 'revisits across agent processes',
    // As in SQLite: older rows say in their record whether the revisit crossed processes.
    sql: `
      ALTER TABLE measurements ADD COLUMN revisit_across_processes INTEGER;
      UPDATE measurements SET revisit_across_processes =
        CASE WHEN (record_json::jsonb #> '{precision,revisit,acrossProcesses}') = 'true'::jsonb THEN 1 ELSE 0 END
        WHERE revisit_drift_rel IS NOT NULL;
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS[PG_MIGRATIONS.length - 1]!.version;

/** Session advisory lock key ('np' 'migr' as bytes): one migrator at a time per database. */
export const MIGRATION_LOCK_KEY = 0x6e70_6d69_6772;

export interface MigrationResult {
  /** schema version found before migrating (0 for an empty database) */
  readonly from: number;
  readonly to: number;
  /** versions this call applied; empty when another replica had already done it */
  readonly applied: readonly number[];
}

/**
 * Brings the database to PG_SCHEMA_VERSION. Replicas starting together queue on a session
 * advisory lock; the first applies the migrations (each in its own transaction), the others then
 * find them recorded and apply nothing. The lock is the session's, so a migrator that dies
 * mid-way releases it, and its unfinished migration was rolled back with its transaction.
 */
export async function migratePostgres(pool: pg.Pool): Promise<MigrationResult> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
      const found = await client.query<{ v: number | null }>(
        'SELECT MAX(version) AS v FROM schema_migrations',
      );
      const current = found.rows[0]?.v ?? 0;
      if (current > PG_SCHEMA_VERSION) {
        throw new Error(
          `database schema version ${current} is newer than this collector's ${PG_SCHEMA_VERSION}; upgrade neuralpower`,
        );
      }
      const applied: number[] = [];
      for (const m of PG_MIGRATIONS) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query(
            'INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [m.version, m.name, new Date().toISOString()],
          );
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(`PostgreSQL migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
      return { from: current, to: PG_SCHEMA_VERSION, applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => {
        broken = true;
      });
    }
  } catch (err) {
    broken = true;
    throw err;
  } finally {
    // A connection whose lock state is unknown is not given back to the pool.
    client.release(broken);
  }
}
