import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../collector/src/store/sqlite/open.js';
import { spawnCollector } from './support/processes.js';
import { ProtocolClient } from './support/protocol-client.js';
import { hello, platform, syntheticRecord } from './support/records.js';
import { Rng } from './support/rng.js';
import { createToken } from './support/store.js';

// Defect 6 of issue 14: pages overwritten in the middle of the file; the collector used to start,
// say ok on /healthz and ack batches into it.

const dir = mkdtempSync(path.join(tmpdir(), 'np-integrity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database with enough measurement rows to span a few hundred pages, then closed cleanly. */
function filledDatabase(dbPath: string): void {
  const db = openDatabase(dbPath);
  const now = new Date().toISOString();
  db.prepare(
    'INSERT INTO platforms (id, description, input_json, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
  ).run(platform.id, platform.description, JSON.stringify(platform.input), now, now);
  const insert = db.prepare(`INSERT INTO measurements (platform_id, agent_id, seq, idx, type, model_kind,
      natural_key, batch, runtime_mean_ms, runtime_median_ms, runtime_std_ms, runtime_n, started_at, ended_at,
      received_at, record_json) VALUES (?, 'seed', 1, ?, 'layer', 'fc', ?, 1, 1, 1, 0, 1, ?, ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) {
      const record = JSON.stringify(syntheticRecord(1, i));
      insert.run(platform.id, i, `key-${i}`, now, now, now, record);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** Overwrites `pages` pages around the middle of the file with random bytes. */
function corruptMiddle(dbPath: string, pages: number): void {
  const pageSize = 4096;
  const size = statSync(dbPath).size;
  const first = Math.floor(size / pageSize / 2);
  const rng = new Rng(14);
  const fd = openSync(dbPath, 'r+');
  try {
    for (let p = first; p < first + pages; p++) writeSync(fd, rng.bytes(pageSize), 0, pageSize, p * pageSize);
  } finally {
    closeSync(fd);
  }
}

it('a corrupt database: /healthz and /metrics say so, agents get a clear error, nothing is acked', async () => {
  const dbPath = path.join(dir, 'corrupt.db');
  filledDatabase(dbPath);
  const token = await createToken(dbPath, 'agent');
  corruptMiddle(dbPath, 8);

  const collector = await spawnCollector(dbPath, 0);
  try {
    const health = await fetch(`${collector.url}/healthz`);
    expect(health.status).toBe(503);
    const body = (await health.json()) as { status: string; integrity: { status: string; detail: string } };
    expect(body.status).toBe('corrupt');
    expect(body.integrity.status).toBe('corrupt');
    expect(body.integrity.detail.length).toBeGreaterThan(0);
    const metrics = await (await fetch(`${collector.url}/metrics`)).text();
    expect(metrics).toContain('neuralpower_db_integrity{status="corrupt"} 1');
    expect(metrics).toContain('neuralpower_db_integrity{status="ok"} 0');

    const agent = await ProtocolClient.connect(collector.wsUrl, token);
    agent.sendJson(hello('victim'));
    const refused = await agent.next();
    expect(refused).toMatchObject({ type: 'error', code: 'internal' });
    expect((refused as { message: string }).message).toMatch(/integrity check/);
    expect((await agent.waitClosed()).code).toBe(1011);
    expect(collector.proc.exit).toBeNull();
  } finally {
    await collector.proc.stop();
  }
  const raw = new Database(dbPath, { readonly: true });
  try {
    expect(raw.prepare('SELECT COUNT(*) FROM batches').pluck().get()).toBe(0);
    expect(raw.prepare("SELECT COUNT(*) FROM agents WHERE id = 'victim'").pluck().get()).toBe(0);
  } finally {
    raw.close();
  }
}, 90_000);

it('a sound database reports ok; --skip-integrity-check reports skipped and serves', async () => {
  const dbPath = path.join(dir, 'sound.db');
  filledDatabase(dbPath);
  const checked = await spawnCollector(dbPath, 0);
  try {
    const body = (await (await fetch(`${checked.url}/healthz`)).json()) as { integrity: { status: string } };
    expect(body.integrity.status).toBe('ok');
  } finally {
    await checked.proc.stop();
  }
  const skipped = await spawnCollector(dbPath, 0, { collector: { skipIntegrityCheck: true } });
  try {
    const health = await fetch(`${skipped.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { integrity: { status: string } }).integrity.status).toBe('skipped');
  } finally {
    await skipped.proc.stop();
  }
}, 90_000);
