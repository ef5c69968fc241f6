import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  conv,
  fitNetworkCorrection,
  fitSaturatingPowerModel,
  parseModel,
  serializeKindModel,
  serializeNetworkCorrection,
} from '@neuralpower/core';
import { parseDataset } from '@neuralpower/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const DATA = resolve(ROOT, '../shared/reference/neuralpower-data');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process, from the repository root. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      'node',
      ['bin/neuralpower.js', ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
let models: string;
let fitRuntime: Run;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'np-cli-'));
  models = join(dir, 'models');
  await import('node:fs/promises').then((fs) => fs.mkdir(models));
  // Both fits at once: the two child processes overlap their start-up.
  const [runtime, power] = await Promise.all([
    cli(
      'fit',
      '--data',
      join(DATA, 'res_conv.txt'),
      '--kind',
      'conv',
      '--target',
      'runtime',
      '--out',
      models,
      '--json',
    ),
    cli(
      'fit',
      '--data',
      join(DATA, 'res_conv.txt'),
      '--kind',
      'conv',
      '--target',
      'power',
      '--out',
      join(models, 'conv-power.json'),
    ),
  ]);
  fitRuntime = runtime;
  expect(power.stderr).toBe('');
  expect(power.code).toBe(0);
  expect(power.stdout).toMatch(/conv power model: 39 rows, 10-fold cross-validation/);
  expect(power.stdout).toMatch(/out-of-fold: RMSPE [\d.]+ %, RMSE [\d.]+ W/);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('neuralpower fit', () => {
  it('fits the real res_conv.txt (39 rows) and reports cross-validated metrics as JSON', async () => {
    expect(fitRuntime.stderr).toBe('');
    expect(fitRuntime.code).toBe(0);
    const out = JSON.parse(fitRuntime.stdout);
    expect(out).toMatchObject({
      kind: 'conv',
      target: 'runtime',
      unit: 'ms',
      out: join(models, 'conv-runtime.json'),
    });
    expect(out.report).toMatchObject({
      n: 39,
      folds: 10,
      candidateTerms: 162, // the default extended set: the paper's 127 + 35
      objectiveMode: 'auto',
      seed: 1,
    });
    for (const k of ['rmspe', 'rmse', 'mape', 'within10Pct', 'lambda'])
      expect(Number.isFinite(out.report[k])).toBe(true);
    expect(out.report.cvRmspeByObjective.squared).toBeGreaterThan(0);
    expect(out.report.cvRmspeByObjective.relative).toBeGreaterThan(0);
    const model = parseModel(JSON.parse(await readFile(out.out, 'utf8')));
    expect(model.report).toEqual(out.report);
    expect(model.training.n).toBe(39);
  });

  it('chooses the power model family as the collector does, and obeys --power-model', async () => {
    // 48 fc layers whose power follows the saturating work-rate law exactly (idle 60 W, limit 300 W);
    // runtime is work over a fixed rate, so a runtime model predicts it and the choice is clear.
    const lines = ['kind,units,bias,inputs,batch,runtime_ms,power_w'];
    for (let i = 0; i < 48; i++) {
      const cin = 64 * (1 + (i % 8));
      const units = 32 * (1 + ((i * 5) % 12));
      const batch = 1 + ((i * 7) % 16);
      const macs = cin * units * batch;
      const runtimeMs = 0.01 + macs / 4e6;
      const powerW = 60 + 240 * (1 - Math.exp(-(0.1 + (1.5e-7 * macs) / runtimeMs)));
      lines.push(`fc,${units},true,1x1x${cin},${batch},${runtimeMs.toFixed(6)},${powerW.toFixed(4)}`);
    }
    const csv = join(dir, 'saturating-fc.csv');
    await writeFile(csv, `${lines.join('\n')}\n`);
    const fitPower = (out: string, ...flags: string[]) =>
      cli('fit', '--data', csv, '--kind', 'fc', '--target', 'power', ...flags, '--out', join(dir, out));
    const [auto, polynomial, text] = await Promise.all([
      fitPower('fc-power-auto.json', '--power-model', 'auto', '--idle-w', '60', '--limit-w', '300', '--json'),
      fitPower('fc-power-poly.json', '--power-model', 'polynomial', '--json'),
      fitPower('fc-power-text.json', '--idle-w', '60'),
    ]);
    expect(auto.stderr).toBe('');
    const chosen = JSON.parse(auto.stdout);
    expect(chosen.family).toBe('saturating');
    expect(chosen.powerFamily).toMatchObject({
      mode: 'auto',
      chosen: 'saturating',
      idleW: 60,
      idleFrom: 'platform',
      limitW: 300,
    });
    expect(chosen.powerFamily.cvRmspe.saturatingAtPredictedRuntime).toBeLessThan(
      chosen.powerFamily.cvRmspe.polynomial,
    );
    const written = JSON.parse(await readFile(chosen.out, 'utf8'));
    expect(written).toMatchObject({
      family: 'saturating',
      kind: 'fc',
      target: 'power',
      idleW: 60,
      limitW: 300,
    });
    const forced = JSON.parse(polynomial.stdout);
    expect(forced.family).toBe('polynomial');
    expect(forced.powerFamily.cvRmspe.saturating).toBeNull();
    expect(parseModel(JSON.parse(await readFile(forced.out, 'utf8'))).target).toBe('power');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/fc power model: saturating work-rate, 48 rows/);
    expect(text.stdout).toMatch(/idle 60(\.0+)? W from --idle-w, limit [\d.]+ W from cross-validation/);
    expect(text.stdout).toMatch(/power family: saturating \(auto; cross-validated RMSPE polynomial [\d.]+ %/);
  });

  it('fails clearly on bad input, with a non-zero exit code', async () => {
    const conv = join(DATA, 'res_conv.txt');
    const out = join(dir, 'x.json');
    const [folds, kind, small, missing] = await Promise.all([
      cli('fit', '--data', conv, '--kind', 'conv', '--target', 'runtime', '--folds', '30', '--out', out),
      cli('fit', '--data', conv, '--kind', 'winograd', '--target', 'runtime', '--out', out),
      cli('fit', '--data', join(DATA, 'res_pool.txt'), '--kind', 'pool', '--target', 'runtime', '--out', out),
      cli('fit', '--data', join(dir, 'nope.csv'), '--kind', 'conv', '--target', 'runtime', '--out', out),
    ]);
    const bounds = await cli(
      'fit',
      '--data',
      conv,
      '--kind',
      'conv',
      '--target',
      'power',
      '--idle-w',
      '200',
      '--limit-w',
      '100',
      '--out',
      out,
    );
    expect(bounds.code).toBe(1);
    expect(bounds.stderr).toMatch(/^error: --idle-w \(200 W\) must be below --limit-w \(100 W\)/);
    expect(folds.code).toBe(1);
    expect(folds.stderr).toMatch(
      /^error: --folds 30 needs at least 60 rows; .*res_conv\.txt \(conv runtime\) has 39: use --folds 19 or fewer/,
    );
    expect(kind.code).toBe(1);
    expect(kind.stderr).toMatch(/^error: --kind: unknown model kind "winograd"; known: conv, dwconv, fc/);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(
      /res_pool\.txt \(pool runtime\) has 3 rows; cross-validation needs at least 4/,
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.csv: cannot read the file \(ENOENT\)/);
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });
});

