/**
 * Reads ../shared/reference/gpu-layer-data (benchmarks only: never copied into the repository, never
 * read by a unit test) into training rows: one file = one source × GPU × layer kind, FP32 only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayerConfig, TrainingRow } from '../../../packages/core/src/index.js';

export const DATA_DIR = new URL('../../../../shared/reference/gpu-layer-data/', import.meta.url).pathname;

export interface DataFile {
  /** `neusight/V100-PCIe-32GB-conv` */
  readonly name: string;
  readonly source: string;
  readonly gpu: string;
  readonly kind: 'conv' | 'fc';
  readonly rows: readonly TrainingRow[];
  /** The layer's shape (every column but the runtime): rows with equal keys share a fold. */
  readonly groups: readonly string[];
}

function parse(text: string, file: string): Record<string, string>[] {
  const lines = text.trim().split('\n');
  const header = lines[0]!.split(',');
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new Error(`${file}:${i + 2}: ${cells.length} cells`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j]!]));
  });
}

const int = (r: Record<string, string>, k: string) => {
  const v = Number(r[k]);
  if (!Number.isInteger(v) || v < 0) throw new Error(`${k}=${r[k]} is not a count`);
  return v;
};

function configOf(kind: 'conv' | 'fc', r: Record<string, string>): LayerConfig {
  if (kind === 'fc') {
    return {
      spec: { kind: 'fc', units: int(r, 'out_features'), bias: true },
      inputs: [[1, 1, int(r, 'in_features')]],
      batch: int(r, 'batch'),
    };
  }
  const ph = int(r, 'pad_h');
  const pw = int(r, 'pad_w');
  return {
    spec: {
      kind: 'conv',
      filters: int(r, 'out_c'),
      kernelH: int(r, 'kernel_h'),
      kernelW: int(r, 'kernel_w'),
      strideH: int(r, 'stride_h'),
      strideW: int(r, 'stride_w'),
      padding: { top: ph, bottom: ph, left: pw, right: pw },
      dilationH: 1,
      dilationW: 1,
      groups: 1,
      bias: false,
    },
    inputs: [[int(r, 'in_h'), int(r, 'in_w'), int(r, 'in_c')]],
    batch: int(r, 'batch'),
  };
}

/** One data file; `name` is `<source>/<gpu>-<kind>`. */
export function readDataFile(name: string): DataFile {
  const [source, base] = name.split('/') as [string, string];
  const m = /^(.*)-(conv|fc)$/.exec(base);
  if (!m) throw new Error(`${name}: not an FP32 <gpu>-<conv|fc> file`);
  const kind = m[2] as 'conv' | 'fc';
  const file = join(DATA_DIR, `${name}.csv`);
  const records = parse(readFileSync(file, 'utf8'), file);
  const rows: TrainingRow[] = [];
  const groups: string[] = [];
  for (const r of records) {
    const runtimeMs = Number(r['runtime_ms']);
    if (!(runtimeMs > 0 && Number.isFinite(runtimeMs))) continue;
    rows.push({ config: configOf(kind, r), value: runtimeMs });
    const { runtime_ms: _t, power_w: _p, ...shape } = r;
    groups.push(Object.values(shape).join(','));
  }
  return { name, source, gpu: m[1]!, kind, rows, groups };
}

/** Every FP32 file (no precision suffix), sorted: `<source>/<gpu>-<kind>`. */
export function fp32Files(): string[] {
  const names: string[] = [];
  for (const source of readdirSync(DATA_DIR, { withFileTypes: true })) {
    if (!source.isDirectory()) continue;
    for (const f of readdirSync(join(DATA_DIR, source.name))) {
      if (/-(conv|fc)\.csv$/.test(f)) names.push(`${source.name}/${f.slice(0, -4)}`);
    }
  }
  return names.sort();
}
