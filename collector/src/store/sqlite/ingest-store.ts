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
import { MEASUREMENT_COLUMNS, measurementColumns } from '../measurement-row.js';
import type { Db } from './open.js';

/** Writes agents, platforms and measurement batches. Every statement is prepared once. */
export class SqliteIngestStore implements IngestRepository {
  private readonly upsertPlatform;
  private readonly upsertAgent;
  private readonly agentBinding;
  private readonly rebindAgent;
  private readonly batchExists;
  private readonly maxSeq;
  private readonly insertBatch;
  private readonly insertMeasurement;
  private readonly setAgentSeq;
  private readonly writeMany;

  constructor(private readonly db: Db) {
    this.upsertPlatform = db.prepare(`
      INSERT INTO platforms (id, description, input_json, details_json, first_seen_at, last_seen_at)
      VALUES (@id, @description, @input, @details, @now, @now)
      ON CONFLICT (id) DO UPDATE SET description = excluded.description,
        details_json = COALESCE(excluded.details_json, platforms.details_json), last_seen_at = excluded.last_seen_at`);
    this.upsertAgent = db.prepare(`
      INSERT INTO agents (id, host, agent_version, token_id, platforms_json, first_seen_at, last_seen_at)
      VALUES (@id, @host, @version, @tokenId, @platforms, @now, @now)
      ON CONFLICT (id) DO UPDATE SET host = excluded.host, agent_version = excluded.agent_version,
        token_id = COALESCE(agents.token_id, excluded.token_id), platforms_json = excluded.platforms_json, last_seen_at = excluded.last_seen_at`);
    this.agentBinding = db.prepare<[string], { tokenId: number | null; revoked: number | null }>(`
      SELECT a.token_id AS tokenId, t.revoked_at IS NOT NULL AS revoked
      FROM agents a LEFT JOIN tokens t ON t.id = a.token_id WHERE a.id = ?`);
    this.rebindAgent = db.prepare('UPDATE agents SET token_id = ? WHERE id = ?');
    this.batchExists = db.prepare('SELECT 1 FROM batches WHERE agent_id = ? AND seq = ?').pluck();
    // Seqs above MAX_SEQ can only be in a database written before the bound existed (e.g. a
    // forged 2^53-1): they do not count, so the agent whose id it was can carry on.
    this.maxSeq = db.prepare(`SELECT MAX(seq) FROM batches WHERE agent_id = ? AND seq <= ${MAX_SEQ}`).pluck();
    this.insertBatch = db.prepare(
      'INSERT INTO batches (agent_id, seq, records, received_at) VALUES (?, ?, ?, ?)',
    );
    this.insertMeasurement = db.prepare(
      `INSERT INTO measurements (${MEASUREMENT_COLUMNS.join(', ')}) VALUES (${MEASUREMENT_COLUMNS.map((c) => `@${c}`).join(', ')})`,
    );
    this.setAgentSeq = db.prepare(
      'UPDATE agents SET last_seq = MAX(COALESCE(last_seq, -1), ?), last_seen_at = ? WHERE id = ?',
    );
    this.writeMany = db.transaction((batches: readonly BatchToWrite[], counts: KindCounts): BatchOutcome[] =>
      batches.map((b) => this.writeOne(b, counts)),
    );
  }

  /**
   * Records the agent and its platforms (on `hello`), unless the agent id belongs to another token
   * (then nothing is written). An id whose token was revoked passes to the next token that says
   * hello with it: that is how an operator replaces a leaked agent token.
   */
  async registerAgent(hello: Hello, tokenId: number | null): Promise<RegisterOutcome> {
    const now = new Date().toISOString();
    return this.db
      .transaction((): RegisterOutcome => {
        const bound = this.agentBinding.get(hello.agentId);
        if (bound && bound.tokenId !== null && tokenId !== null && bound.tokenId !== tokenId) {
          if (!bound.revoked) return { status: 'taken', boundTokenId: bound.tokenId };
          this.rebindAgent.run(tokenId, hello.agentId);
        }
        for (const p of hello.platforms) {
          this.upsertPlatform.run({
            id: p.id,
            description: p.description,
            input: JSON.stringify(p.input),
            details: p.details === undefined ? null : JSON.stringify(p.details),
            now,
          });
        }
        this.upsertAgent.run({
          id: hello.agentId,
          host: hello.host,
          version: hello.agentVersion ?? null,
          tokenId,
          platforms: JSON.stringify(hello.platforms.map((p) => p.id)),
          now,
        });
        return { status: 'registered' };
      })
      .immediate();
  }

  async lastSeq(agentId: string): Promise<number | null> {
    return (this.maxSeq.get(agentId) as number | null | undefined) ?? null;
  }

  /**
   * Writes several batches in ONE transaction (group commit: one fsync for all batches that
   * arrived together). Each batch is still all-or-nothing: it is checked before any of its rows
   * are written, and a SQLite failure rolls the whole group back, so no batch is half-written.
   */
  async writeBatches(batches: readonly BatchToWrite[]): Promise<WrittenBatches> {
    const counts: KindCounts = new Map();
    const outcomes = this.writeMany.immediate(batches, counts);
    return { outcomes, counts };
  }

  private writeOne(batch: BatchToWrite, counts: KindCounts): BatchOutcome {
    if (this.batchExists.get(batch.agentId, batch.seq) !== undefined) return { status: 'duplicate' };
    const last = this.maxSeq.get(batch.agentId) as number | null;
    if (last !== null && batch.seq < last) return { status: 'backwards', lastSeq: last };
    const now = new Date().toISOString();
    this.insertBatch.run(batch.agentId, batch.seq, batch.records.length, now);
    batch.records.forEach((r, idx) => {
      const row = measurementColumns(r, batch.agentId, batch.seq, idx, now);
      this.insertMeasurement.run(row);
      if (row.model_kind !== null) {
        const key = countKey(row.platform_id, row.model_kind);
        const entry = counts.get(key);
        if (entry) entry.added++;
        else counts.set(key, { platformId: row.platform_id, modelKind: row.model_kind, added: 1 });
      }
    });
    this.setAgentSeq.run(batch.seq, now, batch.agentId);
    return { status: 'stored', stored: batch.records.length };
  }
}
