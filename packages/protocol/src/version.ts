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
