import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli } from './support/processes.js';

// The README's main job, shrunk: LeNet-5 instead of the three ImageNet networks, 8 configurations per kind.
const ARGS = ['quickstart', '--port', '0', '--count', '8', '--networks', 'lenet5', '--validate', 'lenet5'];

// ~35 s of measuring and 15 fits: over a minute on 2 busy cores, more than vitest's default 60 s.
describe('neuralpower quickstart', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'np-quickstart-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('collects, fits and predicts on the embedded default, runtime only without a power source', async () => {
    const run = spawnCli([...ARGS, '--dir', dir]);
    const exit = await run.exited;
    expect(exit.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/power is unavailable on this machine .*showing runtime only/);
    expect(out).toMatch(/models of platform cpu-\w+ \(out-of-fold metrics\)/);
    expect(out).toMatch(/^conv\s+runtime\s+\d+\s+\d+\s+\d+\s+[\d.]+ %/m);
    expect(out).not.toMatch(/\bpower\s+\d+/); // no power model row: power is never invented
    expect(out).toMatch(/lenet5: batch 1, (\d+) layers, \1 fully covered/);
    expect(out).toMatch(/runtime [\d.]+ ms, power unavailable, energy unavailable per batch of 1/);
    expect(out).toMatch(/^lenet5\s+1\s+[\d.]+\s+[\d.]+\s+-?[\d.]+ %\s+unavailable/m);
    expect(out).toContain(`the data stays in ${path.join(dir, 'neuralpower.db')}`);
    expect(out).toMatch(/neuralpower predict --collector http:\/\/127\.0\.0\.1:7070 --platform cpu-\w+/);

    const db = new Database(path.join(dir, 'neuralpower.db'), { readonly: true });
    try {
      const measured = db.prepare("SELECT count(*) FROM measurements WHERE type = 'layer'").pluck().get();
      const networks = db.prepare("SELECT count(*) FROM measurements WHERE type = 'network'").pluck().get();
      expect(measured).toBeGreaterThan(15 * 8);
      expect(networks).toBe(1);
      // The run's token is revoked when it ends: no live credential is left behind.
      const live = db.prepare('SELECT count(*) FROM tokens WHERE revoked_at IS NULL').pluck().get();
      expect(live).toBe(0);
    } finally {
      db.close();
    }
  });

  it('reuses what it collected when run again', async () => {
    expect(existsSync(path.join(dir, 'agent'))).toBe(true);
    const run = spawnCli([...ARGS, '--dir', dir]);
    const exit = await run.exited;
    expect(exit.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/agent: 0 measured, (\d+) already collected, 0 failed of \1/);
  });
});
