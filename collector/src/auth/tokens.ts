import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { TokenRecord, TokenRepository } from '../store/tokens.js';
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

/**
 * API tokens: the secret is made here and shown once; the store keeps only its SHA-256
 * (store/tokens.ts). Works on any store.
 */
export class TokenStore {
  /** last_used_at is written at most once a minute per token: a reconnect storm costs no writes */
  private readonly touchedAt = new Map<number, number>();

  constructor(private readonly repo: TokenRepository) {}

  /** Creates a token and returns its secret: the only time it is ever visible. */
  async create(
    name: string,
    scopes: readonly Scope[] = DEFAULT_SCOPES,
  ): Promise<{ token: string; info: TokenInfo }> {
    if (!/^[\w.@:-]{1,100}$/.test(name)) {
      throw new Error(`token name must be 1-100 letters, digits or . _ - @ : (got ${JSON.stringify(name)})`);
    }
    const normalised = parseScopes(scopes);
    const token = PREFIX + randomBytes(32).toString('base64url');
    const now = new Date().toISOString();
    const id = await this.repo.insert({
      name,
      hash: hashToken(token),
      scopes: normalised.join(','),
      createdAt: now,
    });
    return {
      token,
      info: { id, name, scopes: normalised, createdAt: now, revokedAt: null, lastUsedAt: null },
    };
  }

  async list(): Promise<TokenInfo[]> {
    return (await this.repo.list()).map(info);
  }

  /** Revokes by name or id; returns how many tokens were revoked. */
  revoke(ref: string): Promise<number> {
    return this.repo.revoke(ref, new Date().toISOString());
  }

  /** The active token matching `secret`, or null. Comparison of the hashes is constant-time. */
  async verify(secret: string): Promise<TokenInfo | null> {
    if (!secret.startsWith(PREFIX) || secret.length > 200) return null;
    const hash = hashToken(secret);
    const row = await this.repo.byHash(hash);
    if (!row || row.revokedAt !== null) return null;
    if (!timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(hash, 'hex'))) return null;
    const now = Date.now();
    if (now - (this.touchedAt.get(row.id) ?? 0) > 60_000) {
      this.touchedAt.set(row.id, now);
      await this.repo.touch(row.id, new Date(now).toISOString());
    }
    return info(row);
  }

  /** Whether token `id` still exists unrevoked: open connections re-check this every few seconds. */
  isActive(id: number): Promise<boolean> {
    return this.repo.isActive(id);
  }
}

function info(row: TokenRecord): TokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: parseScopes(row.scopes),
    createdAt: row.createdAt,
    revokedAt: row.revokedAt,
    lastUsedAt: row.lastUsedAt,
  };
}

/** Extracts the token from `Authorization: Bearer <token>`. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}
