import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nowMs } from '../src/clock.js';
import { silentLogger } from '../src/log.js';
import { runAgent } from '../src/run.js';

describe('runAgent on the CPU with RAPL', () => {
  it('measures power from the package energy counter and files records under the CPU platform', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'np-rapl-agent-'));
    const zone = path.join(root, 'intel-rapl:0');
    mkdirSync(zone);
    writeFileSync(path.join(zone, 'name'), 'package-0\n');
    const maxUj = 5_000_000; // wraps every 0.5 s at 10 W: the sampler must handle it
    writeFileSync(path.join(zone, 'max_energy_range_uj'), `${maxUj}\n`);
    // The "package" draws 10 W: energy = 10 W × elapsed time, written every few ms.
    const start = nowMs();
    const write = () => {
      const uj = Math.round((nowMs() - start) * 10_000) % maxUj; // 10 W = 10 000 µJ per ms
      writeFileSync(path.join(zone, 'energy_uj'), `${uj}\n`);
    };
    write();
    const timer = setInterval(write, 2);
    try {
      const records: {
        power: unknown;
        energyMj: number | null;
        runtime: { meanMs: number; medianMs: number };
        precision?: unknown;
      }[] = [];
      const result = await runAgent({
        stateDir: mkdtempSync(path.join(os.tmpdir(), 'np-rapl-state-')),
        backend: 'cpu',
        powercapRoot: root,
        nvidiaSmiCommand: path.join(root, 'no-nvidia-smi'),
        intervalMs: 20,
        idleMs: 300,
        logger: silentLogger(),
        progress: false,
        timing: { warmupRuns: 1, minRuns: 3 },
        measure: { powerWindowMs: 400, minSamples: 5 },
        sweep: { kinds: ['conv', 'fc'], count: 1, preset: 'tiny' },
        onRecord: (r) => records.push(r),
      });
      expect(result.platform.input.kind).toBe('cpu');
      expect(result.powerSource).toBe('rapl');
      expect(result.idlePowerW).toBeGreaterThan(5);
      expect(result.idlePowerW).toBeLessThan(15);
      expect(records).toHaveLength(2);
      for (const r of records) {
        const p = r.power as { meanW: number; source: string; samples: number };
        expect(p.source).toBe('rapl');
        // Writes and polls share this thread, so allow their jitter; a wrap mishandled would give ~0 or ~10⁴ W.
        expect(p.meanW).toBeGreaterThan(5);
        expect(p.meanW).toBeLessThan(15);
        // Block-timed (the default): energy per pass at the median, the runtime the record reports.
        expect(r.precision).toBeDefined();
        expect(r.energyMj).toBeCloseTo(p.meanW * r.runtime.medianMs, 9);
      }
    } finally {
      clearInterval(timer);
    }
  });
});
