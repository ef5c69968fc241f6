import {
  type NewToken,
  type TokenRecord,
  type TokenRepository,
  type TokenRow,
  tokenFromRow,
} from '../tokens.js';
import type { Db } from './open.js';

export class SqliteTokenStore implements TokenRepository {
  private readonly insertStmt;
  private readonly byHashStmt;
  private readonly allStmt;
  private readonly revokeStmt;
  private readonly touchStmt;
  private readonly activeStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare('INSERT INTO tokens (name, hash, scopes, created_at) VALUES (?, ?, ?, ?)');
    this.byHashStmt = db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?');
    this.allStmt = db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY id');
    this.revokeStmt = db.prepare(
      'UPDATE tokens SET revoked_at = @at WHERE revoked_at IS NULL AND (name = @ref OR CAST(id AS TEXT) = @ref)',
    );
    this.touchStmt = db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
    this.activeStmt = db.prepare('SELECT 1 FROM tokens WHERE id = ? AND revoked_at IS NULL').pluck();
  }

  async insert(token: NewToken): Promise<number> {
    const result = this.insertStmt.run(token.name, token.hash, token.scopes, token.createdAt);
    return Number(result.lastInsertRowid);
  }

  async byHash(hash: string): Promise<TokenRecord | null> {
    const row = this.byHashStmt.get(hash);
    return row ? tokenFromRow(row) : null;
  }

  async list(): Promise<TokenRecord[]> {
    return this.allStmt.all().map(tokenFromRow);
  }

  async revoke(ref: string, revokedAt: string): Promise<number> {
    return this.revokeStmt.run({ at: revokedAt, ref }).changes;
  }

  async touch(id: number, lastUsedAt: string): Promise<void> {
    this.touchStmt.run(lastUsedAt, id);
  }

  async isActive(id: number): Promise<boolean> {
    return this.activeStmt.get(id) !== undefined;
  }
}
