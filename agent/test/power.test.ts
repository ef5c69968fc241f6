import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nowMs, sleep } from '../src/clock.js';
import { discoverRaplZones } from '../src/discovery/rapl.js';
import { NvidiaSmiSampler } from '../src/power/nvidia-smi/index.js';
import { energyDeltaUj, RaplSampler } from '../src/power/rapl/index.js';
import { achievedInterval, windowStats } from '../src/power/window.js';
import { fakeNvidiaSmiDir, withPath } from './helpers/fake-path.js';
import { fixtureFiles } from './helpers/fixtures.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls (bounded) until `check` holds; returns whether it did. */
async function eventually(check: () => boolean, tries = 200, stepMs = 25): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (check()) return true;
    await sleep(stepMs);
  }
  return check();
}

describe('window statistics', () => {
  // Samples every 10 ms; each describes the 10 ms before it.
  const samples = [10, 20, 30, 40, 50].map((t, i) => ({ tMs: t, powerW: [100, 100, 200, 200, 300][i]! }));

  it('integrates time-weighted, including samples straddling both edges', () => {
    // [15, 35]: half of (10,20]=100 W, all of (20,30]=200 W, half of (30,40]=200 W
    const w = windowStats(samples, 15, 35, 1, 10)!;
    expect(w.meanPowerW).toBeCloseTo((5 * 100 + 10 * 200 + 5 * 200) / 20, 10);
    expect(w.samples).toBe(3);
    expect(w.minPowerW).toBe(100);
    expect(w.maxPowerW).toBe(200);
    expect(w.coverage).toBe(1);
    expect(w.lowSamples).toBe(false);
  });

  it('covers the first sample with the nominal interval before it', () => {
    const w = windowStats(samples, 0, 10, 1, 10)!;
    expect(w.meanPowerW).toBe(100);
    expect(w.coverage).toBe(1);
  });

  it('flags a window with fewer samples than required', () => {
    const w = windowStats(samples, 41, 49, 5, 10)!;
    expect(w.meanPowerW).toBe(300);
    expect(w.samples).toBe(1);
    expect(w.lowSamples).toBe(true);
  });

  it('reports partial coverage when samples stop before the window ends', () => {
    const w = windowStats(samples, 40, 60, 1, 10)!;
    expect(w.coverage).toBe(0.5);
    expect(w.meanPowerW).toBe(300);
  });

  it('is undefined for an empty or inverted window', () => {
    expect(windowStats(samples, 70, 80, 1, 10)).toBeUndefined();
    expect(windowStats(samples, 30, 20, 1, 10)).toBeUndefined();
  });

  it('reports the achieved interval as the median gap', () => {
    expect(
      achievedInterval([
        { tMs: 0, powerW: 1 },
        { tMs: 9, powerW: 1 },
        { tMs: 20, powerW: 1 },
        { tMs: 100, powerW: 1 },
      ]),
    ).toBe(11);
  });
});

describe('nvidia-smi sampler against a fake nvidia-smi replaying a trace', () => {
  const saved = { ...process.env };
  let dir: string;
  let pids: string;
  beforeEach(() => {
    dir = fakeNvidiaSmiDir();
    pids = path.join(dir, 'pids');
    process.env['PATH'] = withPath(dir);
    process.env['FAKE_SMI_FIXTURE'] = fixtureFiles().find((f) => f.includes('h100-80gb'))!;
    process.env['FAKE_SMI_PIDS'] = pids;
  });
  afterEach(() => {
    process.env = { ...saved };
  });
  const fakePids = () =>
    readFileSync(pids, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.includes('-lms'))
      .map((l) => Number(l.split(' ')[0]));

  it('stamps samples on arrival and window means match the trace', async () => {
    // 30 samples at 100 W, then 300 W for the rest of the run.
    process.env['FAKE_SMI_TRACE'] = [...Array(30).fill(100), 300].join(',');
    const sampler = new NvidiaSmiSampler({ gpuIndex: 0, intervalMs: 20, supportedFields: [] });
    await sampler.start();
    try {
      expect(await eventually(() => sampler.latest()?.powerW === 300)).toBe(true);
      const t0 = nowMs();
      await sleep(300);
      const t1 = nowMs();
      const w = await sampler.window({ t0Ms: t0, t1Ms: t1, minSamples: 5 });
      expect(w).toBeDefined();
      expect(w!.meanPowerW).toBeCloseTo(300, 9);
      expect(w!.samples).toBeGreaterThanOrEqual(5);
      expect(w!.lowSamples).toBe(false);
      expect(w!.coverage).toBe(1);
      // The replayed sequence arrives intact and in order.
      const seen = sampler.samples().map((s) => s.powerW);
      expect(seen.slice(0, 30)).toEqual(Array(30).fill(100));
      expect(new Set(seen.slice(30))).toEqual(new Set([300]));
      // A window across the step lies strictly between the two levels.
      const all = sampler.samples();
      const mixed = await sampler.window({ t0Ms: all[20]!.tMs, t1Ms: all[40]!.tMs, minSamples: 5 });
      expect(mixed!.meanPowerW).toBeGreaterThan(100);
      expect(mixed!.meanPowerW).toBeLessThan(300);
      expect(mixed!.minPowerW).toBe(100);
      expect(mixed!.maxPowerW).toBe(300);
      // clocks, temperature and throttle reasons come with each sample
      const reading = sampler.latest()!.reading!;
      expect(reading.smClockMHz).toBe(345);
      expect(reading.temperatureC).toBe(41);
      expect(reading.throttleReasons).toBe(1);
      expect(sampler.powerField).toBe('power.draw.instant');
      expect(sampler.achievedIntervalMs()).toBeGreaterThan(0);
    } finally {
      await sampler.stop();
    }
    expect(fakePids().every((pid) => !alive(pid))).toBe(true);
  });

  it('restarts nvidia-smi when it dies', async () => {
    process.env['FAKE_SMI_MODE'] = 'exit-after=5';
    const warnings: string[] = [];
    const sampler = new NvidiaSmiSampler({
      gpuIndex: 0,
      intervalMs: 10,
      supportedFields: [],
      onWarning: (m) => warnings.push(m),
    });
    await sampler.start();
    try {
      expect(await eventually(() => sampler.restartCount >= 2)).toBe(true);
      expect(await eventually(() => sampler.samples().length > 12)).toBe(true);
      expect(warnings[0]).toMatch(/nvidia-smi sampler exited \(code 3\); restarting/);
    } finally {
      await sampler.stop();
    }
    expect(fakePids().length).toBeGreaterThanOrEqual(3);
    expect(await eventually(() => fakePids().every((pid) => !alive(pid)))).toBe(true);
  });

  it.each([
    ['exits without stopping the sampler', 'exit'],
    ['is killed with SIGKILL', 'kill'],
  ])('leaves no nvidia-smi behind when the agent %s', async (_what, how) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'helpers/sampler-child.ts'), how],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: process.env,
      },
    );
    const line = await new Promise<string>((resolve) => {
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        if (buf.includes('\n')) resolve(buf.split('\n')[0]!);
      });
    });
    const { pid } = JSON.parse(line) as { pid: number };
    expect(alive(pid)).toBe(true);
    if (how === 'kill') child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await eventually(() => !alive(pid))).toBe(true);
  });
});

