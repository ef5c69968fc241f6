import { BOUNDS } from '@neuralpower/protocol';
import {
  type Actor,
  type AuditEntry,
  type AuditRow,
  auditEntry,
  type CurationAction,
  type CurationRepository,
  type CurationResult,
  type MeasurementSelection,
} from '../curation.js';
import type { Db } from './open.js';

const WHERE = `platform_id = @platform
  AND (@kind IS NULL OR COALESCE(model_kind, type) = @kind)
  AND (@key IS NULL OR natural_key = @key)
  AND (@agent IS NULL OR agent_id = @agent)
  AND (@before IS NULL OR started_at < @before)
  AND (@implausible = 0 OR NOT (runtime_mean_ms BETWEEN ${BOUNDS.runtimeMs.min} AND ${BOUNDS.runtimeMs.max})
       OR NOT (COALESCE(power_mean_w, 0) BETWEEN ${BOUNDS.powerW.min} AND ${BOUNDS.powerW.max}))`;

/** Operator curation in SQLite (see store/curation.ts). */
export class SqliteCurationStore implements CurationRepository {
  private readonly kindsOf;
  private readonly excludeStmt;
  private readonly includeStmt;
  private readonly deleteStmt;
  private readonly auditStmt;
  private readonly listStmt;

  constructor(private readonly db: Db) {
    this.kindsOf = db
      .prepare(
        `SELECT DISTINCT model_kind FROM measurements WHERE ${WHERE} AND model_kind IS NOT NULL
         AND (@state = 'any' OR (@state = 'used') = (excluded_at IS NULL))`,
      )
      .pluck();
    this.excludeStmt = db.prepare(
      `UPDATE measurements SET excluded_at = @now WHERE ${WHERE} AND excluded_at IS NULL`,
    );
    this.includeStmt = db.prepare(
      `UPDATE measurements SET excluded_at = NULL WHERE ${WHERE} AND excluded_at IS NOT NULL`,
    );
    this.deleteStmt = db.prepare(`DELETE FROM measurements WHERE ${WHERE}`);
    this.auditStmt = db.prepare(`
      INSERT INTO measurement_audit (at, token_id, token_name, action, platform_id, filter_json, rows, reason)
      VALUES (@now, @tokenId, @tokenName, @action, @platform, @filter, @rows, @reason)`);
    this.listStmt = db.prepare<{ platform: string | null; limit: number }, AuditRow>(
      `SELECT * FROM measurement_audit WHERE (@platform IS NULL OR platform_id = @platform) ORDER BY id DESC LIMIT @limit`,
    );
  }

  async apply(
    action: CurationAction,
    selection: MeasurementSelection,
    actor: Actor,
    reason?: string,
  ): Promise<CurationResult> {
    const now = new Date().toISOString();
    const params = {
      platform: selection.platformId,
      kind: selection.kind ?? null,
      key: selection.key ?? null,
      agent: selection.agentId ?? null,
      before: selection.before ?? null,
      implausible: selection.implausible ? 1 : 0,
    };
    return this.db
      .transaction((): CurationResult => {
        const state = action === 'exclude' ? 'used' : action === 'include' ? 'excluded' : 'any';
        const kinds = this.kindsOf.all({ ...params, state }) as string[];
        const stmt =
          action === 'exclude' ? this.excludeStmt : action === 'include' ? this.includeStmt : this.deleteStmt;
        const rows = stmt.run(action === 'exclude' ? { ...params, now } : params).changes;
        const audit = this.auditStmt.run({
          now,
          tokenId: actor.tokenId,
          tokenName: actor.tokenName,
          action,
          platform: selection.platformId,
          filter: JSON.stringify(selection),
          rows,
          reason: reason ?? null,
        });
        return { auditId: Number(audit.lastInsertRowid), action, rows, kinds: kinds.sort() };
      })
      .immediate();
  }

  /** Newest first. */
  async audit(platformId: string | null, limit = 100): Promise<AuditEntry[]> {
    return this.listStmt.all({ platform: platformId, limit }).map(auditEntry);
  }
}
