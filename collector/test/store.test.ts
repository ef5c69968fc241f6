import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { integrityCheck, openDatabase, openStore, TokenStore } from '../src/index.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../src/store/sqlite/migrations.js';
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

it('stores only the hash of a token, verifies it, and refuses it once revoked', async () => {
  const path = `${tmp.dir}/np.db`;
  const store = await openStore(path);
  const tokens = new TokenStore(store.tokens);
  const { token, info } = await tokens.create('rack-3');
  expect(token).toMatch(/^np_[A-Za-z0-9_-]{43}$/);
  const raw = new Database(path, { readonly: true });
  const dump = JSON.stringify(raw.prepare('SELECT * FROM tokens').all());
  raw.close();
  expect(dump).not.toContain(token.slice(3));
  expect((await tokens.verify(token))?.name).toBe('rack-3');
  expect(await tokens.verify(`${token}x`)).toBeNull();
  expect(await tokens.verify('Bearer nonsense')).toBeNull();
  expect((await tokens.list()).map((t) => t.name)).toEqual(['rack-3']);
  expect(await tokens.revoke(String(info.id))).toBe(1);
  expect(await tokens.verify(token)).toBeNull();
  expect(await tokens.revoke('rack-3')).toBe(0);
  await expect(tokens.create('bad name with spaces')).rejects.toThrow(/token name/);
  await store.close();
});

it('gives tokens scopes; tokens from before scopes keep what they could do (agent + admin)', async () => {
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

  const store = await openStore(path);
  const tokens = new TokenStore(store.tokens);
  expect((await tokens.list()).map((t) => [t.name, t.scopes])).toEqual([['old-rack', ['agent', 'admin']]]);
  expect((await tokens.create('agent-only')).info.scopes).toEqual(['agent']);
  expect((await tokens.create('reader', ['read'])).info.scopes).toEqual(['read']);
  const both = await tokens.create('ops', ['admin', 'agent', 'admin']);
  expect(both.info.scopes).toEqual(['agent', 'admin']);
  expect((await tokens.verify(both.token))?.scopes).toEqual(['agent', 'admin']);
  await expect(tokens.create('x', ['root' as 'read'])).rejects.toThrow(
    /unknown scope "root": use agent, read, admin/,
  );
  await store.close();
});

it('picks the store by the locator; a postgres URL is refused clearly while no PostgreSQL store is built in', async () => {
  const store = await openStore(`${tmp.dir}/by-path.db`);
  expect(store.kind).toBe('sqlite');
  expect(await store.health()).toMatchObject({ store: 'sqlite', ok: true });
  await store.close();
  await store.close(); // idempotent
  await expect(openStore('mysql://db/x')).rejects.toThrow(/unsupported database "mysql"/);
  await expect(openStore('')).rejects.toThrow(/no database given/);
});

it('migration 6 marks the revisits stored before it: across processes or within one run', () => {
  const path = `${tmp.dir}/np.db`;
  const old = new Database(path);
  old.exec(
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  for (const m of MIGRATIONS.filter((m) => m.version <= 5)) {
    old.exec(m.sql);
    old.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.name, 'x');
  }
  old.exec("INSERT INTO platforms VALUES ('p', 'd', '{}', NULL, 'x', 'x')");
  const insert =
    old.prepare(`INSERT INTO measurements (platform_id, agent_id, seq, idx, type, natural_key, batch,
    runtime_mean_ms, runtime_median_ms, runtime_std_ms, runtime_n, started_at, ended_at, received_at, record_json,
    revisit_drift_rel) VALUES ('p', 'a', 1, ?, 'layer', 'k', 1, 1, 1, 0, 1, 'x', 'x', 'x', ?, ?)`);
  const revisit = (r: object | undefined) => JSON.stringify({ precision: r ? { revisit: r } : {} });
  insert.run(0, revisit(undefined), null);
  insert.run(1, revisit({ driftRel: 0.1 }), 0.1);
  insert.run(2, revisit({ driftRel: 0.2, acrossProcesses: true }), 0.2);
  insert.run(3, revisit({ driftRel: 0.3, acrossProcesses: false }), 0.3);
  old.close();
  const db = openDatabase(path);
  expect(
    db.prepare('SELECT revisit_across_processes AS a FROM measurements ORDER BY idx').pluck().all(),
  ).toEqual([null, 0, 1, 0]);
  db.close();
});
