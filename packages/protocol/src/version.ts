/**
 * Wire protocol version. A collector accepts exactly the versions in SUPPORTED_PROTOCOL_VERSIONS;
 * bump it when a message changes in a way an older peer would misread.
 */
export const PROTOCOL_VERSION = 1;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [PROTOCOL_VERSION];

/** The WebSocket path agents connect to. */
export const AGENTS_PATH = '/v1/agents';

/** Upper bound on records in one `measurements` batch (the collector's maxPayload bounds bytes). */
export const MAX_RECORDS_PER_BATCH = 5000;

/**
 * Largest `seq` a batch may carry (2^40). An agent sending a thousand batches a second would need
 * 35 years to reach it, while it stays far below 2^53, so `seq + 1` is always exact. A collector
 * refuses a batch above it; an agent refuses a `welcome.lastSeq` at or above it (nothing can follow).
 */
export const MAX_SEQ = 2 ** 40;