describe('RAPL sampler against a fake powercap tree', () => {
  function tree(zones: { id: string; name: string; energyUj: number; maxUj: number }[]): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'np-powercap-'));
    for (const z of zones) {
      const d = path.join(root, z.id);
      mkdirSync(d);
      writeFileSync(path.join(d, 'name'), `${z.name}\n`);
      writeFileSync(path.join(d, 'energy_uj'), `${z.energyUj}\n`);
      writeFileSync(path.join(d, 'max_energy_range_uj'), `${z.maxUj}\n`);
    }
    return root;
  }
  const setEnergy = (root: string, id: string, uj: number) =>
    writeFileSync(path.join(root, id, 'energy_uj'), `${uj}\n`);

  it('finds package zones only (sub-zones would double-count)', async () => {
    const root = tree([
      { id: 'intel-rapl:0', name: 'package-0', energyUj: 1, maxUj: 100 },
      { id: 'intel-rapl:0:0', name: 'core', energyUj: 1, maxUj: 100 },
      { id: 'intel-rapl:1', name: 'package-1', energyUj: 1, maxUj: 100 },
      { id: 'intel-rapl:2', name: 'psys', energyUj: 1, maxUj: 100 },
    ]);
    const zones = await discoverRaplZones(root);
    expect(zones.map((z) => z.name)).toEqual(['package-0', 'package-1']);
    expect(zones.every((z) => z.readable && z.maxEnergyRangeUj === 100)).toBe(true);
    expect(await discoverRaplZones(path.join(root, 'missing'))).toEqual([]);
  });

  it('computes ΔE/Δt summed over packages, across a counter wraparound', async () => {
    const max = 262_143_328_850;
    const root = tree([
      { id: 'intel-rapl:0', name: 'package-0', energyUj: max - 1_000_000, maxUj: max },
      { id: 'intel-rapl:1', name: 'package-1', energyUj: 5_000_000, maxUj: max },
    ]);
    const sampler = new RaplSampler({ zones: await discoverRaplZones(root), intervalMs: 100 });
    expect(sampler.poll(0)).toBeUndefined(); // first reading is the baseline
    // 100 ms later: package 0 wrapped after using 3 J; package 1 used 2 J → 5 J / 0.1 s = 50 W
    setEnergy(root, 'intel-rapl:0', 2_000_000);
    setEnergy(root, 'intel-rapl:1', 7_000_000);
    expect(sampler.poll(100)!.powerW).toBeCloseTo(50, 9);
    setEnergy(root, 'intel-rapl:0', 3_000_000);
    setEnergy(root, 'intel-rapl:1', 8_000_000);
    expect(sampler.poll(200)!.powerW).toBeCloseTo(20, 9);
    const w = await sampler.window({ t0Ms: 50, t1Ms: 200, minSamples: 1, waitMs: 0 });
    expect(w!.meanPowerW).toBeCloseTo((50 * 50 + 100 * 20) / 150, 9);
    expect(w!.samples).toBe(2);
  });

  it('energyDeltaUj handles wraparound', () => {
    expect(energyDeltaUj(10, 30, 100)).toBe(20);
    expect(energyDeltaUj(90, 5, 100)).toBe(15);
  });

  it('an unreadable energy counter is reported, not sampled', async () => {
    const root = tree([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1, maxUj: 100 }]);
    writeFileSync(path.join(root, 'intel-rapl:0', 'energy_uj'), 'x');
    const zones = await discoverRaplZones(root);
    expect(zones[0]!.readable).toBe(false);
    expect(zones[0]!.reason).toMatch(/not readable/);
    expect(() => new RaplSampler({ zones, intervalMs: 10 })).toThrow(/no readable RAPL/);
  });
});
