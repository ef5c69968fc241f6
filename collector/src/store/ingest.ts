import type { Hello, MeasurementRecord } from '@neuralpower/protocol';

export interface BatchToWrite {
  readonly agentId: string;
  readonly seq: number;
  readonly records: readonly MeasurementRecord[];
}

export type BatchOutcome =
  | { readonly status: 'stored'; readonly stored: number }
  | { readonly status: 'duplicate' }
  | { readonly status: 'backwards'; readonly lastSeq: number };

/**
 * `hello` binds an agent id to the token that first registered it: seqs are per agent id, so a
 * second token claiming the id could commit a seq the real agent cannot continue from.
 */
export type RegisterOutcome =
  | { readonly status: 'registered' }
  | { readonly status: 'taken'; readonly boundTokenId: number };

/** Per (platform, model kind) how many layer records a commit added; feeds the fit scheduler. */
export type KindCounts = Map<string, { platformId: string; modelKind: string; added: number }>;

export interface WrittenBatches {
  /** one per batch, in order */
  readonly outcomes: readonly BatchOutcome[];
  /** layer records added per (platform, kind) by the batches stored */
  readonly counts: KindCounts;
}

/**
 * Agents, platforms and measurement batches (tables `agents`, `platforms`, `batches`,
 * `measurements`). Exactly-once rests on the database, never on process memory: a batch is
 * (agent, seq); `batches` has PRIMARY KEY (agent_id, seq), so a resent batch — to this replica or
 * another — is recognised as a duplicate in the transaction that would store it.
 */
export interface IngestRepository {
  /**
   * Records the agent and its platforms (on `hello`), unless the agent id belongs to another
   * unrevoked token (then nothing is written). One transaction.
   */
  registerAgent(hello: Hello, tokenId: number | null): Promise<RegisterOutcome>;
  /** Highest committed seq of the agent (≤ MAX_SEQ), or null. */
  lastSeq(agentId: string): Promise<number | null>;
  /**
   * Writes several batches in ONE transaction (group commit). Per batch: an existing (agent, seq)
   * → `duplicate`; a seq below the agent's highest → `backwards`; else its batch row, its
   * measurements (store/measurement-row.ts) and agents.last_seq. Any failure rolls the whole
   * group back and rejects: nothing half-written, nothing acked.
   */
  writeBatches(batches: readonly BatchToWrite[]): Promise<WrittenBatches>;
}

export function countKey(platformId: string, modelKind: string): string {
  return `${platformId}\u0000${modelKind}`;
}
