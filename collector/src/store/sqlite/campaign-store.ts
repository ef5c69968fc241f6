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
import type { Db } from './open.js';

/**
 * Campaigns in SQLite (see store/campaigns.ts). Every lease decision is one IMMEDIATE transaction,
 * which serialises it with every other writer of the file.
 */
export class SqliteCampaignStore implements CampaignRepository {
  constructor(private readonly db: Db) {}

  async create(
    id: string,
    platformId: string,
    options: CampaignOptions,
    items: readonly PlannedItem[],
  ): Promise<void> {
    const now = new Date().toISOString();
    const insertItem = this.db.prepare(
      `INSERT INTO campaign_items (campaign_id, kind, natural_key, config_json, copy, priority, state)
       VALUES (?, ?, ?, ?, ?, ?, 'pool')`,
    );
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO campaigns (id, platform_id, options_json, state, created_at, updated_at)
             VALUES (?, ?, ?, 'running', ?, ?)`,
          )
          .run(id, platformId, JSON.stringify(options), now, now);
        for (const it of items) {
          insertItem.run(id, it.kind, it.key, JSON.stringify(it.config), it.copy, it.priority);
        }
        this.syncMeasured(id, platformId);
      })
      .immediate();
  }

  async ids(filter: { platformId?: string; state?: CampaignState } = {}): Promise<string[]> {
    return this.db
      .prepare<{ p: string | null; s: string | null }, string>(
        `SELECT id FROM campaigns WHERE (@p IS NULL OR platform_id = @p) AND (@s IS NULL OR state = @s)
         ORDER BY created_at, id`,
      )
      .pluck()
      .all({ p: filter.platformId ?? null, s: filter.state ?? null });
  }

  async summary(id: string): Promise<CampaignSummary | null> {
    return this.summaryNow(id);
  }

  private summaryNow(id: string): CampaignSummary | null {
    const row = this.row(id);
    if (!row) return null;
    const options = JSON.parse(row.options_json) as CampaignOptions;
    return {
      id: row.id,
      platformId: row.platform_id,
      state: row.state,
      reason: row.reason,
      options,
      progress: this.progressNow(id, options.budget),
      errors: JSON.parse(row.errors_json) as KindErrors,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  async detail(id: string, nowMs: number): Promise<CampaignDetail | null> {
    const s = this.summaryNow(id);
    if (!s) return null;
    const kinds: Record<string, Progress> = {};
    for (const k of s.options.kinds) kinds[k] = this.progressNow(id, Number.POSITIVE_INFINITY, k);
    const leases = this.db
      .prepare<[string, number], { id: string; agent_id: string; n: number; expires_at_ms: number }>(
        `SELECT l.id, l.agent_id, l.expires_at_ms, COUNT(i.id) AS n FROM campaign_leases l
         JOIN campaign_items i ON i.lease_id = l.id AND i.state = 'leased'
         WHERE l.campaign_id = ? AND l.expires_at_ms > ? GROUP BY l.id ORDER BY l.created_at`,
      )
      .all(id, nowMs)
      .map((l) => ({
        id: l.id,
        agentId: l.agent_id,
        items: l.n,
        expiresAt: new Date(l.expires_at_ms).toISOString(),
      }));
    return { ...s, kinds, leases };
  }

  async progress(id: string, budget: number, kind?: string): Promise<Progress> {
    return this.progressNow(id, budget, kind);
  }

  private progressNow(id: string, budget: number, kind?: string): Progress {
    const rows = this.db
      .prepare<{ id: string; kind: string | null }, { state: string; n: number }>(
        `SELECT state, COUNT(*) AS n FROM campaign_items WHERE campaign_id = @id AND (@kind IS NULL OR kind = @kind)
         GROUP BY state`,
      )
      .all({ id, kind: kind ?? null });
    const count = (s: string) => rows.find((r) => r.state === s)?.n ?? 0;
    const planned = rows.reduce((a, r) => a + r.n, 0);
    const measured = count('measured');
    const leased = count('leased');
    const left = Math.max(0, Math.min(budget, planned) - measured - leased);
    return { planned, measured, leased, left };
  }

  async setState(id: string, state: CampaignState, reason: string | null): Promise<void> {
    const tx = this.db.transaction(() => {
      this.db
        .prepare('UPDATE campaigns SET state = ?, reason = ?, updated_at = ? WHERE id = ?')
        .run(state, reason, new Date().toISOString(), id);
      if (state !== 'running') {
        // Nothing more will be measured for it: free what is leased.
        this.db
          .prepare(
            `UPDATE campaign_items SET state = 'pool', lease_id = NULL, leased_until_ms = NULL
             WHERE campaign_id = ? AND state = 'leased'`,
          )
          .run(id);
      }
    });
    tx.immediate();
  }

  async setErrors(id: string, errors: KindErrors): Promise<void> {
    this.db
      .prepare('UPDATE campaigns SET errors_json = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(errors), new Date().toISOString(), id);
  }

  /**
   * Expires leases past their time (their items go back to the pool) and marks items measured whose
   * natural key the platform has more than `copy` measurements of. Returns items newly measured.
   */
  async sync(id: string, nowMs: number): Promise<number> {
    const row = this.row(id);
    if (!row) return 0;
    return this.db
      .transaction(() => {
        this.expire(id, nowMs);
        return this.syncMeasured(id, row.platform_id);
      })
      .immediate();
  }

  private expire(id: string, nowMs: number): void {
    this.db
      .prepare(
        `UPDATE campaign_items SET state = 'pool', lease_id = NULL, leased_until_ms = NULL
         WHERE campaign_id = ? AND state = 'leased' AND leased_until_ms <= ?`,
      )
      .run(id, nowMs);
  }

  private syncMeasured(id: string, platformId: string): number {
    return this.db
      .prepare(
        `UPDATE campaign_items SET state = 'measured', lease_id = NULL, leased_until_ms = NULL, measured_at = ?
         WHERE campaign_id = ? AND state != 'measured'
           AND (SELECT COUNT(*) FROM measurements m
                WHERE m.platform_id = ? AND m.natural_key = campaign_items.natural_key) > copy`,
      )
      .run(new Date().toISOString(), id, platformId).changes;
  }

  /**
   * Leases up to `max` items to an agent, within the budget, highest priority first. A repeat is
   * only leased once its first copy is measured, and not to the agent that measured it while
   * another agent is working on the campaign. A retried request (same agent and requestId) gets the
   * same lease back, with the items it still holds.
   */
  async lease(id: string, request: LeaseRequestOf): Promise<LeaseOutcome> {
    const { agentId, requestId, max, budget, ttlMs, nowMs } = request;
    const row = this.row(id);
    if (!row) throw new Error(`unknown campaign ${JSON.stringify(id)}`);
    return this.db
      .transaction((): LeaseOutcome => {
        this.expire(id, nowMs);
        this.syncMeasured(id, row.platform_id);
        const existing = this.db
          .prepare<[string, string, string], { id: string; expires_at_ms: number }>(
            'SELECT id, expires_at_ms FROM campaign_leases WHERE campaign_id = ? AND agent_id = ? AND request_id = ?',
          )
          .get(id, agentId, requestId);
        if (existing) {
          return {
            kind: 'lease',
            id: existing.id,
            expiresAtMs: existing.expires_at_ms,
            items: this.held(existing.id),
          };
        }
        const p = this.progressNow(id, budget);
        const room = Math.min(max, budget - p.measured - p.leased);
        if (room <= 0) return { kind: 'none' };
        const othersActive =
          this.db
            .prepare<[string, string, number], number>(
              'SELECT 1 FROM campaign_leases WHERE campaign_id = ? AND agent_id != ? AND expires_at_ms > ? LIMIT 1',
            )
            .pluck()
            .get(id, agentId, nowMs - ttlMs) !== undefined;
        const firstBy = this.db
          .prepare<[string, string], string>(
            'SELECT agent_id FROM measurements WHERE platform_id = ? AND natural_key = ? ORDER BY id LIMIT 1',
          )
          .pluck();
        const candidates = this.db
          .prepare<[string], { id: number; natural_key: string; config_json: string; copy: number }>(
            `SELECT id, natural_key, config_json, copy FROM campaign_items
             WHERE campaign_id = ? AND state = 'pool' ORDER BY priority DESC, id`,
          )
          .iterate(id);
        const picked: LeasedItem[] = [];
        for (const c of candidates) {
          if (picked.length >= room) break;
          if (c.copy === 1) {
            const by = firstBy.get(row.platform_id, c.natural_key);
            if (by === undefined) continue; // first copy not measured yet
            if (by === agentId && othersActive) continue; // another agent should repeat it
          }
          picked.push({
            itemId: c.id,
            key: c.natural_key,
            config: JSON.parse(c.config_json) as LayerConfig,
            repeat: c.copy === 1,
          });
        }
        if (picked.length === 0) return { kind: 'none' };
        const leaseId = `l-${randomBytes(8).toString('hex')}`;
        const expiresAtMs = nowMs + ttlMs;
        this.db
          .prepare(
            `INSERT INTO campaign_leases (id, campaign_id, agent_id, request_id, created_at, expires_at_ms)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(leaseId, id, agentId, requestId, new Date(nowMs).toISOString(), expiresAtMs);
        const take = this.db.prepare(
          `UPDATE campaign_items SET state = 'leased', lease_id = ?, leased_until_ms = ? WHERE id = ?`,
        );
        for (const it of picked) take.run(leaseId, expiresAtMs, it.itemId);
        return { kind: 'lease', id: leaseId, expiresAtMs, items: picked };
      })
      .immediate();
  }

  /** The lease's owner, or null when there is no such lease in this campaign. */
  async leaseOwner(id: string, leaseId: string): Promise<string | null> {
    return (
      this.db
        .prepare<[string, string], string>(
          'SELECT agent_id FROM campaign_leases WHERE campaign_id = ? AND id = ?',
        )
        .pluck()
        .get(id, leaseId) ?? null
    );
  }

  /** Extends the lease (a heartbeat) and says which of its items the agent still holds. */
  async renew(
    id: string,
    leaseId: string,
    ttlMs: number,
    nowMs: number,
  ): Promise<{ expiresAtMs: number; held: number[] }> {
    const row = this.row(id);
    if (!row) throw new Error(`unknown campaign ${JSON.stringify(id)}`);
    return this.db
      .transaction(() => {
        this.expire(id, nowMs);
        this.syncMeasured(id, row.platform_id);
        const expiresAtMs = nowMs + ttlMs;
        this.db
          .prepare('UPDATE campaign_leases SET expires_at_ms = ? WHERE id = ?')
          .run(expiresAtMs, leaseId);
        this.db
          .prepare(`UPDATE campaign_items SET leased_until_ms = ? WHERE lease_id = ? AND state = 'leased'`)
          .run(expiresAtMs, leaseId);
        return { expiresAtMs, held: this.held(leaseId).map((i) => i.itemId) };
      })
      .immediate();
  }

  /** Gives items of a lease back to the pool (default all it still holds). */
  async release(leaseId: string, items?: readonly number[]): Promise<number> {
    const free = this.db.prepare(
      `UPDATE campaign_items SET state = 'pool', lease_id = NULL, leased_until_ms = NULL
       WHERE lease_id = @lease AND state = 'leased' AND (@item IS NULL OR id = @item)`,
    );
    return this.db
      .transaction(() => {
        if (!items) return free.run({ lease: leaseId, item: null }).changes;
        return items.reduce((n, item) => n + free.run({ lease: leaseId, item }).changes, 0);
      })
      .immediate();
  }

  private held(leaseId: string): LeasedItem[] {
    return this.db
      .prepare<[string], { id: number; natural_key: string; config_json: string; copy: number }>(
        `SELECT id, natural_key, config_json, copy FROM campaign_items WHERE lease_id = ? AND state = 'leased' ORDER BY id`,
      )
      .all(leaseId)
      .map((c) => ({
        itemId: c.id,
        key: c.natural_key,
        config: JSON.parse(c.config_json) as LayerConfig,
        repeat: c.copy === 1,
      }));
  }

  /** Unmeasured first copies of a kind not leased now: the candidates an adaptive proposal ranks. */
  async pool(id: string, kind: string): Promise<{ itemId: number; config: LayerConfig }[]> {
    return this.db
      .prepare<[string, string], { id: number; config_json: string }>(
        `SELECT id, config_json FROM campaign_items WHERE campaign_id = ? AND kind = ? AND state = 'pool' AND copy = 0
         ORDER BY id`,
      )
      .all(id, kind)
      .map((r) => ({ itemId: r.id, config: JSON.parse(r.config_json) as LayerConfig }));
  }

  /** Raises the proposed items (in order) above everything else still in the pool. */
  async prioritise(id: string, itemIds: readonly number[]): Promise<void> {
    const top =
      (this.db
        .prepare<[string], number | null>('SELECT MAX(priority) FROM campaign_items WHERE campaign_id = ?')
        .pluck()
        .get(id) ?? 0) + 1;
    const set = this.db.prepare(
      `UPDATE campaign_items SET priority = ? WHERE id = ? AND campaign_id = ? AND state = 'pool'`,
    );
    this.db
      .transaction(() => {
        itemIds.forEach((item, rank) => {
          set.run(Math.max(top, 0) + itemIds.length - rank, item, id);
        });
      })
      .immediate();
  }

  private row(id: string): CampaignRow | undefined {
    return this.db.prepare<[string], CampaignRow>('SELECT * FROM campaigns WHERE id = ?').get(id);
  }
}
