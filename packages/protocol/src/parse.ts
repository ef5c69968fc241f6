import type { z } from 'zod';
import { jsonDeeperThan, MAX_JSON_DEPTH } from './depth.js';
import { formatFieldPath, type ProtocolError } from './errors.js';
import {
  CLIENT_MESSAGE_TYPES,
  type ClientMessage,
  clientMessageSchema,
  SERVER_MESSAGE_TYPES,
  type ServerMessage,
  serverMessageSchema,
} from './messages.js';
import { SUPPORTED_PROTOCOL_VERSIONS } from './version.js';

export type ParseResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly error: ProtocolError };

function fail(
  code: ProtocolError['code'],
  message: string,
  field: string | null,
): { ok: false; error: ProtocolError } {
  return { ok: false, error: { code, message, field } };
}

function firstIssue(error: z.ZodError): ProtocolError {
  const issue = error.issues[0]!;
  const field = formatFieldPath(issue.path);
  const code = field.startsWith('records[') ? 'invalid_record' : 'bad_message';
  const message = issue.message.startsWith(field) ? issue.message : `${field || 'message'}: ${issue.message}`;
  return { code, message, field: field === '' ? null : field };
}

function parseWith<T>(
  text: string,
  schema: z.ZodType<T>,
  knownTypes: readonly string[],
  checkVersion: boolean,
): ParseResult<T> {
  if (jsonDeeperThan(text)) {
    return fail('bad_message', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`, null);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return fail('bad_json', `not valid JSON: ${(err as Error).message}`, null);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('bad_message', 'a message must be a JSON object', null);
  }
  const type = (value as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || !knownTypes.includes(type)) {
    return fail(
      'unknown_type',
      `unknown message type ${JSON.stringify(type)}; known: ${knownTypes.join(', ')}`,
      'type',
    );
  }
  if (checkVersion && type === 'hello') {
    const v = (value as Record<string, unknown>)['protocolVersion'];
    if (typeof v === 'number' && !SUPPORTED_PROTOCOL_VERSIONS.includes(v)) {
      return fail(
        'unsupported_version',
        `protocol version ${v} is not supported; this side speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}`,
        'protocolVersion',
      );
    }
  }
  const result = schema.safeParse(value);
  if (!result.success) return { ok: false, error: firstIssue(result.error) };
  return { ok: true, message: result.data };
}

/** Validates a text frame an agent sent. Errors name the field, e.g. `records[3].runtime.meanMs`. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  return parseWith(text, clientMessageSchema, CLIENT_MESSAGE_TYPES, true);
}

/** Validates a text frame the collector sent. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  return parseWith(text, serverMessageSchema, SERVER_MESSAGE_TYPES, false);
}