describe('neuralpower predict', () => {
  const tiny = {
    name: 'tiny-cifar',
    batch: 10,
    input: [32, 32, 3],
    nodes: [
      {
        name: 'conv1',
        spec: conv(16, 3),
        parents: [],
      },
      { name: 'relu1', spec: { kind: 'activation', fn: 'relu' }, parents: ['conv1'] },
      {
        name: 'conv2',
        spec: conv(12, 3),
        parents: ['relu1'],
      },
    ],
  };

  it('applies a network correction file given with the models, and a saturating power model', async () => {
    const file = join(dir, 'tiny.json');
    await writeFile(file, JSON.stringify(tiny));
    // Eight networks, each 0.5 ms per layer slower than its layers' sum: the `overhead` form.
    const observations = [3, 5, 8, 12, 20, 30, 45, 60].map((layers, i) => {
      const sumMs = 2 + 3 * i;
      return { name: `n${i}`, sumMs, layers, activationMb: 1, measuredMs: sumMs + 0.5 * layers };
    });
    const correction = join(dir, 'network-correction.json');
    await writeFile(
      correction,
      JSON.stringify(serializeNetworkCorrection(fitNetworkCorrection(observations))),
    );
    const runtime = join(models, 'conv-runtime.json');
    // A saturating conv power model from the paper's conv rows (idle and limit chosen by CV).
    const rows = parseDataset(await readFile(join(DATA, 'res_conv.txt'), 'utf8'), 'res_conv.txt').flatMap(
      (m) => (m.powerW === null ? [] : [{ config: m.config, runtimeMs: m.runtimeMs, powerW: m.powerW }]),
    );
    const power = join(dir, 'conv-power-saturating.json');
    await writeFile(power, JSON.stringify(serializeKindModel(fitSaturatingPowerModel(rows))));
    const [text, json] = await Promise.all([
      cli('predict', '--models', runtime, correction, power, '--network', file),
      cli('predict', '--models', runtime, correction, power, '--network', file, '--json'),
    ]);
    expect(text.stderr).toBe('');
    const p = JSON.parse(json.stdout);
    expect(p.totals.correction).toMatchObject({ form: 'overhead', networks: 8, records: 8, applied: true });
    expect(p.totals.runtimeMs).toBeCloseTo(p.totals.uncorrectedRuntimeMs + 0.5 * 3, 9);
    expect(text.stdout).toMatch(
      /\nnetwork correction \(overhead, learned from 8 networks \(8 end-to-end records\)\): Σ layers [\d.]+ ms → [\d.]+ ms; leave-one-network-out error [\d.]+ % \(plain sum [\d.]+ %\)/,
    );
    expect(text.stdout).toMatch(
      /\n90 % interval of the runtime: [\d.]+–[\d.]+ ms \(the network correction's left-out networks\)/,
    );
    // The power model's family is named; its power follows each layer's predicted runtime.
    expect(p.powerModels).toEqual([
      expect.objectContaining({ kind: 'conv', family: 'saturating', idleFrom: 'cv', limitFrom: 'cv' }),
    ]);
    expect(p.layers[0]).toMatchObject({ powerFamily: 'saturating' });
    expect(p.layers[0].energyMj).toBeCloseTo(p.layers[0].powerW * p.layers[0].runtimeMs, 9);
    expect(text.stdout).toMatch(
      /\npower models: conv saturating \(idle [\d.]+ W \(cross-validation\), limit [\d.]+ W \(cross-validation\)\); saturating power follows the predicted runtime/,
    );
  });

  it('predicts a network file with the fitted models: per-layer table, totals, uncovered layers', async () => {
    const file = join(dir, 'tiny.json');
    await writeFile(file, JSON.stringify(tiny));
    const [text, json] = await Promise.all([
      cli('predict', '--models', models, '--network', file),
      cli(
        'predict',
        '--models',
        join(models, 'conv-runtime.json'),
        join(models, 'conv-power.json'),
        '--network',
        file,
        '--json',
        '--batch',
        '20',
      ),
    ]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^tiny-cifar: batch 10, 3 layers, 2 fully covered/);
    // runtime, its 90 % interval (low–high), power, its 90 % interval, energy
    expect(text.stdout).toMatch(/\nconv1 +conv +[\d.]+\*? +[\d.]+–[\d.]+ +[\d.]+ +[\d.]+–[\d.]+ +[\d.]+ /);
    expect(text.stdout).toMatch(/\nrelu1 +activation +- +- +- +- +- /);
    expect(text.stdout).toMatch(/\n90 % interval of the runtime: [\d.]+–[\d.]+ ms/);
    expect(text.stdout).toMatch(/relu1: no runtime or power model for activation/);
    expect(text.stdout).toMatch(/\npower models: conv polynomial\n/);
    expect(json.code).toBe(0);
    const p = JSON.parse(json.stdout);
    expect(p.batch).toBe(20);
    expect(p.uncovered).toEqual([
      {
        name: 'relu1',
        kind: 'activation',
        modelKind: 'activation',
        missing: ['runtime', 'power'],
        reason: 'no runtime or power model for activation',
      },
    ]);
    const [c1, , c2] = p.layers;
    expect(p.totals.runtimeMs).toBeCloseTo(c1.runtimeMs + c2.runtimeMs, 12);
    for (const l of [c1, c2]) {
      expect(l.runtimeRangeMs.low).toBeLessThanOrEqual(l.runtimeMs);
      expect(l.runtimeRangeMs.high).toBeGreaterThanOrEqual(l.runtimeMs);
    }
    expect(p.totals.runtimeRangeMs.high).toBeCloseTo(c1.runtimeRangeMs.high + c2.runtimeRangeMs.high, 12);
    expect(p.totals.energyMj).toBeCloseTo(c1.powerW * c1.runtimeMs + c2.powerW * c2.runtimeMs, 9);
    expect(p.totals.powerW).toBeCloseTo(p.totals.energyMj / p.totals.runtimeMs, 9);
    expect(p.totals).toMatchObject({
      runtimeComplete: false,
      energyComplete: false,
      powerAvailable: true,
      coveredLayers: 2,
    });
    // Batch 20 is outside the training data (N = 10 throughout): the prediction says it extrapolates.
    expect(c1.outOfRange).toContain('N=20 (trained 10..10)');
  });

  it('gives a runtime-only prediction from runtime models, and names bad model files', async () => {
    const bad = join(dir, 'bad-model.json');
    const good = JSON.parse(await readFile(join(models, 'conv-runtime.json'), 'utf8'));
    await writeFile(bad, JSON.stringify({ ...good, format: 'neuralpower.model/9' }));
    const file = join(dir, 'tiny.json');
    const [runtimeOnly, badModel, badNetwork, twice] = await Promise.all([
      cli(
        'predict',
        '--models',
        join(models, 'conv-runtime.json'),
        '--network',
        file,
        '--json',
        '--runtime-floor-ms',
        '0',
      ),
      cli('predict', '--models', bad, '--network', file),
      cli('predict', '--models', models, '--network', 'no-such-net'),
      cli('predict', '--models', models, join(models, 'conv-power.json'), '--network', file),
    ]);
    expect(runtimeOnly.code).toBe(0);
    const p = JSON.parse(runtimeOnly.stdout);
    expect(p.runtimeFloorMs).toBe(0);
    expect(p.totals).toMatchObject({ powerW: null, energyMj: null, powerAvailable: false });
    expect(p.layers[0].powerW).toBeNull();
    expect(p.uncovered.map((u: { missing: string[] }) => u.missing)).toEqual([['runtime']]);
    expect(badModel.code).toBe(1);
    expect(badModel.stderr).toMatch(
      /bad-model\.json: format: unsupported model format "neuralpower.model\/9"/,
    );
    expect(badNetwork.code).toBe(1);
    expect(badNetwork.stderr).toMatch(/"no-such-net" is neither a zoo network nor a readable file/);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(
      /conv-power\.json: a second conv power model \(the first is .*conv-power\.json\)/,
    );
  });
});
