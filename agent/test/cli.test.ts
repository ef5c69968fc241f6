import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { fakeNvidiaSmiDir, withPath } from './helpers/fake-path.js';
import { fixtureFiles } from './helpers/fixtures.js';

const cli = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, { NEURALPOWER_LOG: 'warn', ...env });

const measured = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM measured').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('neuralpower agent (CLI)', () => {
  it('probe --json reports GPUs from nvidia-smi, MIG included', async () => {
    const env = {
      PATH: withPath(fakeNvidiaSmiDir()),
      FAKE_SMI_FIXTURE: fixtureFiles().find((f) => f.includes('mig'))!,
    };
    const { code, stdout } = await cli(['agent', 'probe', '--json'], env);
    expect(code).toBe(0);
    const probe = JSON.parse(stdout) as {
      gpus: { name: string; migMode: string; mig: unknown[]; enforcedPowerLimitW: number }[];
      cudaVersion: string;
      backends: { backend: string; available: boolean }[];
      torch: { available: boolean; note: string };
    };
    expect(probe.gpus[0]).toMatchObject({
      name: 'NVIDIA H100 80GB HBM3',
      migMode: 'Enabled',
      enforcedPowerLimitW: 700,
    });
    expect(probe.gpus[0]!.mig).toHaveLength(4);
    expect(probe.cudaVersion).toBe('13.1');
    expect(probe.backends.find((b) => b.backend === 'wasm')?.available).toBe(true);
    // No real GPU here: torch on CUDA is tried (a GPU was listed) and says in one line why not.
    expect(probe.torch.available).toBe(false);
    expect(probe.torch.note).toMatch(/^(CUDA is not available|torch is not installed|python not found)/);
  });

  it('--gpu all runs one worker per GPU, each with its own state dir', async () => {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'np-gpu-all-'));
    const env = {
      PATH: withPath(fakeNvidiaSmiDir()),
      FAKE_SMI_FIXTURE: fixtureFiles().find((f) => f.includes('h200'))!,
      FAKE_SMI_GPUS: '2',
    };
    const args = [
      'agent',
      'sweep',
      '--gpu',
      'all',
      '--state-dir',
      stateDir,
      '--backend',
      'cpu',
      '--power',
      'none',
    ];
    const sweep = [
      '--kinds',
      'fc',
      '--count',
      '2',
      '--ranges',
      'tiny',
      '--warmup',
      '1',
      '--runs',
      '3',
      '--idle-ms',
      '0',
    ];
    const { code, stdout, stderr } = await cli([...args, ...sweep], env);
    expect(code, stderr).toBe(0);
    expect(stdout.match(/sweep sweep-[0-9a-f]+: 2 measured/g)).toHaveLength(2);
    expect(measured(path.join(stateDir, 'gpu-0', 'agent.sqlite'))).toBe(2);
    expect(measured(path.join(stateDir, 'gpu-1', 'agent.sqlite'))).toBe(2);
  });

  it('rejects bad flags with a clear message', async () => {
    const r1 = await cli(
      [
        'agent',
        'sweep',
        '--kinds',
        'conv,nope',
        '--state-dir',
        mkdtempSync(path.join(os.tmpdir(), 'np-bad-')),
      ],
      {
        PATH: withPath(fakeNvidiaSmiDir()),
        FAKE_SMI_MODE: 'fail',
      },
    );
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/error: --kinds: unknown kind "nope"/);
    const r2 = await cli(['agent', '--collector', 'ws://127.0.0.1:1'], { NEURALPOWER_TOKEN: '' });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/--collector needs --token/);
  });
});
