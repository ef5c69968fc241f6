import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI; a usage error must end it quickly, so a hang is cut at 60 s and fails the test. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      'node',
      ['bin/neuralpower.js', ...args],
      { cwd: ROOT, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'np-usage-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('usage errors stop the command with exit code 2 and a message', () => {
  const cases: { name: string; args: () => string[]; stderr: RegExp }[] = [
    {
      name: 'collector --synchronous off (would serve without fsync)',
      args: () => ['collector', '--synchronous', 'off', '--port', '0', '--db', join(dir, 'c.db')],
      stderr: /Argument: synchronous, Given: "off", Choices: "full", "normal"\n/,
    },
    {
      name: 'agent sweep --backend bogus',
      args: () => ['agent', 'sweep', '--backend', 'bogus', '--state-dir', join(dir, 'a1'), '--count', '1'],
      stderr: /Argument: backend, Given: "bogus", Choices: "auto", [^\n]*"cpu"\n/,
    },
    {
      name: 'agent sweep --power bogus',
      args: () => ['agent', 'sweep', '--power', 'bogus', '--state-dir', join(dir, 'a2'), '--count', '1'],
      stderr: /Argument: power, Given: "bogus"/,
    },
    {
      name: 'agent sweep --kinds given twice',
      args: () => ['agent', 'sweep', '--kinds', 'fc', '--kinds', 'pool', '--state-dir', join(dir, 'a3')],
      stderr: /--kinds was given 2 times \("fc", "pool"\); give it once/,
    },
    {
      name: 'agent sweep --count not a number',
      args: () => ['agent', 'sweep', '--count', 'lots', '--state-dir', join(dir, 'a4')],
      stderr: /--count must be a finite number/,
    },
    {
      name: 'fit --target bogus',
      args: () => ['fit', '--data', 'x.csv', '--kind', 'conv', '--target', 'bogus', '--out', join(dir, 'm')],
      stderr: /Argument: target, Given: "bogus"/,
    },
    {
      name: 'collector --port given text',
      args: () => ['collector', '--port', 'abc', '--db', join(dir, 'c2.db')],
      stderr: /--port must be a finite number/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const run = await cli(...c.args());
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/^error: /);
      expect(run.stderr).toMatch(c.stderr);
      expect(run.stderr).toContain('Run with --help for usage.');
      expect(run.stderr).not.toMatch(/TypeError|at .*\.ts:\d+/);
    });
  }
});

describe('--help', () => {
  it('lists each choice of `agent sweep` once', async () => {
    const run = await cli('agent', 'sweep', '--help');
    expect(run.code).toBe(0);
    const lists = [...run.stdout.matchAll(/\[choices: ([^\]]*)\]/g)].map((m) => m[1]!.split(', '));
    expect(lists.length).toBeGreaterThanOrEqual(3);
    for (const choices of lists) expect(new Set(choices).size, choices.join(' ')).toBe(choices.length);
  });
});
