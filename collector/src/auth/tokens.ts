import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/open.js';
import { DEFAULT_SCOPES, parseScopes, type Scope } from './scopes.js';

/** Tokens look like `np_<43 base64url chars>` (256 random bits); only their SHA-256 is stored. */
const PREFIX = 'np_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface TokenInfo {
  readonly id: number;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

interface TokenRow {
  id: number;
  name: string;
  hash: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

function info(row: TokenRow): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export class TokenStore {
  private readonly insert;
  private readonly byHash;
  private readonly all;
  private readonly revokeStmt;
  private readonly touch;
  private readonly activeById;
  /** last_used_at is written at most once a minute per token: a reconnect storm costs no fsyncs */
  private readonly touchedAt = new Map<number, number>();

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO tokens (name, hash, scopes, created_at) VALUES (?, ?, ?, ?)');
    this.byHash = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?');
    this.all = db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY id');
    this.revokeStmt = db.prepare(
      'UPDATE tokens SET revoked_at = ? WHERE revoked_at IS NULL AND (name = @ref OR CAST(id AS TEXT) = @ref)',
    );
    this.touch = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
    this.activeById = db.prepare('SELECT 1 FROM tokens WHERE id = ? AND revoked_at IS NULL').pluck();
  }

  /** Creates a token and returns its secret: the only time it is ever visible. */
  create(name: string, scopes: readonly Scope[] = DEFAULT_SCOPES): { token: string; info: TokenInfo } {
    if (!/^[\w.@:-]{1,100}$/.test(name)) {
      throw new Error(`token name must be 1-100 letters, digits or . _ - @ : (got ${JSON.stringify(name)})`);
    }
    const normalised = parseScopes(scopes);
    const token = PREFIX + randomBytes(32).toString('base64url');
    const now = new Date().toISOString();
    const result = this.insert.run(name, hashToken(token), normalised.join(','), now);
    return {
      token,
      info: {
        id: Number(result.lastInsertRowid),
        name,
        scopes: normalised,
        createdAt: now,
        revokedAt: null,
        lastUsedAt: null,
      },
    };
  }

  list(): TokenInfo[] {
    return this.all.all().map(info);
  }

  /** Revokes by name or id; returns how many tokens were revoked. */
  revoke(ref: string): number {
    const result = this.revokeStmt.run(new Date().toISOString(), { ref });
    return result.changes;
  }

  /** The active token matching `secret`, or null. Comparison of the hashes is constant-time. */
  verify(secret: string): TokenInfo | null {
    if (!secret.startsWith(PREFIX) || secret.length > 200) return null;
    const hash = hashToken(secret);
    const row = this.byHash.get(hash);
    if (!row || row.revoked_at !== null) return null;
    if (!timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    const now = Date.now();
    if (now - (this.touchedAt.get(row.id) ?? 0) > 60_000) {
      this.touchedAt.set(row.id, now);
      this.touch.run(new Date(now).toISOString(), row.id);
    }
    return info(row);
  }

  /** Whether token `id` still exists unrevoked: open connections re-check this every few seconds. */
  isActive(id: number): boolean {
    return this.activeById.get(id) !== undefined;
  }
}

/** Extracts the token from `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
