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
import type { PgDb } from './db.js';

/** $1 platform, $2 kind, $3 natural key, $4 agent, $5 before, $6 implausible only. */
const WHERE = `platform_id = $1
  AND ($2::text IS NULL OR COALESCE(model_kind, type) = $2)
  AND ($3::text IS NULL OR natural_key = $3)
  AND ($4::text IS NULL OR agent_id = $4)
  AND ($5::text IS NULL OR started_at < $5)
  AND (NOT $6::boolean OR NOT (runtime_mean_ms BETWEEN ${BOUNDS.runtimeMs.min} AND ${BOUNDS.runtimeMs.max})
       OR NOT (COALESCE(power_mean_w, 0) BETWEEN ${BOUNDS.powerW.min} AND ${BOUNDS.powerW.max}))`;

const STATE_FILTER = {
  exclude: 'AND excluded_at IS NULL',
  include: 'AND excluded_at IS NOT NULL',
  delete: '',
} as const satisfies Record<CurationAction, string>;

/** Operator curation in PostgreSQL: each action and its audit row in one transaction. */
export class PgCurationStore implements CurationRepository {
  constructor(private readonly db: PgDb) {}

  apply(
    action: CurationAction,
    selection: MeasurementSelection,
    actor: Actor,
    reason?: string,
  ): Promise<CurationResult> {
    const params = [
      selection.platformId,
      selection.kind ?? null,
      selection.key ?? null,
      selection.agentId ?? null,
      selection.before ?? null,
      selection.implausible === true,
    ];
    const now = new Date().toISOString();
    return this.db.tx(async (sql): Promise<CurationResult> => {
      const kinds = await sql.rows<{ model_kind: string }>(
        `SELECT DISTINCT model_kind COLLATE "C" AS model_kind FROM measurements
         WHERE ${WHERE} AND model_kind IS NOT NULL ${STATE_FILTER[action]} ORDER BY 1`,
        params,
      );
      const rows =
        action === 'exclude'
          ? await sql.run(`UPDATE measurements SET excluded_at = $7 WHERE ${WHERE} ${STATE_FILTER.exclude}`, [
              ...params,
              now,
            ])
          : action === 'include'
            ? await sql.run(
                `UPDATE measurements SET excluded_at = NULL WHERE ${WHERE} ${STATE_FILTER.include}`,
                params,
              )
            : await sql.run(`DELETE FROM measurements WHERE ${WHERE}`, params);
      const audit = await sql.one<{ id: number }>(
        `INSERT INTO measurement_audit (at, token_id, token_name, action, platform_id, filter_json, rows, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
        [
          now,
          actor.tokenId,
          actor.tokenName,
          action,
          selection.platformId,
          JSON.stringify(selection),
          rows,
          reason ?? null,
        ],
      );
      return { auditId: audit!.id, action, rows, kinds: kinds.map((k) => k.model_kind) };
    });
  }

  async audit(platformId: string | null, limit = 100): Promise<AuditEntry[]> {
    const rows = await this.db.rows<AuditRow>(
      'SELECT * FROM measurement_audit WHERE ($1::text IS NULL OR platform_id = $1) ORDER BY id DESC LIMIT $2',
      [platformId, limit],
    );
    return rows.map(auditEntry);
  }
}
