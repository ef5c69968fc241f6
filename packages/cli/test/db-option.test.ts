import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

function cli(
  env: Record<string, string>,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      'node',
      ['bin/neuralpower.js', ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'np-db-option-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('takes the database from $NEURALPOWER_DB when --db is not given; --db wins over it', async () => {
  const fromEnv = join(dir, 'from-env.db');
  const created = await cli(
    { NEURALPOWER_DB: fromEnv },
    'collector',
    'token',
    'create',
    '--name',
    'env-token',
    '--json',
  );
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  expect(existsSync(fromEnv)).toBe(true);
  const explicit = join(dir, 'explicit.db');
  const listed = await cli(
    { NEURALPOWER_DB: fromEnv },
    'collector',
    'token',
    'list',
    '--json',
    '--db',
    explicit,
  );
  expect(listed.code).toBe(0);
  expect(JSON.parse(listed.stdout)).toEqual([]);
  const fromEnvList = await cli({ NEURALPOWER_DB: fromEnv }, 'collector', 'token', 'list', '--json');
  expect(JSON.parse(fromEnvList.stdout).map((t: { name: string }) => t.name)).toEqual(['env-token']);
});

it('names an unsupported database URL', async () => {
  const run = await cli({}, 'collector', 'token', 'list', '--db', 'mysql://db.example/np');
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/unsupported database "mysql".*SQLite file path or a postgres:\/\/ URL/);
});
