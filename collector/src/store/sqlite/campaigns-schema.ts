/**
 * Campaign tables (one migration, appended to store/sqlite/migrations.ts). A campaign's plan is its rows in
 * `campaign_items`: one per (configuration, copy); copy 1 is a planned repeat. An item is measured
 * when the platform has more than `copy` measurements with its natural key, whoever sent them.
 */
export const CAMPAIGNS_MIGRATION_SQL = `
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
    id INTEGER PRIMARY KEY,
    campaign_id TEXT NOT NULL REFERENCES campaigns(id),
    kind TEXT NOT NULL,
    natural_key TEXT NOT NULL,
    config_json TEXT NOT NULL,
    copy INTEGER NOT NULL CHECK (copy IN (0, 1)),
    -- higher is leased sooner: the plan's random order, raised for adaptive proposals
    priority REAL NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pool', 'leased', 'measured')),
    lease_id TEXT,
    leased_until_ms INTEGER,
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
    expires_at_ms INTEGER NOT NULL,
    UNIQUE (campaign_id, agent_id, request_id)
  );
  -- Campaigns look measurements up by (platform, natural key).
  CREATE INDEX measurements_platform_key ON measurements (platform_id, natural_key);
`;
