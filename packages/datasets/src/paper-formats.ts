import {
  type ConvSpec,
  conv,
  fc,
  inferOutputShape,
  type LayerConfig,
  LayerSpecError,
  type Padding,
  type PoolSpec,
  pool,
} from '@neuralpower/core';
import { DatasetError } from './errors.js';
import type { Measurement } from './measurement.js';

/**
 * The NeuralPower training scripts' row formats (comma-separated numbers, no header, runtime in ms
 * and power in W last). Column orders, from the paper's parser and training code:
 *   res_conv (18): N, Hout, Wout, Cout, kh, kw, Cin, Cout, pad_h, pad_w, stride_h, stride_w, N, Hin, Win, Cin, runtime, power
 *   res_pool (12): N, Hout, Wout, C, kh, kw, stride_h, stride_w, Hin, Win, runtime, power
 *   res_fc   (7):  N, outputs, Hin, Win, Cin, runtime, power
 *   res_drop (7):  keep_prob, N, H, W, C, runtime, power
 *   res_concat (≥ 7): runtime, power, N, H, W, Cout, Cin of each input...
 */
export const PAPER_FORMATS = ['res_conv', 'res_pool', 'res_fc', 'res_drop', 'res_concat'] as const;
export type PaperFormat = (typeof PAPER_FORMATS)[number];

const COLUMNS: Readonly<Record<PaperFormat, readonly string[]>> = {
  res_conv: [
    'N',
    'Hout',
    'Wout',
    'Cout',
    'kh',
    'kw',
    'Cin',
    'Cout',
    'pad_h',
    'pad_w',
    'stride_h',
    'stride_w',
    'N',
    'Hin',
    'Win',
    'Cin',
    'runtime',
    'power',
  ],
  res_pool: ['N', 'Hout', 'Wout', 'C', 'kh', 'kw', 'stride_h', 'stride_w', 'Hin', 'Win', 'runtime', 'power'],
  res_fc: ['N', 'outputs', 'Hin', 'Win', 'Cin', 'runtime', 'power'],
  res_drop: ['keep_prob', 'N', 'H', 'W', 'C', 'runtime', 'power'],
  res_concat: ['runtime', 'power', 'N', 'H', 'W', 'Cout'],
};

export function paperColumnCount(format: PaperFormat): number {
  return COLUMNS[format].length;
}

interface Row {
  readonly values: number[];
  fail(columnIndex: number, message: string): never;
}

function positiveInt(row: Row, i: number): number {
  const v = row.values[i]!;
  if (!Number.isInteger(v) || v <= 0) row.fail(i, `must be a positive integer (got ${v})`);
  return v;
}

function same(row: Row, a: number, b: number) {
  if (row.values[a] !== row.values[b]) {
    row.fail(b, `is ${row.values[b]} but column ${a + 1} says ${row.values[a]}; the row contradicts itself`);
  }
}

/** The padding among the ones the profiler could have used that reproduces the recorded output size. */
function recoverPadding<S extends ConvSpec | PoolSpec>(
  row: Row,
  make: (padding: Padding) => S,
  input: readonly [number, number, number],
  out: readonly [number, number],
  candidates: readonly Padding[],
  padColumn: number,
): S {
  for (const padding of candidates) {
    try {
      const spec = make(padding);
      const [h, w] = inferOutputShape(spec, [input]);
      if (h === out[0] && w === out[1]) return spec;
    } catch (err) {
      if (!(err instanceof LayerSpecError)) throw err;
    }
  }
  return row.fail(
    padColumn,
    `no padding (${candidates.map((p) => (typeof p === 'string' ? p : `${p.top}/${p.left}`)).join(', ')}) turns input ${input.join('x')} into output ${out.join('x')}`,
  );
}

function convRow(row: Row): LayerConfig {
  same(row, 0, 12);
  same(row, 3, 7);
  same(row, 6, 15);
  const [n, hout, wout, cout, kh, kw, cin] = [0, 1, 2, 3, 4, 5, 6].map((i) =>
    positiveInt(row, i),
  ) as number[];
  const [sh, sw, hin, win] = [10, 11, 13, 14].map((i) => positiveInt(row, i)) as number[];
  const [ph, pw] = [row.values[8]!, row.values[9]!];
  if (!Number.isInteger(ph) || ph < 0) row.fail(8, `must be a non-negative integer (got ${ph})`);
  if (!Number.isInteger(pw) || pw < 0) row.fail(9, `must be a non-negative integer (got ${pw})`);
  const explicit: Padding = { top: ph, bottom: ph, left: pw, right: pw };
  // Paleo records the per-side padding TensorFlow's SAME/VALID implied; prefer those names when they fit.
  const candidates: Padding[] =
    ph === 0 && pw === 0 ? ['VALID', 'SAME', explicit] : ['SAME', explicit, 'VALID'];
  const spec = recoverPadding(
    row,
    (padding) => conv(cout!, [kh!, kw!], { strideH: sh!, strideW: sw!, padding }),
    [hin!, win!, cin!],
    [hout!, wout!],
    candidates,
    8,
  );
  return { spec, inputs: [[hin!, win!, cin!]], batch: n! };
}

