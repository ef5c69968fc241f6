import { conv } from '@neuralpower/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { measureWork } from '../src/bench/measure.js';
import { nowMs, sleep } from '../src/clock.js';
import type { GpuInfo } from '../src/discovery/gpu.js';
import { TorchEngine } from '../src/engine/torch/index.js';
import { NvmlSampler } from '../src/power/nvml/index.js';
import { createPowerSampler } from '../src/power/registry.js';
import { buildNvmlStub } from './helpers/nvml-stub.js';
import { TORCH_PYTHON } from './helpers/torch-python.js';

// The stub reads these with getenv() on every call, so each test sets what it simulates.
const STUB_ENV = [
  'NVML_STUB_POWER_W',
  'NVML_STUB_UPDATE_MS',
  'NVML_STUB_ENERGY_ERROR',
  'NVML_STUB_FIELD_ERROR',
  'NVML_STUB_INIT_ERROR',
];
let library: string;
beforeAll(() => {
  library = buildNvmlStub();
});
afterEach(() => {
  for (const k of STUB_ENV) delete process.env[k];
});

const gpu: GpuInfo = { index: 0, name: 'NVIDIA H100 80GB HBM3' } as GpuInfo;

describe('nvml power source (stub libnvidia-ml.so.1 through koffi)', () => {
  it('derives power from the energy counter and reports its update period', async () => {
    process.env['NVML_STUB_POWER_W'] = '250';
    process.env['NVML_STUB_UPDATE_MS'] = '20';
    const sampler = new NvmlSampler({ gpuIndex: 0, intervalMs: 2, library });
    expect(sampler.mode).toBe('counter');
    await sampler.start();
    const t0 = nowMs();
    await sleep(400);
    const w = await sampler.window({ t0Ms: t0, t1Ms: nowMs(), minSamples: 5 });
    await sampler.stop();
    expect(w!.meanPowerW).toBeGreaterThan(250 * 0.85);
    expect(w!.meanPowerW).toBeLessThan(250 * 1.15);
    expect(w!.samples).toBeGreaterThanOrEqual(10);
    // The counter's 20 ms period, or a multiple when polls run late on a loaded machine.
    expect(sampler.achievedIntervalMs()).toBeGreaterThanOrEqual(15);
    expect(sampler.achievedIntervalMs()).toBeLessThanOrEqual(200);
    const r = sampler.readings(t0, nowMs())[0]!;
    expect(r).toMatchObject({ smClockMHz: 1980, memClockMHz: 2619, temperatureC: 54, throttleReasons: 4 });
  });

  it('falls back to instant power samples where the counter is NOT_SUPPORTED (pre-Volta)', async () => {
    process.env['NVML_STUB_ENERGY_ERROR'] = '3';
    process.env['NVML_STUB_POWER_W'] = '70';
    const sampler = new NvmlSampler({ gpuIndex: 0, intervalMs: 10, library });
    expect(sampler.mode).toBe('instant');
    expect(sampler.description).toMatch(/instant power/);
    await sampler.start();
    expect(sampler.latest()!.powerW).toBe(70);
    // Without NVML_FI_DEV_POWER_INSTANT, nvmlDeviceGetPowerUsage still gives a reading.
    process.env['NVML_STUB_FIELD_ERROR'] = '3';
    process.env['NVML_STUB_POWER_W'] = '65';
    await sleep(50);
    expect(sampler.latest()!.powerW).toBe(65);
    await sampler.stop();
  });

  it('says in one line why NVML cannot be used; auto then samples with nvidia-smi', () => {
    process.env['NVML_STUB_INIT_ERROR'] = '9';
    expect(() => new NvmlSampler({ gpuIndex: 0, intervalMs: 10, library })).toThrow(
      'nvmlInit_v2 failed: Driver Not Loaded (NVML error 9)',
    );
    delete process.env['NVML_STUB_INIT_ERROR'];
    expect(() => new NvmlSampler({ gpuIndex: 3, intervalMs: 10, library })).toThrow(
      'nvmlDeviceGetHandleByIndex_v2 failed: Invalid Argument (NVML error 2)',
    );
    const warnings: string[] = [];
    const ctx = {
      gpu,
      supportedFields: [],
      raplZones: [],
      intervalMs: 50,
      nvmlLibrary: '/nonexistent/libnvidia-ml.so.1',
      onWarning: (m: string) => warnings.push(m),
    };
    expect(createPowerSampler('auto', 'gpu', ctx).sampler.source).toBe('nvidia-smi');
    expect(warnings[0]).toMatch(/^NVML not used \(\/nonexistent\/libnvidia-ml\.so\.1 could not be loaded/);
    expect(() => createPowerSampler('nvml', 'gpu', ctx)).toThrow(/^power source nvml is not usable: /);
    expect(createPowerSampler('auto', 'gpu', { ...ctx, nvmlLibrary: library }).sampler.source).toBe('nvml');
  });
});

describe('energy per forward pass from the counter (Yang et al. trials) with a real torch worker', () => {
  let engine: TorchEngine;
  beforeAll(async () => {
    engine = await TorchEngine.create({ python: TORCH_PYTHON, device: 'cpu', threads: 1 });
  });
  afterAll(async () => {
    await engine.dispose();
  });

  it('records the window, its sample count and the counter period; idle power is kept apart', async () => {
    process.env['NVML_STUB_POWER_W'] = '300';
    process.env['NVML_STUB_UPDATE_MS'] = '25';
    const sampler = new NvmlSampler({ gpuIndex: 0, intervalMs: 2, library });
    await sampler.start();
    const work = await engine.prepare({ spec: conv(8, 3), inputs: [[16, 16, 8]], batch: 2 });
    const m = await measureWork(work, sampler, {
      timing: { warmupRuns: 2, minRuns: 10, minDurationMs: 0, budgetMs: 5000, minRunsUnderBudget: 3 },
      minSamples: 10,
      cooldownMs: 0,
      idleW: 60,
    });
    work.dispose();
    await sampler.stop();
    expect(m.power).not.toBe('unavailable');
    const p = m.power as Exclude<typeof m.power, 'unavailable'>;
    expect(p.source).toBe('nvml');
    expect(p.meanW).toBeGreaterThan(300 * 0.9);
    expect(p.meanW).toBeLessThan(300 * 1.1);
    // 3 trials of ≥ 1 s kept each (rise time dropped)
    expect(p.windowMs).toBeGreaterThanOrEqual(3000);
    expect(p.samples).toBeGreaterThanOrEqual(100);
    // The observed period is the counter's (25 ms) or, when polls run late on a loaded machine, a
    // multiple of it; never shorter.
    expect(p.intervalMs).toBeGreaterThanOrEqual(20);
    expect(p.intervalMs).toBeLessThanOrEqual(250);
    expect(p.idleW).toBe(60); // reported, not subtracted
    expect(m.energyMj).toBeCloseTo(p.meanW * m.runtime.meanMs, 6);
    expect(m.clocks).toEqual({ smMHz: 1980, memMHz: 2619 });
    expect(m.throttleReasons).toEqual(['sw_power_cap']);
  });
});
