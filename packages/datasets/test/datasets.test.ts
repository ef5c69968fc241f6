import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { conv, describeLayer, fc, fitLayerModel, modelKindOf, pool } from '@neuralpower/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DatasetError,
  formatMeasurementCsv,
  loadDataset,
  type Measurement,
  parseDataset,
  parseMeasurementCsv,
  parsePaperRows,
  trainingRows,
  writeMeasurementCsv,
} from '../src/index.js';

const DATA = resolve(import.meta.dirname, '../../../../shared/reference/neuralpower-data');

function expectError(run: () => unknown, pattern: RegExp, column?: string): DatasetError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DatasetError);
    expect((e as Error).message).toMatch(pattern);
    if (column !== undefined) expect((e as DatasetError).column).toBe(column);
    return e as DatasetError;
  }
  return expect.unreachable();
}

describe("the paper's row files", () => {
  it('loads every file in neuralpower-data into describable layer configurations', async () => {
    const files = (await readdir(DATA)).filter((f) => f.endsWith('.txt'));
    expect(files.sort()).toEqual(['res_conv.txt', 'res_drop.txt', 'res_pool.txt']);
    const counts: Record<string, number> = {};
    for (const f of files) {
      const rows = await loadDataset(join(DATA, f));
      counts[f] = rows.length;
      for (const r of rows) {
        expect(() => describeLayer(r.config)).not.toThrow();
        expect(r.runtimeMs).toBeGreaterThan(0);
        expect(r.powerW).toBeGreaterThan(0);
      }
    }
    expect(counts).toEqual({ 'res_conv.txt': 39, 'res_drop.txt': 38, 'res_pool.txt': 3 });
  });

  it('reads res_conv rows: SAME 3x3 and VALID 1x1 convolutions with N, shapes, runtime and power', async () => {
    const rows = await loadDataset(join(DATA, 'res_conv.txt'));
    // 10, 32, 32, 16, 3, 3, 3, 16, 1, 1, 1, 1, 10, 32, 32, 3, 0.495, 122.088
    expect(rows[0]).toEqual({
      config: { spec: conv(16, 3), inputs: [[32, 32, 3]], batch: 10 },
      runtimeMs: 0.495,
      powerW: 122.088,
    });
    // 10, 32, 32, 160, 1, 1, 160, 160, 0, 0, 1, 1, 10, 32, 32, 160, 0.161, 124.680
    expect(rows[13]!.config.spec).toEqual(conv(160, 1, { padding: 'VALID' }));
    const layer = describeLayer(rows[0]!.config);
    expect(layer.output).toEqual([32, 32, 16]);
  });

  it('reads res_pool (padding recovered from the shapes) and res_drop (keep probability → rate)', async () => {
    const pools = await loadDataset(join(DATA, 'res_pool.txt'));
    // 10, 6, 6, 448, 3, 3, 1, 1, 8, 8, 0.187, 125.947
    expect(pools[2]!.config).toEqual({ spec: pool('max', 3, 1, 'VALID'), inputs: [[8, 8, 448]], batch: 10 });
    const drops = await loadDataset(join(DATA, 'res_drop.txt'));
    expect(drops[0]!.config).toEqual({
      spec: { kind: 'dropout', rate: 0.8 },
      inputs: [[32, 32, 12]],
      batch: 10,
    });
  });

  it('reads res_fc and res_concat rows', () => {
    const fcs = parsePaperRows(
      '64, 1000, 1, 1, 4096, 1.25, 150.5\n\n32, 10, 4, 4, 50, 0.2, 90\n',
      'res_fc',
      'x',
    );
    expect(fcs.map((r) => r.config)).toEqual([
      { spec: fc(1000), inputs: [[1, 1, 4096]], batch: 64 },
      { spec: fc(10), inputs: [[4, 4, 50]], batch: 32 },
    ]);
    const cat = parsePaperRows('0.3, 110, 8, 28, 28, 96, 64, 32\n', 'res_concat', 'x');
    expect(cat[0]!.config.inputs).toEqual([
      [28, 28, 64],
      [28, 28, 32],
    ]);
    expect(cat[0]!.runtimeMs).toBe(0.3);
  });

  it('names file, line and column of a bad row', () => {
    expectError(
      () => parseDataset('10, 32, 32, 16, 3, 3, 3, 16, 1, 1, 1, 1, 10, 32, 32\n', 'res_conv.txt'),
      /^res_conv\.txt:1: has 15 columns; res_conv rows have 18/,
    );
    expectError(
      () =>
        parseDataset(
          'x\n10, 32, 32, 16, 3, 3, 3, 16, 1, 1, 1, 1, 10, 32, 32, 4, 0.4, 120\n'.slice(2),
          'a/res_conv.txt',
        ),
      /^a\/res_conv\.txt:1: column 16 \(Cin\): is 4 but column 7 says 3/,
      '16 (Cin)',
    );
    expectError(
      () =>
        parseDataset(
          '10, 16, 16, 160, 2, 2, 2, 2, 32, 32, 0.3, 121\n10, 9, 16, 160, 2, 2, 2, 2, 32, 32, 0.3, 121\n',
          'p/res_pool.txt',
        ),
      /res_pool\.txt:2: column 5 \(kh\): no padding .* turns input 32x32x160 into output 9x16/,
    );
    expectError(
      () => parseDataset('0.2, 10, 32, 32, 12, abc, 111\n', 'res_drop.txt'),
      /res_drop\.txt:1: column 6 \(runtime\): is not a number/,
    );
    expectError(() => parseDataset('1.5, 10, 32, 32, 12, 1, 111\n', 'res_drop.txt'), /keep probability/);
    expectError(
      () => parseDataset('1, 2, 3, 4, 5, 6, 7\n', 'data.txt'),
      /cannot tell the format \(7 columns.*--format/,
    );
  });
});

const sample: Measurement[] = [
  {
    config: { spec: conv(16, 3), inputs: [[32, 32, 3]], batch: 10 },
    runtimeMs: 0.495,
    powerW: 122.088,
    metadata: { platform: 'h100', timestamp: '2026-11-27T16:00:00Z', x_samples: '50' },
  },
  {
    config: {
      spec: conv(64, [7, 5], { stride: 2, padding: { top: 3, bottom: 2, left: 1, right: 0 }, bias: false }),
      inputs: [[224, 224, 3]],
      batch: 1,
    },
    runtimeMs: 1.5e-2,
    powerW: null,
  },
  {
    config: { spec: conv(32, 3, { groups: 32 }), inputs: [[56, 56, 32]], batch: 8 },
    runtimeMs: 0.3,
    powerW: 80.5,
  },
  { config: { spec: fc(1000), inputs: [[7, 7, 512]], batch: 64 }, runtimeMs: 2.25, powerW: 201 },
  {
    config: { spec: pool('avg', 3, 2, 'SAME'), inputs: [[55, 55, 96]], batch: 4 },
    runtimeMs: 0.11,
    powerW: 60,
  },
  {
    config: {
      spec: { kind: 'concat' },
      inputs: [
        [28, 28, 64],
        [28, 28, 32],
      ],
      batch: 2,
    },
    runtimeMs: 0.12,
    powerW: 70,
  },
  {
    config: { spec: { kind: 'reshape', shape: [1, 1, 48] }, inputs: [[4, 4, 3]], batch: 2 },
    runtimeMs: 0.01,
    powerW: null,
  },
  {
    config: { spec: { kind: 'dropout', rate: 0.5 }, inputs: [[1, 1, 4096]], batch: 2 },
    runtimeMs: 0.02,
    powerW: 50,
  },
  {
    config: { spec: { kind: 'pad', top: 1, bottom: 1, left: 2, right: 2 }, inputs: [[8, 8, 3]], batch: 2 },
    runtimeMs: 0.02,
    powerW: 50,
  },
  {
    config: { spec: { kind: 'activation', fn: 'relu' }, inputs: [[8, 8, 3]], batch: 2 },
    runtimeMs: 0.02,
    powerW: 50,
  },
  {
    config: { spec: { kind: 'lrn', depthRadius: 2 }, inputs: [[8, 8, 3]], batch: 2 },
    runtimeMs: 0.02,
    powerW: 50,
  },
];

describe('measurement CSV', () => {
  const dir = mkdtemp(join(tmpdir(), 'np-datasets-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('round-trips through a file: same measurements, same text', async () => {
    const file = join(await dir, 'm.csv');
    await writeMeasurementCsv(file, sample);
    const back = await loadDataset(file);
    expect(back).toEqual(sample);
    expect(formatMeasurementCsv(back)).toBe(formatMeasurementCsv(sample));
  });

  it('writes named columns and empty power for unavailable readings', () => {
    const text = formatMeasurementCsv(sample.slice(0, 2));
    const [header, first, second] = text.split('\n');
    expect(header).toBe(
      'kind,filters,kernelH,kernelW,strideH,strideW,padding,dilationH,dilationW,groups,bias,inputs,batch,runtime_ms,power_w,platform,timestamp,x_samples',
    );
    expect(first).toBe(
      'conv,16,3,3,1,1,SAME,1,1,1,true,32x32x3,10,0.495,122.088,h100,2026-11-27T16:00:00Z,50',
    );
    expect(second).toBe('conv,64,7,5,2,2,3:2:1:0,1,1,1,false,224x224x3,1,0.015,,,,');
  });

  it('accepts hand-written files with spaces, comments and quotes', () => {
    const rows = parseMeasurementCsv(
      '# measured by hand\nkind, units, bias, inputs, batch, runtime_ms, power_w, note\nfc, 10, true, 1x1x100, 4, 0.2, , "warm, idle GPU"\n',
      'hand.csv',
    );
    expect(rows).toEqual([
      {
        config: { spec: fc(10), inputs: [[1, 1, 100]], batch: 4 },
        runtimeMs: 0.2,
        powerW: null,
        metadata: { note: 'warm, idle GPU' },
      },
    ]);
  });

  it('names file, line and column of each bad input', () => {
    const head =
      'kind,filters,kernelH,kernelW,strideH,strideW,padding,dilationH,dilationW,groups,bias,inputs,batch,runtime_ms,power_w\n';
    const good = 'conv,16,3,3,1,1,SAME,1,1,1,true,32x32x3,10,0.495,122\n';
    expect(parseMeasurementCsv(head + good, 'm.csv')).toHaveLength(1);
    expectError(
      () => parseMeasurementCsv(head + good.replace(',3,3,', ',0,3,'), 'm.csv'),
      /^m\.csv:2: column 3 \(kernelH\): conv\.kernelH: must be a positive integer/,
      '3 (kernelH)',
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace('SAME', 'FULL'), 'm.csv'),
      /column 7 \(padding\): must be SAME, VALID or top:bottom:left:right/,
    );
    expectError(
      () => parseMeasurementCsv(head + good + good.replace('32x32x3', '32x32'), 'm.csv'),
      /^m\.csv:3: column 12 \(inputs\): input 1 "32x32" is not HxWxC/,
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace('0.495', '-1'), 'm.csv'),
      /column 14 \(runtime_ms\): must be a finite number > 0/,
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace(',122', ',NaN'), 'm.csv'),
      /column 15 \(power_w\)/,
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace(',10,', ',0,'), 'm.csv'),
      /column 13 \(batch\): must be a positive integer/,
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace('conv', 'winograd'), 'm.csv'),
      /column 1 \(kind\): unknown layer kind "winograd"/,
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace(',true', ''), 'm.csv'),
      /^m\.csv:2: has 14 cells, the header has 15/,
    );
    expectError(
      () => parseMeasurementCsv(head.replace('kernelW', 'kernel_w') + good, 'm.csv'),
      /^m\.csv:1: column 4 \("kernel_w"\): unknown column/,
    );
    expectError(
      () => parseMeasurementCsv(head.replace(',power_w', '') + good.replace(',122', ''), 'm.csv'),
      /column power_w: required column is missing/,
    );
    expectError(
      () => parseMeasurementCsv(head + good.replace('conv,16', 'conv,"16'), 'm.csv'),
      /^m\.csv:2: unterminated quoted field/,
    );
    expectError(
      () =>
        parseMeasurementCsv(
          'kind,units,filters,bias,inputs,batch,runtime_ms,power_w\nfc,10,3,true,1x1x4,1,1,1\n',
          'm.csv',
        ),
      /column 3 \(filters\): does not apply to a fc layer/,
    );
    expectError(() => parseMeasurementCsv('', 'empty.csv'), /^empty\.csv: empty file/);
  });

  it('a missing file names the file', async () => {
    await expect(loadDataset('/nonexistent/x.csv')).rejects.toThrow(
      /^\/nonexistent\/x\.csv: cannot read the file \(ENOENT\)/,
    );
  });
});

