import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { conv, describeLayer, type LayerConfig, pool } from '@neuralpower/core';
import { zooNetwork } from '@neuralpower/networks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { perRunMs } from '../src/bench/engine-timing.js';
import { timeWork } from '../src/bench/timing.js';
import { nowMs } from '../src/clock.js';
import { createEngine } from '../src/engine/registry.js';
import { TorchEngine, type TorchEngineOptions } from '../src/engine/torch/index.js';
import { CASES, s, tinyResnetBlock } from './helpers/layer-cases.js';
import { TORCH_PYTHON } from './helpers/torch-python.js';

const CPU: TorchEngineOptions = { python: TORCH_PYTHON, device: 'cpu', threads: 1 };
const QUICK = { warmupRuns: 1, minRuns: 3, minDurationMs: 0, budgetMs: 10_000, minRunsUnderBudget: 3 };
const small: LayerConfig = { spec: conv(4, 3), inputs: [s(6, 6, 2)], batch: 1 };

describe('torch engine (real worker, CPU torch)', () => {
  let engine: TorchEngine;
  beforeAll(async () => {
    engine = await TorchEngine.create(CPU);
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('reports torch, the device and the settings that enter the fingerprint', () => {
    expect(engine.identity).toMatchObject({ name: 'torch', backend: 'cpu' });
    expect(engine.identity.version).toMatch(/^\d+\.\d+/);
    expect(engine.identity.settings).toMatchObject({ precision: 'fp32', threads: '1' });
    expect(engine.device).toBe('cpu');
  });

  it.each(CASES)('runs $name with the shape the core infers', async ({ spec, inputs }) => {
    const config: LayerConfig = { spec, inputs, batch: 2 };
    describeLayer(config);
    const work = await engine.prepare(config);
    const timing = await timeWork(work, QUICK);
    work.dispose();
    expect(timing.n).toBe(3);
    expect(timing.warmupRuns).toBe(1);
    expect(timing.meanMs).toBeGreaterThan(0);
  });

  it('times blocks of K runs with one synchronisation per block and returns raw block times', async () => {
    const work = await engine.prepare(small);
    const r = await work.timeBlocks!({
      warmupRuns: 0,
      runsPerBlock: 8,
      minBlocks: 3,
      maxBlocks: 3,
      minDurationMs: 10_000,
      budgetMs: 10_000,
      minBlocksUnderBudget: 1,
    });
    expect(r.runsPerBlock).toBe(8);
    expect(r.blockMs).toHaveLength(3); // maxBlocks wins over minDurationMs
    expect(perRunMs(r)).toHaveLength(24);
    // A window of back-to-back runs on the host clock, bracketed by synchronisation.
    const before = nowMs();
    const w = await work.runBackToBack!(50, 32);
    const after = nowMs();
    expect(w.runs).toBeGreaterThanOrEqual(32);
    expect(w.t1Ms - w.t0Ms).toBeGreaterThanOrEqual(50);
    expect(w.t0Ms).toBeGreaterThanOrEqual(before - 1);
    expect(w.t1Ms).toBeLessThanOrEqual(after + 1);
    work.dispose();
  });

  it('stops at the budget after the minimum number of runs', async () => {
    const work = await engine.prepare(small);
    const t = await timeWork(work, { ...QUICK, minRuns: 1_000_000, budgetMs: 200 });
    work.dispose();
    expect(t.budgetExhausted).toBe(true);
    expect(t.n).toBeGreaterThanOrEqual(3);
  });

  it('runs a network with a residual branch end to end', async () => {
    const network = tinyResnetBlock();
    const work = await engine.prepareNetwork(network);
    const timing = await timeWork(work, QUICK);
    work.dispose();
    expect(timing.n).toBe(3);
  });

  it.each([
    ['resnet50', 64],
    ['googlenet', 64],
    ['mobilenet-v2', 64],
    ['lenet5', 32],
  ] as const)('runs the zoo %s at %i px with the core shapes', async (name, px) => {
    const work = await engine.prepareNetwork(zooNetwork(name, { input: [px, px] }));
    const timing = await timeWork(work, { ...QUICK, warmupRuns: 0, minRuns: 1, minRunsUnderBudget: 1 });
    work.dispose();
    expect(timing.n).toBe(1);
  });

  it('refuses a spec the core refuses, and an unsupported layer, without killing the worker', async () => {
    const bad = { ...pool('avg', 2), kernelH: -4, kernelW: -4 };
    await expect(engine.prepare({ spec: bad, inputs: [s(1, 1, 4)], batch: 1 })).rejects.toThrow(
      /pool\.kernelH/,
    );
    await expect(
      engine.prepare({ spec: { kind: 'unsupported', sourceType: 'Foo' }, inputs: [s(2, 2, 2)], batch: 1 }),
    ).rejects.toThrow(/^torch: ValueError: layer kind "unsupported" cannot be run/);
    expect(engine.restartCount).toBe(0);
  });
});

function fakePython(script: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'np-fake-python-'));
  const file = path.join(dir, 'python3');
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe('torch engine failures: one clear line each', () => {
  it('python missing', async () => {
    await expect(TorchEngine.create({ ...CPU, python: '/nonexistent/python3' })).rejects.toThrow(
      'python not found: /nonexistent/python3',
    );
  });

  it('torch missing (a python that cannot import torch)', async () => {
    const python = fakePython(`exec ${TORCH_PYTHON} -S "$@"`);
    await expect(TorchEngine.create({ ...CPU, python })).rejects.toThrow(/^torch is not installed for /);
  });

  it('CUDA not available: explicit torch fails with the line, auto moves on to tfjs', async () => {
    await expect(TorchEngine.create({ ...CPU, device: 'cuda' })).rejects.toThrow(
      /^CUDA is not available to torch .*CPU-only build/,
    );
    const notes: string[] = [];
    const engine = await createEngine('auto', {
      nvidiaGpu: true,
      torch: { python: TORCH_PYTHON },
      onNote: (n) => notes.push(n),
    });
    expect(engine.identity.name).toBe('tfjs');
    expect(notes[0]).toMatch(/^torch engine skipped: CUDA is not available/);
    await engine.dispose();
  });

  it('a worker that hangs at start', async () => {
    const python = fakePython('sleep 30');
    await expect(TorchEngine.create({ ...CPU, python, startTimeoutMs: 300 })).rejects.toThrow(
      'torch worker did not start within 300 ms (hung); killed',
    );
  });

  it('a worker that answers garbage at start', async () => {
    const python = fakePython('echo "Segmentation fault (core dumped) or some banner"; sleep 30');
    await expect(TorchEngine.create({ ...CPU, python })).rejects.toThrow(
      /^torch worker answered garbage: Segm/,
    );
  });

  it('a crash fails that configuration and the worker is restarted for the next', async () => {
    const engine = await TorchEngine.create({
      ...CPU,
      env: { NEURALPOWER_TORCH_WORKER_FAULT: 'crash:prepare:2' },
    });
    try {
      (await engine.prepare(small)).dispose();
      await expect(engine.prepare(small)).rejects.toThrow(/^torch worker exited \(code 9\)/);
      const work = await engine.prepare(small); // new worker: its first prepare
      expect((await timeWork(work, QUICK)).n).toBe(3);
      expect(engine.restartCount).toBe(1);
    } finally {
      await engine.dispose();
    }
  });

  it('a worker killed while timing fails that configuration only', async () => {
    const engine = await TorchEngine.create(CPU);
    try {
      const work = await engine.prepare(small);
      const timing = timeWork(work, { ...QUICK, minRuns: 1_000_000, budgetMs: 20_000 });
      setTimeout(() => process.kill(engine.workerPid!, 'SIGKILL'), 300);
      await expect(timing).rejects.toThrow(/^torch worker exited \(signal SIGKILL\)/);
      expect((await timeWork(await engine.prepare(small), QUICK)).n).toBe(3);
      expect(engine.restartCount).toBe(1);
    } finally {
      await engine.dispose();
    }
  });

  it('a worker that hangs while timing is killed after its budget plus slack', async () => {
    const once = path.join(mkdtempSync(path.join(os.tmpdir(), 'np-fault-')), 'fired');
    const engine = await TorchEngine.create({
      ...CPU,
      timeoutSlackMs: 500,
      env: { NEURALPOWER_TORCH_WORKER_FAULT: 'hang:time:1', NEURALPOWER_TORCH_WORKER_FAULT_ONCE: once },
    });
    try {
      const work = await engine.prepare(small);
      await expect(timeWork(work, { ...QUICK, budgetMs: 200 })).rejects.toThrow(
        'torch worker did not answer time within 700 ms (hung); killed',
      );
      expect((await timeWork(await engine.prepare(small), QUICK)).n).toBe(3);
    } finally {
      await engine.dispose();
    }
  });

  it('a worker that answers garbage mid-run is killed and replaced', async () => {
    const once = path.join(mkdtempSync(path.join(os.tmpdir(), 'np-fault-')), 'fired');
    const engine = await TorchEngine.create({
      ...CPU,
      env: { NEURALPOWER_TORCH_WORKER_FAULT: 'garbage:prepare:1', NEURALPOWER_TORCH_WORKER_FAULT_ONCE: once },
    });
    try {
      await expect(engine.prepare(small)).rejects.toThrow('torch worker answered garbage: this is not JSON');
      expect((await timeWork(await engine.prepare(small), QUICK)).n).toBe(3);
      expect(engine.restartCount).toBe(1);
    } finally {
      await engine.dispose();
    }
  });
});
