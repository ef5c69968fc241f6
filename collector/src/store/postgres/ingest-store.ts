import { type Hello, MAX_SEQ } from '@neuralpower/protocol';
import {
  type BatchOutcome,
  type BatchToWrite,
  countKey,
  type IngestRepository,
  type KindCounts,
  type RegisterOutcome,
  type WrittenBatches,
} from '../ingest.js';
import { type MeasurementColumns, measurementColumns } from '../measurement-row.js';
import type { PgDb, Sql } from './db.js';
import { insertMeasurements } from './measurement-insert.js';

/** Another replica bound the agent id to another token while this hello was in flight. */
class TakenMeanwhile extends Error {
  constructor(readonly boundTokenId: number) {
    super('agent id taken meanwhile');
  }
}

const byAgent = (a: BatchToWrite, b: BatchToWrite) =>
  a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;

/**
 * Agents, platforms and batches in PostgreSQL. Exactly-once across replicas rests on the primary
 * key of `batches`: a replica inserting an (agent, seq) that another replica's open transaction
 * holds waits for it, then conflicts and answers `duplicate`; nothing in process memory decides.
 */
export class PgIngestStore implements IngestRepository {
  constructor(private readonly db: PgDb) {}

  async registerAgent(hello: Hello, tokenId: number | null): Promise<RegisterOutcome> {
    const now = new Date().toISOString();
    try {
      return await this.db.tx(async (sql): Promise<RegisterOutcome> => {
        const bound = await sql.one<{ token_id: number | null; revoked: boolean }>(
          `SELECT a.token_id, t.revoked_at IS NOT NULL AS revoked
           FROM agents a LEFT JOIN tokens t ON t.id = a.token_id WHERE a.id = $1 FOR UPDATE OF a`,
          [hello.agentId],
        );
        if (bound && bound.token_id !== null && tokenId !== null && bound.token_id !== tokenId) {
          if (!bound.revoked) return { status: 'taken', boundTokenId: bound.token_id };
          await sql.run('UPDATE agents SET token_id = $1 WHERE id = $2', [tokenId, hello.agentId]);
        }
        // Rows are locked in id order, so two replicas registering overlapping platforms cannot deadlock.
        const platforms = [...hello.platforms].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        for (const p of platforms) {
          await sql.run(
            `INSERT INTO platforms (id, description, input_json, details_json, first_seen_at, last_seen_at)
             VALUES ($1, $2, $3, $4, $5, $5)
             ON CONFLICT (id) DO UPDATE SET description = excluded.description,
               details_json = COALESCE(excluded.details_json, platforms.details_json), last_seen_at = excluded.last_seen_at`,
            [
              p.id,
              p.description,
              JSON.stringify(p.input),
              p.details === undefined ? null : JSON.stringify(p.details),
              now,
            ],
          );
        }
        const row = await sql.one<{ token_id: number | null }>(
          `INSERT INTO agents (id, host, agent_version, token_id, platforms_json, first_seen_at, last_seen_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6)
           ON CONFLICT (id) DO UPDATE SET host = excluded.host, agent_version = excluded.agent_version,
             token_id = COALESCE(agents.token_id, excluded.token_id), platforms_json = excluded.platforms_json,
             last_seen_at = excluded.last_seen_at
           RETURNING token_id`,
          [
            hello.agentId,
            hello.host,
            hello.agentVersion ?? null,
            tokenId,
            JSON.stringify(hello.platforms.map((p) => p.id)),
            now,
          ],
        );
        // The row did not exist when we looked, and another replica's hello created it first.
        if (row && row.token_id !== null && tokenId !== null && row.token_id !== tokenId) {
          throw new TakenMeanwhile(row.token_id);
        }
        return { status: 'registered' };
      });
    } catch (err) {
      if (err instanceof TakenMeanwhile) return { status: 'taken', boundTokenId: err.boundTokenId };
      throw err;
    }
  }

  async lastSeq(agentId: string): Promise<number | null> {
    const row = await this.db.one<{ last: number | null }>(
      'SELECT MAX(seq) AS last FROM batches WHERE agent_id = $1 AND seq <= $2',
      [agentId, MAX_SEQ],
    );
    return row?.last ?? null;
  }

  /**
   * One transaction for the group. Batches are taken agent by agent (arrival order within an
   * agent), so overlapping groups on two replicas lock batch keys in the same order; a deadlock
   * that still happens is retried by `PgDb.tx`.
   */
  async writeBatches(batches: readonly BatchToWrite[]): Promise<WrittenBatches> {
    const order = batches.map((b, i) => ({ b, i })).sort((x, y) => byAgent(x.b, y.b));
    return this.db.tx(async (sql) => {
      const now = new Date().toISOString();
      const outcomes: BatchOutcome[] = new Array(batches.length);
      const counts: KindCounts = new Map();
      const rows: MeasurementColumns[] = [];
      const lastSeq = new Map<string, number>();
      for (const { b, i } of order) {
        outcomes[i] = await this.writeOne(sql, b, now);
        if (outcomes[i]!.status !== 'stored') continue;
        lastSeq.set(b.agentId, Math.max(lastSeq.get(b.agentId) ?? -1, b.seq));
        b.records.forEach((r, idx) => {
          const row = measurementColumns(r, b.agentId, b.seq, idx, now);
          rows.push(row);
          if (row.model_kind === null) return;
          const key = countKey(row.platform_id, row.model_kind);
          const entry = counts.get(key);
          if (entry) entry.added++;
          else counts.set(key, { platformId: row.platform_id, modelKind: row.model_kind, added: 1 });
        });
      }
      await insertMeasurements(sql, rows);
      for (const [agentId, seq] of [...lastSeq].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        await sql.run(
          'UPDATE agents SET last_seq = GREATEST(COALESCE(last_seq, -1), $1), last_seen_at = $2 WHERE id = $3',
          [seq, now, agentId],
        );
      }
      return { outcomes, counts };
    });
  }

  private async writeOne(sql: Sql, batch: BatchToWrite, now: string): Promise<BatchOutcome> {
    const seen = await sql.one<{ last: number | null; present: boolean }>(
      `SELECT (SELECT MAX(seq) FROM batches WHERE agent_id = $1 AND seq <= $3) AS last,
         EXISTS (SELECT 1 FROM batches WHERE agent_id = $1 AND seq = $2) AS present`,
      [batch.agentId, batch.seq, MAX_SEQ],
    );
    if (seen?.present) return { status: 'duplicate' };
    if (seen?.last != null && batch.seq < seen.last) return { status: 'backwards', lastSeq: seen.last };
    // Another replica may be committing the same batch right now: its key makes us wait, then conflict.
    const inserted = await sql.run(
      `INSERT INTO batches (agent_id, seq, records, received_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (agent_id, seq) DO NOTHING`,
      [batch.agentId, batch.seq, batch.records.length, now],
    );
    if (inserted === 0) return { status: 'duplicate' };
    return { status: 'stored', stored: batch.records.length };
  }
}