describe('the real data fits', () => {
  it('fits conv runtime and power and dropout runtime on neuralpower-data with out-of-fold metrics', async () => {
    const convRows = await loadDataset(join(DATA, 'res_conv.txt'));
    const dropRows = await loadDataset(join(DATA, 'res_drop.txt'));
    const fits = [
      fitLayerModel('conv', 'runtime', trainingRows(convRows, 'conv', 'runtime').rows),
      fitLayerModel('conv', 'power', trainingRows(convRows, 'conv', 'power').rows),
      fitLayerModel('dropout', 'runtime', trainingRows(dropRows, 'dropout', 'runtime').rows),
    ];
    for (const m of fits) {
      expect(m.report.folds).toBe(10);
      for (const v of [m.report.rmspe, m.report.rmse, m.report.mape, m.report.within10Pct]) {
        expect(Number.isFinite(v) && v >= 0).toBe(true);
      }
    }
    expect(fits.map((m) => [m.report.n, m.report.candidateTerms])).toEqual([
      [39, 162], // runtime: the default extended set (the paper's 127 + 35)
      [39, 127], // power: the paper's set
      [38, 7],
    ]);
    // 39 noisy rows at N = 10 hardly constrain 127 terms: what matters is that the error is honest (out of fold).
    expect(fits[1]!.report.mape).toBeLessThan(0.2);
  });
});

describe('trainingRows', () => {
  it('selects one model kind and skips rows without power for the power target', () => {
    const power = trainingRows(sample, 'conv', 'power');
    expect(power.rows).toHaveLength(1);
    expect(power.withoutPower).toBe(1);
    expect(power.otherKinds).toBe(sample.length - 2);
    const runtime = trainingRows(sample, 'conv', 'runtime');
    expect(runtime.rows.map((r) => r.value)).toEqual([0.495, 0.015]);
    expect(
      trainingRows(sample, 'dwconv', 'runtime').rows.every((r) => modelKindOf(r.config.spec) === 'dwconv'),
    ).toBe(true);
  });
});