function poolRow(row: Row): LayerConfig {
  const [n, hout, wout, c, kh, kw, sh, sw, hin, win] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) =>
    positiveInt(row, i),
  ) as number[];
  // The files do not record max vs average; the paper's networks pool by max.
  const spec = recoverPadding(
    row,
    (padding) => ({ ...pool('max', kh!, sh!, padding), kernelW: kw!, strideW: sw! }),
    [hin!, win!, c!],
    [hout!, wout!],
    ['VALID', 'SAME'],
    4,
  );
  return { spec, inputs: [[hin!, win!, c!]], batch: n! };
}

function fcRow(row: Row): LayerConfig {
  const [n, units, hin, win, cin] = [0, 1, 2, 3, 4].map((i) => positiveInt(row, i)) as number[];
  return { spec: fc(units!), inputs: [[hin!, win!, cin!]], batch: n! };
}

function dropRow(row: Row): LayerConfig {
  const keep = row.values[0]!;
  if (!(keep > 0 && keep <= 1)) row.fail(0, `keep probability must be in (0, 1] (got ${keep})`);
  const [n, h, w, c] = [1, 2, 3, 4].map((i) => positiveInt(row, i)) as number[];
  return { spec: { kind: 'dropout', rate: 1 - keep }, inputs: [[h!, w!, c!]], batch: n! };
}

function concatRow(row: Row): LayerConfig {
  const [n, h, w, cout] = [2, 3, 4, 5].map((i) => positiveInt(row, i)) as number[];
  const channels = row.values.slice(6).map((_, j) => positiveInt(row, 6 + j));
  const sum = channels.reduce((a, b) => a + b, 0);
  if (sum !== cout) row.fail(5, `output channels ${cout} differ from the inputs' sum ${sum}`);
  return { spec: { kind: 'concat' }, inputs: channels.map((c) => [h!, w!, c] as const), batch: n! };
}

const CONVERT: Readonly<Record<PaperFormat, (row: Row) => LayerConfig>> = {
  res_conv: convRow,
  res_pool: poolRow,
  res_fc: fcRow,
  res_drop: dropRow,
  res_concat: concatRow,
};

/** Parses one of the paper's row files; errors name `file:line` and the column (number and meaning). */
export function parsePaperRows(text: string, format: PaperFormat, file: string): Measurement[] {
  const names = COLUMNS[format];
  const out: Measurement[] = [];
  text.split(/\r?\n/).forEach((lineText, index) => {
    const line = index + 1;
    if (lineText.trim() === '') return;
    const cells = lineText.split(',').map((c) => c.trim());
    const colName = (i: number) => `${i + 1} (${names[i] ?? (format === 'res_concat' ? 'Cin' : '?')})`;
    const fail = (i: number, message: string): never => {
      throw new DatasetError(file, line, colName(i), message);
    };
    const countOk =
      format === 'res_concat' ? cells.length >= names.length + 1 : cells.length === names.length;
    if (!countOk) {
      throw new DatasetError(
        file,
        line,
        undefined,
        `has ${cells.length} columns; ${format} rows have ${format === 'res_concat' ? `at least ${names.length + 1}` : names.length} (${names.join(', ')})`,
      );
    }
    const values = cells.map((c, i) => {
      const v = Number(c);
      if (c === '' || !Number.isFinite(v)) fail(i, `is not a number (${JSON.stringify(c)})`);
      return v;
    });
    const row: Row = { values, fail };
    const [runtimeAt, powerAt] = format === 'res_concat' ? [0, 1] : [names.length - 2, names.length - 1];
    const runtimeMs = values[runtimeAt]!;
    const powerW = values[powerAt]!;
    if (runtimeMs <= 0) fail(runtimeAt, `runtime must be > 0 ms (got ${runtimeMs})`);
    if (powerW <= 0) fail(powerAt, `power must be > 0 W (got ${powerW})`);
    out.push({ config: CONVERT[format](row), runtimeMs, powerW });
  });
  return out;
}
