import { describe, expect, it } from 'vitest';
import { type CheckResult, REFERENCE_LAYERS } from '../src/check.js';
import { MAX_REFERENCE_BATCH } from '../src/check-sizing.js';
import { runCli } from './helpers/cli.js';
import { TORCH_PYTHON } from './helpers/torch-python.js';

const cli = (args: string[]) => runCli(args);

describe('neuralpower agent check', () => {
  // Whether this machine passes depends on its load right now; the test checks that the verdict,
  // the figures and the exit code agree, not which verdict it is.
  it('--json measures every reference layer twice; the exit code is the verdict', async () => {
    const { code, stdout, stderr } = await cli([
      'agent',
      'check',
      '--backend',
      'wasm',
      '--budget-ms',
      '300',
      '--json',
    ]);
    expect(stderr).not.toMatch(/error/i);
    const r = JSON.parse(stdout) as CheckResult;
    expect(code).toBe(r.pass ? 0 : 1);
    expect(r.engine).toBe('tfjs');
    expect(r.backend).toBe('wasm');
    expect(r.clock).toBe('process-cpu');
    expect(r.targetRel).toBe(0.02);
    expect(r.toleranceRel).toBe(0.04);
    expect(r.syncOverhead.syncOverheadMs).toBeGreaterThanOrEqual(0);
    // Each reference layer's batch grew from its base (by powers of two) to a run of ≥ minRunMs.
    expect(r.minRunMs).toBeGreaterThanOrEqual(0.1);
    expect(r.minRunMs).toBeCloseTo(Math.max(0.1, 50 * r.syncOverhead.syncOverheadMs), 12);
    expect(r.layers.map((l) => l.name.replace(/ N=\d+$/, ''))).toEqual(REFERENCE_LAYERS.map((l) => l.label));
    r.layers.forEach((l, i) => {
      const base = REFERENCE_LAYERS[i]!.config.batch;
      expect(l.name).toBe(`${REFERENCE_LAYERS[i]!.label} N=${l.batch}`);
      expect(l.batch === MAX_REFERENCE_BATCH || Number.isInteger(Math.log2(l.batch / base))).toBe(true);
    });
    for (const l of r.layers) {
      expect(l.first.medianMs).toBeGreaterThan(0);
      expect(l.second.medianMs).toBeGreaterThan(0);
      const diff =
        Math.abs(l.first.medianMs - l.second.medianMs) / ((l.first.medianMs + l.second.medianMs) / 2);
      expect(l.differenceRel).toBeCloseTo(diff, 12);
      expect(l.pass).toBe(l.first.targetReached && l.second.targetReached && diff <= r.toleranceRel);
    }
    expect(r.pass).toBe(r.layers.every((l) => l.pass));
    expect(r.reasons.length === 0).toBe(r.pass);
  });

  // GPU fleets check with the engine they sweep with: torch (here on the CPU, the same protocol).
  it('--backend torch checks through the torch worker, with its own clock and sync overhead', async () => {
    const { code, stdout } = await cli([
      ...['agent', 'check', '--backend', 'torch', '--torch-device', 'cpu', '--python', TORCH_PYTHON],
      ...['--budget-ms', '150', '--target-pct', '50', '--min-run-ms', '5', '--json'],
    ]);
    const r = JSON.parse(stdout) as CheckResult;
    expect(code).toBe(r.pass ? 0 : 1);
    expect([r.engine, r.backend]).toEqual(['torch', 'cpu']);
    // The first conv runs ~0.1–0.3 ms at N=1 here (7× that under a full test run's load): asked for
    // 5 ms runs, its batch must have grown.
    expect(r.minRunMs).toBe(5);
    expect(r.layers[0]!.batch).toBeGreaterThan(1);
    expect(r.targetRel).toBe(0.5);
    expect(r.layers).toHaveLength(4);
    for (const l of r.layers) expect(l.first.blocks).toBeGreaterThanOrEqual(3);
    expect(r.syncOverhead.syncOverheadMs).toBeGreaterThanOrEqual(0);
  });

  it('prints a verdict line per layer, and names a bad flag', async () => {
    const text = await cli([
      'agent',
      'check',
      '--backend',
      'wasm',
      '--budget-ms',
      '200',
      '--target-pct',
      '50',
    ]);
    expect(text.stdout).toMatch(/^(PASS|FAIL): this machine (can|cannot) currently measure within ±50\.0 %/);
    expect(text.code).toBe(text.stdout.startsWith('PASS') ? 0 : 1);
    expect(text.stdout.match(/^ {2}(ok {2}|FAIL) /gm)).toHaveLength(4);
    const [bad, badRun] = await Promise.all([
      cli(['agent', 'check', '--target-pct', '0']),
      cli(['agent', 'check', '--min-run-ms', '-1']),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--target-pct must be a positive number/);
    expect(badRun.code).toBe(1);
    expect(badRun.stderr).toMatch(/--min-run-ms must be a positive number \(got -1\)/);
  });
});
