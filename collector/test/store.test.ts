import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/db/migrations.js';
import { integrityCheck, openDatabase, TokenStore } from '../src/index.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

it('migrates once, in WAL mode, and refuses a database from a newer collector', () => {
  const path = `${tmp.dir}/np.db`;
  const db = openDatabase(path);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  db.close();
  const again = openDatabase(path, { synchronous: 'normal' });
  expect(again.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: SCHEMA_VERSION });
  expect(again.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  expect(integrityCheck(again)).toBe('ok');
  again.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')").run();
  again.close();
  expect(() => openDatabase(path)).toThrow(/schema version 99 is newer/);
});

it('stores only the hash of a token, verifies it, and refuses it once revoked', () => {
  const path = `${tmp.dir}/np.db`;
  const db = openDatabase(path);
  const tokens = new TokenStore(db);
  const { token, info } = tokens.create('rack-3');
  expect(token).toMatch(/^np_[A-Za-z0-9_-]{43}$/);
  const raw = new Database(path, { readonly: true });
  const dump = JSON.stringify(raw.prepare('SELECT * FROM tokens').all());
  raw.close();
  expect(dump).not.toContain(token.slice(3));
  expect(tokens.verify(token)?.name).toBe('rack-3');
  expect(tokens.verify(`${token}x`)).toBeNull();
  expect(tokens.verify('Bearer nonsense')).toBeNull();
  expect(tokens.list().map((t) => t.name)).toEqual(['rack-3']);
  expect(tokens.revoke(String(info.id))).toBe(1);
  expect(tokens.verify(token)).toBeNull();
  expect(tokens.revoke('rack-3')).toBe(0);
  expect(() => tokens.create('bad name with spaces')).toThrow(/token name/);
  db.close();
});

it('gives tokens scopes; tokens from before scopes keep what they could do (agent + admin)', () => {
  const path = `${tmp.dir}/np.db`;
  // A database as the first release left it: schema 1, one token.
  const old = new Database(path);
  old.exec(MIGRATIONS[0]!.sql);
  old.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  old.prepare("INSERT INTO schema_migrations VALUES (1, 'initial schema', 'x')").run();
  old.prepare("INSERT INTO tokens (name, hash, created_at) VALUES ('old-rack', 'ab', 'x')").run();
  old.close();

  const db = openDatabase(path);
  const tokens = new TokenStore(db);
  expect(tokens.list().map((t) => [t.name, t.scopes])).toEqual([['old-rack', ['agent', 'admin']]]);
  expect(tokens.create('agent-only').info.scopes).toEqual(['agent']);
  expect(tokens.create('reader', ['read']).info.scopes).toEqual(['read']);
  const both = tokens.create('ops', ['admin', 'agent', 'admin']);
  expect(both.info.scopes).toEqual(['agent', 'admin']);
  expect(tokens.verify(both.token)?.scopes).toEqual(['agent', 'admin']);
  expect(() => tokens.create('x', ['root' as 'read'])).toThrow(
    /unknown scope "root": use agent, read, admin/,
  );
  db.close();
});
