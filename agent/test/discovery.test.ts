import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanValue, parseNvidiaCsv } from '../src/discovery/csv.js';
import { gpuInfoFromRow, readingFromRow, throttleReasonNames } from '../src/discovery/gpu.js';
import { parseHelpQueryGpu } from '../src/discovery/help-query.js';
import { parseNvidiaSmiList } from '../src/discovery/list.js';
import { probeNvidiaSmi } from '../src/discovery/nvidia-smi.js';
import { parseNvidiaSmiVersion } from '../src/discovery/version.js';
import { samplerFields } from '../src/power/nvidia-smi/index.js';
import { fakeNvidiaSmiDir, withPath } from './helpers/fake-path.js';
import { fixtureFiles, section } from './helpers/fixtures.js';

const files = fixtureFiles();
const name = (f: string) => path.basename(f, '.txt');

describe('nvidia-smi parsers against every real capture', () => {
  it('finds the captures', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  describe.each(files.map((f) => [name(f), f] as const))('%s', (_n, file) => {
    it.each(['idle', 'load'])('parses the %s query-gpu CSV: bracketed values absent, never 0', (state) => {
      const csv = section(file, `${state} :: query-gpu`);
      const rows = parseNvidiaCsv(csv.body);
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      const header = csv.body.split('\n')[0]!.split(', ');
      const raw = csv.body.split('\n')[1]!.split(', ');
      header.forEach((h, i) => {
        const field = h.replace(/ \[.*\]$/, '');
        const cell = raw[i]!;
        if (cell.startsWith('[')) expect(row[field], `${field} = ${cell}`).toBeUndefined();
        else if (cell.trim() !== '' && cell.trim() !== 'N/A') expect(row[field], field).toBeDefined();
      });
      const gpu = gpuInfoFromRow(row)!;
      expect(gpu.index).toBe(0);
      expect(gpu.name).toMatch(/^NVIDIA /);
      expect(gpu.uuid).toMatch(/^GPU-/);
      expect(gpu.memoryTotalMiB).toBeGreaterThan(1000);
      expect(gpu.enforcedPowerLimitW).toBeGreaterThan(100);
      expect(gpu.maxSmClockMHz).toBeGreaterThan(1000);
      expect(gpu.computeCap).toMatch(/^\d+\.\d+$/);
      const reading = readingFromRow(row);
      expect(reading.powerW).toBeGreaterThan(10);
      expect(reading.powerW).toBeLessThan(gpu.enforcedPowerLimitW! * 1.1);
      expect(reading.temperatureC).toBeGreaterThan(10);
      expect(reading.smClockMHz).toBeGreaterThan(100);
      expect(reading.pstate).toMatch(/^P\d+$/);
      expect(reading.throttleReasons).toBeTypeOf('number');
      // utilization.gpu is [N/A] under MIG: absent, not 0
      if (raw[header.findIndex((h) => h.startsWith('utilization.gpu'))]!.startsWith('[')) {
        expect(reading.utilizationPct).toBeUndefined();
      } else expect(reading.utilizationPct).toBeTypeOf('number');
    });

    it('parses --version', () => {
      const v = parseNvidiaSmiVersion(section(file, 'capabilities :: version').body);
      expect(v.driverVersion).toMatch(/^\d+\.\d+/);
      expect(v.cudaVersion).toMatch(/^\d+\.\d+$/);
      expect(file).toContain(v.driverVersion!);
    });

    it('lists query fields, so unsupported ones can be dropped', () => {
      const fields = parseHelpQueryGpu(section(file, 'capabilities :: help-query-gpu').body);
      expect(fields.has('power.draw')).toBe(true);
      expect(fields.has('clocks.sm')).toBe(true); // alias of clocks.current.sm
      expect(fields.has('clocks_throttle_reasons.active')).toBe(true);
      expect(samplerFields(fields)).toContain('power.draw.instant');
      expect(samplerFields(fields)).not.toContain('no.such.field');
    });

    it('parses -L (MIG devices included)', () => {
      const gpus = parseNvidiaSmiList(section(file, 'capabilities :: list').body);
      expect(gpus).toHaveLength(1);
      expect(gpus[0]!.uuid).toMatch(/^GPU-/);
      if (file.includes('mig')) {
        expect(gpus[0]!.mig.map((m) => m.profile)).toEqual(['3g.40gb', '2g.20gb', '1g.10gb', '1g.10gb']);
        expect(gpus[0]!.mig[0]!.uuid).toMatch(/^MIG-/);
      } else expect(gpus[0]!.mig).toEqual([]);
    });
  });

  it('maps every "no value" spelling to undefined and strips units', () => {
    for (const v of [
      '[N/A]',
      '[Not Supported]',
      '[Requested functionality has been deprecated]',
      '[Unknown Error]',
      'N/A',
      ' ',
    ]) {
      expect(cleanValue(v)).toBeUndefined();
    }
    expect(cleanValue(' 71.15 W')).toBe('71.15');
    expect(cleanValue('81559 MiB')).toBe('81559');
    expect(cleanValue('100 %')).toBe('100');
    expect(cleanValue('0')).toBe('0');
  });

  it('keeps the values of a truncated row and leaves the rest absent', () => {
    const rows = parseNvidiaCsv('0, 250.1', ['index', 'power.draw', 'temperature.gpu']);
    expect(rows[0]).toEqual({ index: '0', 'power.draw': '250.1', 'temperature.gpu': undefined });
  });

  it('names throttle reasons from the mask', () => {
    expect(throttleReasonNames(0x4 | 0x40)).toEqual(['sw_power_cap', 'hw_thermal_slowdown']);
    expect(throttleReasonNames(0)).toEqual([]);
    expect(throttleReasonNames(undefined)).toEqual([]);
  });
});

describe('probe through a fake nvidia-smi on PATH', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  const dir = fakeNvidiaSmiDir();

  it.each(files.map((f) => [name(f), f] as const))('%s', async (_n, file) => {
    process.env['PATH'] = withPath(dir);
    process.env['FAKE_SMI_FIXTURE'] = file;
    const probe = await probeNvidiaSmi({ timeoutMs: 10_000 });
    expect(probe.ok, probe.ok ? '' : probe.reason).toBe(true);
    if (!probe.ok) return;
    expect(probe.gpus).toHaveLength(1);
    const gpu = probe.gpus[0]!;
    expect(gpu.enforcedPowerLimitW).toBeGreaterThan(100);
    expect(gpu.computeCap).toMatch(/^\d+\.\d+$/);
    expect(probe.version.cudaVersion).toMatch(/^\d+\.\d+$/);
    if (file.includes('mig')) {
      expect(gpu.migMode).toBe('Enabled');
      expect(gpu.mig).toHaveLength(4);
    }
  });

  it('a missing nvidia-smi gives a clear reason', async () => {
    const probe = await probeNvidiaSmi({ command: path.join(dir, 'does-not-exist') });
    expect(probe).toEqual({ ok: false, reason: expect.stringMatching(/not found/) });
  });

  it('a hanging nvidia-smi times out with a clear reason', async () => {
    process.env['PATH'] = withPath(dir);
    process.env['FAKE_SMI_MODE'] = 'hang';
    const probe = await probeNvidiaSmi({ timeoutMs: 500 });
    expect(probe).toEqual({ ok: false, reason: expect.stringMatching(/did not answer within 500 ms/) });
  });

  it('a failing nvidia-smi (driver not loaded) gives its message', async () => {
    process.env['PATH'] = withPath(dir);
    process.env['FAKE_SMI_MODE'] = 'fail';
    const probe = await probeNvidiaSmi({ timeoutMs: 5000 });
    expect(probe).toEqual({
      ok: false,
      reason: expect.stringMatching(/exited with code 9: NVIDIA-SMI has failed/),
    });
  });
});
