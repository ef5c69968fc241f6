import { randomBytes } from 'node:crypto';
import type { LayerConfig } from '@neuralpower/core';
import type { CampaignState } from '@neuralpower/protocol';
import type { CampaignOptions } from '../../campaigns/options.js';
import type { PlannedItem } from '../../campaigns/plan.js';
import type {
  CampaignDetail,
  CampaignRepository,
  CampaignRow,
  CampaignSummary,
  KindErrors,
  LeasedItem,
  LeaseOutcome,
  LeaseRequestOf,
  Progress,
} from '../campaigns.js';
import type { PgDb, Sql } from './db.js';

interface ItemRow {
  id: number;
  natural_key: string;
  config_json: string;
  copy: number;
}

const leased = (c: ItemRow): LeasedItem => ({
  itemId: c.id,
  key: c.natural_key,
  config: JSON.parse(c.config_json) as LayerConfig,
  repeat: c.copy === 1,
});

/**
 * Campaigns in PostgreSQL. Every decision that reads and then changes a campaign's items (lease,
 * renew, sync, release, state, priorities) first locks the campaign's row (`FOR UPDATE`): lease
 * decisions of one campaign run one at a time across replicas — the budget is per campaign, so
 * they must — while campaigns do not wait for each other. Under READ COMMITTED each statement after
 * the lock sees what the previous holder committed.
 */
export class PgCampaignStore implements CampaignRepository {
  constructor(private readonly db: PgDb) {}

  async create(
    id: string,
    platformId: string,
    options: CampaignOptions,
    items: readonly PlannedItem[],
  ): Promise<void> {
    const now = new Date().toISOString();
    await this.db.tx(async (sql) => {
      await sql.run(
        `INSERT INTO campaigns (id, platform_id, options_json, state, created_at, updated_at)
         VALUES ($1, $2, $3, 'running', $4, $4)`,
        [id, platformId, JSON.stringify(options), now],
      );
      // The whole plan in one statement, whatever its size.
      await sql.run(
        `INSERT INTO campaign_items (campaign_id, kind, natural_key, config_json, copy, priority, state)
         SELECT $1, kind, natural_key, config_json, copy, priority, 'pool'
         FROM unnest($2::text[], $3::text[], $4::text[], $5::int4[], $6::float8[])
           AS t(kind, natural_key, config_json, copy, priority)`,
        [
          id,
          items.map((it) => it.kind),
          items.map((it) => it.key),
          items.map((it) => JSON.stringify(it.config)),
          items.map((it) => it.copy),
          items.map((it) => it.priority),
        ],
      );
      await this.syncMeasured(sql, id, platformId);
    });
  }

