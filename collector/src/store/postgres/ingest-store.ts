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
import type { PgDb } from './db.js';
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
   * One transaction and a fixed number of statements for the whole group, however many batches
   * it holds (each statement is a round trip to the server):
   * 1. what the database has committed for each (agent, seq) and each agent's highest seq;
   * 2. the outcome of each batch in arrival order, as SQLite decides it (an earlier batch of the
   *    group counts as stored);
   * 3. the new batch rows in (agent, seq) order, ON CONFLICT DO NOTHING: a row another replica
   *    committed meanwhile is not returned, and its batch is a duplicate;
   * 4. the measurements of the batches inserted; 5. agents.last_seq, rows locked in id order.
   * Keys are taken in one order on every replica, so overlapping groups wait rather than deadlock;
   * a deadlock that still happens is retried by `PgDb.tx`.
   */
  async writeBatches(batches: readonly BatchToWrite[]): Promise<WrittenBatches> {
    if (batches.length === 0) return { outcomes: [], counts: new Map() };
    return this.db.tx(async (sql) => {
      const now = new Date().toISOString();
      const committed = await sql.rows<{ i: number; present: boolean; last: number | null }>(
        `SELECT q.i,
           EXISTS (SELECT 1 FROM batches b WHERE b.agent_id = q.agent_id AND b.seq = q.seq) AS present,
           (SELECT MAX(b.seq) FROM batches b WHERE b.agent_id = q.agent_id AND b.seq <= $3) AS last
         FROM unnest($1::text[], $2::int8[]) WITH ORDINALITY AS q(agent_id, seq, i)`,
        [batches.map((b) => b.agentId), batches.map((b) => b.seq), MAX_SEQ],
      );
      const outcomes: BatchOutcome[] = new Array(batches.length);
      const lastOf = new Map<string, number | null>();
      const taken = new Set<string>();
      const candidates: number[] = [];
      for (const row of committed.sort((x, y) => x.i - y.i)) {
        const index = row.i - 1;
        const b = batches[index]!;
        const key = `${b.agentId}\u0000${b.seq}`;
        if (!lastOf.has(b.agentId)) lastOf.set(b.agentId, row.last);
        const last = lastOf.get(b.agentId) ?? null;
        if (row.present || taken.has(key)) outcomes[index] = { status: 'duplicate' };
        else if (last !== null && b.seq < last) outcomes[index] = { status: 'backwards', lastSeq: last };
        else {
          taken.add(key);
          candidates.push(index);
          if (b.seq <= MAX_SEQ) lastOf.set(b.agentId, Math.max(last ?? -1, b.seq));
        }
      }
      const ordered = [...candidates].sort(
        (x, y) => byAgent(batches[x]!, batches[y]!) || batches[x]!.seq - batches[y]!.seq,
      );
      // Another replica may be committing the same batch right now: its key makes us wait, then conflict.
      const inserted = await sql.rows<{ agent_id: string; seq: number }>(
        `INSERT INTO batches (agent_id, seq, records, received_at)
         SELECT agent_id, seq, records, $4 FROM unnest($1::text[], $2::int8[], $3::int4[]) AS t(agent_id, seq, records)
         ON CONFLICT (agent_id, seq) DO NOTHING
         RETURNING agent_id, seq`,
        [
          ordered.map((i) => batches[i]!.agentId),
          ordered.map((i) => batches[i]!.seq),
          ordered.map((i) => batches[i]!.records.length),
          now,
        ],
      );
      const stored = new Set(inserted.map((r) => `${r.agent_id}\u0000${r.seq}`));
      const counts: KindCounts = new Map();
      const rows: MeasurementColumns[] = [];
      const lastSeq = new Map<string, number>();
      for (const index of candidates) {
        const b = batches[index]!;
        if (!stored.has(`${b.agentId}\u0000${b.seq}`)) {
          outcomes[index] = { status: 'duplicate' };
          continue;
        }
        outcomes[index] = { status: 'stored', stored: b.records.length };
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
      if (lastSeq.size > 0) {
        const agents = [...lastSeq.keys()].sort();
        await sql.run(
          `WITH u AS (SELECT * FROM unnest($1::text[], $2::int8[]) AS u(id, seq)),
             locked AS (SELECT a.id FROM agents a JOIN u ON u.id = a.id ORDER BY a.id FOR UPDATE OF a)
           UPDATE agents a SET last_seq = GREATEST(COALESCE(a.last_seq, -1), u.seq), last_seen_at = $3
           FROM u WHERE a.id = u.id AND a.id IN (SELECT id FROM locked)`,
          [agents, agents.map((id) => lastSeq.get(id)!), now],
        );
      }
      return { outcomes, counts };
    });
  }
}
