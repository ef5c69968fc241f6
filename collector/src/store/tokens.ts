/** A stored API token: only the SHA-256 of its secret is kept. */
export interface TokenRecord {
  readonly id: number;
  readonly name: string;
  /** hex SHA-256 of the secret */
  readonly hash: string;
  /** comma-separated scopes as stored (`agent,admin`); auth/tokens.ts parses them */
  readonly scopes: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface NewToken {
  readonly name: string;
  readonly hash: string;
  /** comma-separated, already validated */
  readonly scopes: string;
  readonly createdAt: string;
}

/**
 * Table `tokens`. Secrets, name rules and the constant-time comparison live in auth/tokens.ts;
 * the store only keeps rows.
 */
export interface TokenRepository {
  /** Inserts the token; resolves to its id. A duplicate hash rejects (UNIQUE). */
  insert(token: NewToken): Promise<number>;
  byHash(hash: string): Promise<TokenRecord | null>;
  /** Every token, by id. */
  list(): Promise<TokenRecord[]>;
  /** Revokes unrevoked tokens whose name is `ref` or whose id as text is `ref`; resolves to how many. */
  revoke(ref: string, revokedAt: string): Promise<number>;
  touch(id: number, lastUsedAt: string): Promise<void>;
  /** Whether token `id` exists and is not revoked. */
  isActive(id: number): Promise<boolean>;
}

/** A `tokens` row as both stores read it (same column names and types). */
export interface TokenRow {
  id: number;
  name: string;
  hash: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

export function tokenFromRow(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    name: row.name,
    hash: row.hash,
    scopes: row.scopes,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}