  async ids(filter: { platformId?: string; state?: CampaignState } = {}): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      `SELECT id FROM campaigns WHERE ($1::text IS NULL OR platform_id = $1) AND ($2::text IS NULL OR state = $2)
       ORDER BY created_at COLLATE "C", id COLLATE "C"`,
      [filter.platformId ?? null, filter.state ?? null],
    );
    return rows.map((r) => r.id);
  }

  async summary(id: string): Promise<CampaignSummary | null> {
    const row = await this.db.one<CampaignRow>('SELECT * FROM campaigns WHERE id = $1', [id]);
    if (!row) return null;
    const options = JSON.parse(row.options_json) as CampaignOptions;
    return {
      id: row.id,
      platformId: row.platform_id,
      state: row.state,
      reason: row.reason,
      options,
      progress: await this.progressOn(this.db, id, options.budget),
      errors: JSON.parse(row.errors_json) as KindErrors,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async detail(id: string, nowMs: number): Promise<CampaignDetail | null> {
    const s = await this.summary(id);
    if (!s) return null;
    const kinds: Record<string, Progress> = {};
    for (const k of s.options.kinds)
      kinds[k] = await this.progressOn(this.db, id, Number.POSITIVE_INFINITY, k);
    const leases = await this.db.rows<{ id: string; agent_id: string; n: number; expires_at_ms: number }>(
      `SELECT l.id, l.agent_id, l.expires_at_ms, COUNT(i.id) AS n FROM campaign_leases l
       JOIN campaign_items i ON i.lease_id = l.id AND i.state = 'leased'
       WHERE l.campaign_id = $1 AND l.expires_at_ms > $2 GROUP BY l.id ORDER BY l.created_at COLLATE "C"`,
      [id, nowMs],
    );
    return {
      ...s,
      kinds,
      leases: leases.map((l) => ({
        id: l.id,
        agentId: l.agent_id,
        items: l.n,
        expiresAt: new Date(l.expires_at_ms).toISOString(),
      })),
    };
  }

  progress(id: string, budget: number, kind?: string): Promise<Progress> {
    return this.progressOn(this.db, id, budget, kind);
  }

  private async progressOn(sql: Sql, id: string, budget: number, kind?: string): Promise<Progress> {
    const rows = await sql.rows<{ state: string; n: number }>(
      `SELECT state, COUNT(*) AS n FROM campaign_items WHERE campaign_id = $1 AND ($2::text IS NULL OR kind = $2)
       GROUP BY state`,
      [id, kind ?? null],
    );
    const count = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
    const planned = rows.reduce((a, r) => a + r.n, 0);
    const measured = count('measured');
    const leasedNow = count('leased');
    const left = Math.max(0, Math.min(budget, planned) - measured - leasedNow);
    return { planned, measured, leased: leasedNow, left };
  }

  async setState(id: string, state: CampaignState, reason: string | null): Promise<void> {
    await this.db.tx(async (sql) => {
      if (!(await this.lock(sql, id))) return;
      await sql.run('UPDATE campaigns SET state = $1, reason = $2, updated_at = $3 WHERE id = $4', [
        state,
        reason,
        new Date().toISOString(),
        id,
      ]);
      if (state !== 'running') {
        // Nothing more will be measured for it: free what is leased.
        await sql.run(
          `UPDATE campaign_items SET state = 'pool', lease_id = NULL, leased_until_ms = NULL
           WHERE campaign_id = $1 AND state = 'leased'`,
          [id],
        );
      }
    });
  }

  async setErrors(id: string, errors: KindErrors): Promise<void> {
    await this.db.run('UPDATE campaigns SET errors_json = $1, updated_at = $2 WHERE id = $3', [
      JSON.stringify(errors),
      new Date().toISOString(),
      id,
    ]);
  }

  async sync(id: string, nowMs: number): Promise<number> {
    return this.db.tx(async (sql) => {
      const platformId = await this.lock(sql, id);
      if (platformId === null) return 0;
      await this.expire(sql, id, nowMs);
      return this.syncMeasured(sql, id, platformId);
    });
  }

  /** Locks the campaign's row for the rest of the transaction; its platform, or null if there is no such campaign. */
  private async lock(sql: Sql, id: string): Promise<string | null> {
    const row = await sql.one<{ platform_id: string }>(
      'SELECT platform_id FROM campaigns WHERE id = $1 FOR UPDATE',
      [id],
    );
    return row?.platform_id ?? null;
  }

  private async expire(sql: Sql, id: string, nowMs: number): Promise<void> {
    await sql.run(
      `UPDATE campaign_items SET state = 'pool', lease_id = NULL, leased_until_ms = NULL
       WHERE campaign_id = $1 AND state = 'leased' AND leased_until_ms <= $2`,
      [id, nowMs],
    );
  }

  private syncMeasured(sql: Sql, id: string, platformId: string): Promise<number> {
    return sql.run(
      `UPDATE campaign_items SET state = 'measured', lease_id = NULL, leased_until_ms = NULL, measured_at = $1
       WHERE campaign_id = $2 AND state != 'measured'
         AND (SELECT COUNT(*) FROM measurements m
              WHERE m.platform_id = $3 AND m.natural_key = campaign_items.natural_key) > copy`,
      [new Date().toISOString(), id, platformId],
    );
  }

  async lease(id: string, request: LeaseRequestOf): Promise<LeaseOutcome> {
    const { agentId, requestId, max, budget, ttlMs, nowMs } = request;
    return this.db.tx(async (sql): Promise<LeaseOutcome> => {
      const platformId = await this.lock(sql, id);
      if (platformId === null) throw new Error(`unknown campaign ${JSON.stringify(id)}`);
      await this.expire(sql, id, nowMs);
      await this.syncMeasured(sql, id, platformId);
      const existing = await sql.one<{ id: string; expires_at_ms: number }>(
        'SELECT id, expires_at_ms FROM campaign_leases WHERE campaign_id = $1 AND agent_id = $2 AND request_id = $3',
        [id, agentId, requestId],
      );
      if (existing) {
        return {
          kind: 'lease',
          id: existing.id,
          expiresAtMs: existing.expires_at_ms,
          items: await this.held(sql, existing.id),
        };
      }
      const p = await this.progressOn(sql, id, budget);
      const room = Math.min(max, budget - p.measured - p.leased);
      if (room <= 0) return { kind: 'none' };
      const othersActive =
        (await sql.one(
          'SELECT 1 FROM campaign_leases WHERE campaign_id = $1 AND agent_id != $2 AND expires_at_ms > $3 LIMIT 1',
          [id, agentId, nowMs - ttlMs],
        )) !== null;
      // A repeat's first measurer comes with it: the agent of the platform's oldest row with the key.
      const candidates = await sql.rows<ItemRow & { first_by: string | null }>(
        `SELECT i.id, i.natural_key, i.config_json, i.copy,
           CASE WHEN i.copy = 1 THEN (SELECT m.agent_id FROM measurements m
             WHERE m.platform_id = $2 AND m.natural_key = i.natural_key ORDER BY m.id LIMIT 1) END AS first_by
         FROM campaign_items i WHERE i.campaign_id = $1 AND i.state = 'pool' ORDER BY i.priority DESC, i.id`,
        [id, platformId],
      );
      const picked: LeasedItem[] = [];
      for (const c of candidates) {
        if (picked.length >= room) break;
        if (c.copy === 1) {
          if (c.first_by === null) continue; // first copy not measured yet
          if (c.first_by === agentId && othersActive) continue; // another agent should repeat it
        }
        picked.push(leased(c));
      }
      if (picked.length === 0) return { kind: 'none' };
      const leaseId = `l-${randomBytes(8).toString('hex')}`;
      const expiresAtMs = nowMs + ttlMs;
      await sql.run(
        `INSERT INTO campaign_leases (id, campaign_id, agent_id, request_id, created_at, expires_at_ms)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [leaseId, id, agentId, requestId, new Date(nowMs).toISOString(), expiresAtMs],
      );
      await sql.run(
        `UPDATE campaign_items SET state = 'leased', lease_id = $1, leased_until_ms = $2 WHERE id = ANY($3::int8[])`,
        [leaseId, expiresAtMs, picked.map((it) => it.itemId)],
      );
      return { kind: 'lease', id: leaseId, expiresAtMs, items: picked };
    });
  }

  async leaseOwner(id: string, leaseId: string): Promise<string | null> {
    const row = await this.db.one<{ agent_id: string }>(
      'SELECT agent_id FROM campaign_leases WHERE campaign_id = $1 AND id = $2',
      [id, leaseId],
    );
    return row?.agent_id ?? null;
  }

  async renew(
    id: string,
    leaseId: string,
    ttlMs: number,
    nowMs: number,
  ): Promise<{ expiresAtMs: number; held: number[] }> {
    return this.db.tx(async (sql) => {
      const platformId = await this.lock(sql, id);
      if (platformId === null) throw new Error(`unknown campaign ${JSON.stringify(id)}`);
      await this.expire(sql, id, nowMs);
      await this.syncMeasured(sql, id, platformId);
      const expiresAtMs = nowMs + ttlMs;
      await sql.run('UPDATE campaign_leases SET expires_at_ms = $1 WHERE id = $2', [expiresAtMs, leaseId]);
      await sql.run(
        `UPDATE campaign_items SET leased_until_ms = $1 WHERE lease_id = $2 AND state = 'leased'`,
        [expiresAtMs, leaseId],
      );
      return { expiresAtMs, held: (await this.held(sql, leaseId)).map((i) => i.itemId) };
    });
  }

  async release(leaseId: string, items?: readonly number[]): Promise<number> {
    return this.db.tx(async (sql) => {
      const lease = await sql.one<{ campaign_id: string }>(
        'SELECT campaign_id FROM campaign_leases WHERE id = $1',
        [leaseId],
      );
      if (lease) await this.lock(sql, lease.campaign_id);
      return sql.run(
        `UPDATE campaign_items SET state = 'pool', lease_id = NULL, leased_until_ms = NULL
         WHERE lease_id = $1 AND state = 'leased' AND ($2::int8[] IS NULL OR id = ANY($2::int8[]))`,
        [leaseId, items ? [...items] : null],
      );
    });
  }

  private async held(sql: Sql, leaseId: string): Promise<LeasedItem[]> {
    const rows = await sql.rows<ItemRow>(
      `SELECT id, natural_key, config_json, copy FROM campaign_items WHERE lease_id = $1 AND state = 'leased' ORDER BY id`,
      [leaseId],
    );
    return rows.map(leased);
  }

  async pool(id: string, kind: string): Promise<{ itemId: number; config: LayerConfig }[]> {
    const rows = await this.db.rows<{ id: number; config_json: string }>(
      `SELECT id, config_json FROM campaign_items WHERE campaign_id = $1 AND kind = $2 AND state = 'pool' AND copy = 0
       ORDER BY id`,
      [id, kind],
    );
    return rows.map((r) => ({ itemId: r.id, config: JSON.parse(r.config_json) as LayerConfig }));
  }

  async prioritise(id: string, itemIds: readonly number[]): Promise<void> {
    await this.db.tx(async (sql) => {
      if ((await this.lock(sql, id)) === null) return;
      const max = await sql.one<{ top: number | null }>(
        'SELECT MAX(priority) AS top FROM campaign_items WHERE campaign_id = $1',
        [id],
      );
      const top = (max?.top ?? 0) + 1;
      // Ranks as in SQLite: the first item highest, all above the old maximum.
      await sql.run(
        `UPDATE campaign_items i SET priority = t.priority
         FROM unnest($1::int8[], $2::float8[]) AS t(id, priority)
         WHERE i.id = t.id AND i.campaign_id = $3 AND i.state = 'pool'`,
        [itemIds, itemIds.map((_, rank) => Math.max(top, 0) + itemIds.length - rank), id],
      );
    });
  }
}
