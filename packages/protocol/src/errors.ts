/** Machine-readable reasons a message was refused; `field` names what was wrong where it applies. */
export const PROTOCOL_ERROR_CODES = [
  'bad_json',
  'binary_frame',
  'bad_message',
  'unknown_type',
  'unsupported_version',
  'hello_required',
  'invalid_record',
  'unknown_platform',
  'seq_backwards',
  'agent_id_taken',
  'payload_too_large',
  'unauthorized',
  'internal',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export interface ProtocolError {
  readonly code: ProtocolErrorCode;
  readonly message: string;
  /** Path of the offending field, e.g. `records[3].runtime.meanMs`; null when the whole message is at fault. */
  readonly field: string | null;
}

/** Formats a zod-style path as `records[3].runtime.meanMs`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
