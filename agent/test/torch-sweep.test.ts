import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningCollector, type SqliteStore, startCollector } from '@neuralpower/collector';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log.js';
import { runAgent } from '../src/run.js';
import { TORCH_PYTHON } from './helpers/torch-python.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = (p: string) => mkdtempSync(path.join(os.tmpdir(), p));
const collectors: RunningCollector[] = [];
afterEach(async () => {
  for (const c of collectors.splice(0)) await c.close();
});

describe('torch engine in a sweep', () => {
  it('streams layer and network records to a real collector; a configuration that kills the worker fails alone', async () => {
    const c = await startCollector({
      db: path.join(tmp('np-torch-col-'), 'collector.sqlite'),
      port: 0,
      fitEvery: 0,
      processMetrics: false,
    });
    collectors.push(c);
    const once = path.join(tmp('np-torch-fault-'), 'fired');
    const result = await runAgent({
      collectorUrl: c.wsUrl,
      token: (await c.context.tokens.create('torch-sweep')).token,
      stateDir: tmp('np-torch-agent-'),
      backend: 'torch',
      torch: {
        python: TORCH_PYTHON,
        device: 'cpu',
        threads: 1,
        // The worker dies on its 3rd configuration (once): that one fails, a new worker does the rest.
        env: { NEURALPOWER_TORCH_WORKER_FAULT: 'crash:prepare:3', NEURALPOWER_TORCH_WORKER_FAULT_ONCE: once },
      },
      power: 'none',
      idleMs: 0,
      logger: silentLogger(),
      progress: false,
      timing: { warmupRuns: 1, minRuns: 3 },
      sweep: {
        kinds: ['conv', 'fc', 'pool'],
        count: 2,
        seed: 3,
        preset: 'tiny',
        networks: ['lenet5'],
        networkBatch: 1,
      },
    });
    expect(result.platform.input.engine).toMatchObject({ name: 'torch', backend: 'cpu' });
    expect(result.platform.description).toMatch(/torch .*\/cpu \(precision fp32/);
    expect(result.failed).toBe(1);
    expect(result.measured).toBe(result.planned - 1);
    expect(result.pending).toBe(0);
    const stored = (c.context.store as SqliteStore).db
      .prepare('SELECT type, COUNT(*) AS n FROM measurements GROUP BY type')
      .all() as {
      type: string;
      n: number;
    }[];
    const byType = Object.fromEntries(stored.map((r) => [r.type, r.n]));
    expect(byType['network']).toBe(1);
    expect((byType['layer'] ?? 0) + 1).toBe(result.measured);
  });

  it('an explicit --backend torch that cannot start fails with its one line', () => {
    const r = spawnSync(
      process.execPath,
      [
        path.join(ROOT, 'bin/neuralpower.js'),
        'agent',
        'sweep',
        '--backend',
        'torch',
        '--python',
        '/nonexistent/python3',
        '--power',
        'none',
        '--count',
        '1',
        '--state-dir',
        tmp('np-torch-cli-'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('python not found: /nonexistent/python3');
  });
});
