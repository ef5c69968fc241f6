import {
  type NewToken,
  type TokenRecord,
  type TokenRepository,
  type TokenRow,
  tokenFromRow,
} from '../tokens.js';
import type { PgDb } from './db.js';

export class PgTokenStore implements TokenRepository {
  constructor(private readonly db: PgDb) {}

  async insert(token: NewToken): Promise<number> {
    const row = await this.db.one<{ id: number }>(
      'INSERT INTO tokens (name, hash, scopes, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [token.name, token.hash, token.scopes, token.createdAt],
    );
    return row!.id;
  }

  async byHash(hash: string): Promise<TokenRecord | null> {
    const row = await this.db.one<TokenRow>('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return row ? tokenFromRow(row) : null;
  }

  async list(): Promise<TokenRecord[]> {
    return (await this.db.rows<TokenRow>('SELECT * FROM tokens ORDER BY id')).map(tokenFromRow);
  }

  async revoke(ref: string, revokedAt: string): Promise<number> {
    return this.db.run(
      'UPDATE tokens SET revoked_at = $1 WHERE revoked_at IS NULL AND (name = $2 OR CAST(id AS TEXT) = $2)',
      [revokedAt, ref],
    );
  }

  async touch(id: number, lastUsedAt: string): Promise<void> {
    await this.db.run('UPDATE tokens SET last_used_at = $1 WHERE id = $2', [lastUsedAt, id]);
  }

  async isActive(id: number): Promise<boolean> {
    return (await this.db.one('SELECT 1 FROM tokens WHERE id = $1 AND revoked_at IS NULL', [id])) !== null;
  }
}
