/**
 * How low can any runtime model's out-of-fold error go on a gpu-layer-data file? No file measures a
 * shape twice, so the floor comes from near-identical shapes: a row whose nearest neighbour has every
 * dimension within a factor (1 + r), the neighbour's runtime scaled by the work ratio (MACs).
 *
 * Per file and radius r it prints:
 *  - rows: how many rows have such a neighbour;
 *  - oracle: RMSPE of an oracle that predicts each of those rows as the mean of its own and its
 *    neighbour's work-scaled runtime (in-sample: it has seen the row it predicts);
 *  - noise σ: RMS of the pair's log ratio / √2, the part of one row's runtime that its near-twin does
 *    not share. A model that is smooth on that scale cannot predict it for a held-out row, so σ is the
 *    out-of-fold floor of such a model (as a relative error);
 *  - median |pair difference|: whether a few wild pairs or all of them make the RMS.
 * Exact repeats (same shape twice) and conv rows that compute the same thing (equal batch, channels,
 * kernel, stride and output size; only input size and padding differ) are counted as well.
 *
 *   npx tsx scripts/bench/accuracy/noise-floor.ts [--files neusight,justus2018]
 */
import { describeLayer } from '../../../packages/core/src/layers/describe.js';
import { type DataFile, fp32Files, readDataFile } from './data.js';

const RADII = [0.05, 0.1, 0.2] as const;

/** The dimensions that set a layer's computation, and its work (MACs). */
function dimsOf(file: DataFile): { dims: number[][]; work: number[] } {
  const dims: number[][] = [];
  const work: number[] = [];
  for (const row of file.rows) {
    const layer = describeLayer(row.config);
    const spec = layer.spec;
    const [hin, win, cin] = row.config.inputs[0]!;
    if (spec.kind === 'conv') {
      const [hout, wout, cout] = layer.output;
      dims.push([
        row.config.batch,
        cin!,
        cout!,
        spec.kernelH,
        spec.kernelW,
        spec.strideH,
        spec.strideW,
        hout!,
        wout!,
      ]);
      work.push(row.config.batch * cin! * cout! * spec.kernelH * spec.kernelW * hout! * wout!);
    } else if (spec.kind === 'fc') {
      const inFeatures = hin! * win! * cin!;
      dims.push([row.config.batch, inFeatures, spec.units]);
      work.push(row.config.batch * inFeatures * spec.units);
    } else throw new Error(`${file.name}: ${spec.kind} rows are not scored`);
  }
  return { dims, work };
}

/** Rows sharing a key: RMSPE of predicting each as its group's mean, over rows in groups of 2+. */
function repeats(keys: readonly string[], values: readonly number[]): { rows: number; oracle: number } {
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => {
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  let rows = 0;
  let sq = 0;
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const mean = members.reduce((s, i) => s + values[i]!, 0) / members.length;
    for (const i of members) sq += ((mean - values[i]!) / values[i]!) ** 2;
    rows += members.length;
  }
  return { rows, oracle: rows > 0 ? Math.sqrt(sq / rows) : Number.NaN };
}

export interface NearTwins {
  radius: number;
  rows: number;
  oracle: number;
  noiseSigma: number;
  medianAbsDiff: number;
}

/** For each row its nearest neighbour by the largest |log ratio| over the dimensions. */
function nearestNeighbours(logDims: readonly Float64Array[]): { index: Int32Array; distance: Float64Array } {
  const n = logDims.length;
  const index = new Int32Array(n).fill(-1);
  const distance = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < n; i++) {
    const a = logDims[i]!;
    for (let j = i + 1; j < n; j++) {
      const b = logDims[j]!;
      // Stop once j can be the nearest of neither.
      const bound = Math.max(distance[i]!, distance[j]!);
      let d = 0;
      for (let k = 0; k < a.length && d < bound; k++) d = Math.max(d, Math.abs(a[k]! - b[k]!));
      if (d < distance[i]!) {
        distance[i] = d;
        index[i] = j;
      }
      if (d < distance[j]!) {
        distance[j] = d;
        index[j] = i;
      }
    }
  }
  return { index, distance };
}

export function nearTwins(file: DataFile): NearTwins[] {
  const { dims, work } = dimsOf(file);
  const t = file.rows.map((r) => r.value);
  const { index, distance } = nearestNeighbours(dims.map((d) => Float64Array.from(d, Math.log)));
  return RADII.map((radius) => {
    const logRatios: number[] = [];
    let sq = 0;
    for (let i = 0; i < t.length; i++) {
      if (!(distance[i]! <= Math.log(1 + radius))) continue;
      const j = index[i]!;
      const twin = (t[j]! * work[i]!) / work[j]!;
      sq += ((twin - t[i]!) / (2 * t[i]!)) ** 2;
      logRatios.push(Math.log(t[i]! / twin));
    }
    const rows = logRatios.length;
    const abs = logRatios.map((x) => Math.abs(Math.expm1(x))).sort((a, b) => a - b);
    return {
      radius,
      rows,
      oracle: rows ? Math.sqrt(sq / rows) : Number.NaN,
      noiseSigma: rows ? Math.sqrt(logRatios.reduce((s, x) => s + x * x, 0) / rows / 2) : Number.NaN,
      medianAbsDiff: rows ? abs[Math.floor(rows / 2)]! : Number.NaN,
    };
  });
}

const pct = (x: number) => (Number.isNaN(x) ? '–' : `${(100 * x).toFixed(1)} %`);

function main(): void {
  const i = process.argv.indexOf('--files');
  const only = i > 0 ? process.argv[i + 1]!.split(',') : ['neusight', 'justus2018'];
  const names = fp32Files().filter((f) => only.some((s) => f.includes(s)));
  process.stdout.write(
    `| file | rows | exact repeats | same computation | ${RADII.map((r) => `within ${100 * r} %: rows / oracle / noise σ / median |diff|`).join(' | ')} |\n`,
  );
  process.stdout.write(`|---|---|---|---|${RADII.map(() => '---|').join('')}\n`);
  for (const name of names) {
    const file = readDataFile(name);
    const t = file.rows.map((r) => r.value);
    const exact = repeats(file.groups, t);
    const { dims } = dimsOf(file);
    const same = repeats(
      dims.map((d) => d.join(',')),
      t,
    );
    const twins = nearTwins(file);
    const cells = twins.map((w) =>
      w.rows === 0 ? '0' : `${w.rows} / ${pct(w.oracle)} / ${pct(w.noiseSigma)} / ${pct(w.medianAbsDiff)}`,
    );
    process.stdout.write(
      `| ${name} | ${t.length} | ${exact.rows} | ${same.rows}${same.rows ? ` (${pct(same.oracle)})` : ''} | ${cells.join(' | ')} |\n`,
    );
  }
}

main();
