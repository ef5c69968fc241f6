import { LAYER_KINDS, type LayerSpec, LayerSpecError, parseLayerSpec, type Shape } from '@neuralpower/core';
import { csvCell, parseCsv } from './csv.js';
import { DatasetError } from './errors.js';
import type { Measurement } from './measurement.js';

/**
 * The measurement CSV (docs/dataset-format.md): one row per measured layer configuration, named
 * columns, spec fields under their LayerSpec names. Unknown columns are rejected (typos would
 * otherwise vanish); free-form extras go in columns named `x_<anything>`.
 */
type FieldType = 'int' | 'number' | 'bool' | 'string' | 'padding' | 'shape';

/** Spec columns, in the order the writer emits them. */
export const SPEC_COLUMNS: Readonly<Record<string, FieldType>> = {
  filters: 'int',
  units: 'int',
  kernelH: 'int',
  kernelW: 'int',
  strideH: 'int',
  strideW: 'int',
  padding: 'padding',
  dilationH: 'int',
  dilationW: 'int',
  groups: 'int',
  bias: 'bool',
  mode: 'string',
  fn: 'string',
  rate: 'number',
  depthRadius: 'int',
  shape: 'shape',
  top: 'int',
  bottom: 'int',
  left: 'int',
  right: 'int',
};

export const REQUIRED_COLUMNS = ['kind', 'inputs', 'batch', 'runtime_ms', 'power_w'] as const;
export const METADATA_COLUMNS = ['platform', 'device', 'engine', 'timestamp', 'source', 'note'] as const;

const isExtra = (name: string) => /^x_[A-Za-z0-9_]+$/.test(name);

function formatShape(s: Shape): string {
  return `${s[0]}x${s[1]}x${s[2]}`;
}

function parseShapeCell(cell: string): unknown {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(cell);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : cell;
}

function specCell(spec: LayerSpec, column: string): string {
  const value = (spec as unknown as Record<string, unknown>)[column];
  if (value === undefined) return '';
  if (column === 'padding' && typeof value === 'object' && value !== null) {
    const p = value as { top: number; bottom: number; left: number; right: number };
    return `${p.top}:${p.bottom}:${p.left}:${p.right}`;
  }
  if (column === 'shape') return formatShape(value as Shape);
  return String(value);
}

/** Measurements as CSV text; reading it back gives the same measurements. */
export function formatMeasurementCsv(measurements: readonly Measurement[]): string {
  const used = new Set<string>();
  const metadata = new Set<string>();
  for (const m of measurements) {
    for (const key of Object.keys(m.config.spec)) if (key in SPEC_COLUMNS) used.add(key);
    for (const key of Object.keys(m.metadata ?? {})) metadata.add(key);
  }
  const specColumns = Object.keys(SPEC_COLUMNS).filter((c) => used.has(c));
  const metaColumns = [
    ...METADATA_COLUMNS.filter((c) => metadata.has(c)),
    ...[...metadata].filter((c) => !(METADATA_COLUMNS as readonly string[]).includes(c)).sort(),
  ];
  const header = ['kind', ...specColumns, 'inputs', 'batch', 'runtime_ms', 'power_w', ...metaColumns];
  const lines = [header.join(',')];
  for (const m of measurements) {
    const cells = [
      m.config.spec.kind,
      ...specColumns.map((c) => specCell(m.config.spec, c)),
      m.config.inputs.map(formatShape).join(';'),
      String(m.config.batch),
      String(m.runtimeMs),
      m.powerW === null ? '' : String(m.powerW),
      ...metaColumns.map((c) => m.metadata?.[c] ?? ''),
    ];
    lines.push(cells.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Parses measurement CSV text; `file` is used in error messages (`file:line: column X: ...`). */
export function parseMeasurementCsv(text: string, file: string): Measurement[] {
  const parsed = parseCsv(text);
  if ('unterminatedQuoteLine' in parsed) {
    throw new DatasetError(file, parsed.unterminatedQuoteLine, undefined, 'unterminated quoted field');
  }
  const [headerRecord, ...records] = parsed.records;
  if (!headerRecord) throw new DatasetError(file, undefined, undefined, 'empty file: no header line');
  const header = headerRecord.cells.map((c) => c.trim());
  const seen = new Set<string>();
  header.forEach((name, i) => {
    const known =
      name in SPEC_COLUMNS ||
      (REQUIRED_COLUMNS as readonly string[]).includes(name) ||
      (METADATA_COLUMNS as readonly string[]).includes(name) ||
      isExtra(name);
    if (!known) {
      throw new DatasetError(
        file,
        headerRecord.line,
        `${i + 1} (${JSON.stringify(name)})`,
        `unknown column; spec columns are ${Object.keys(SPEC_COLUMNS).join(', ')}; required ${REQUIRED_COLUMNS.join(', ')}; metadata ${METADATA_COLUMNS.join(', ')} or x_<name>`,
      );
    }
    if (seen.has(name))
      throw new DatasetError(file, headerRecord.line, `${i + 1} (${name})`, 'duplicate column');
    seen.add(name);
  });
  for (const required of REQUIRED_COLUMNS) {
    if (!seen.has(required))
      throw new DatasetError(file, headerRecord.line, required, 'required column is missing');
  }
  const index = new Map(header.map((name, i) => [name, i]));
  const col = (name: string) => `${index.get(name)! + 1} (${name})`;

  return records.map((record) => {
    const fail = (column: string, message: string): never => {
      throw new DatasetError(file, record.line, column === '' ? undefined : col(column), message);
    };
    if (record.cells.length !== header.length) {
      fail('', `has ${record.cells.length} cells, the header has ${header.length}`);
    }
    const cell = (name: string) => record.cells[index.get(name)!]?.trim() ?? '';
    const kind = cell('kind');
    if (!(LAYER_KINDS as readonly string[]).includes(kind) || kind === 'unsupported') {
      fail(
        'kind',
        `unknown layer kind ${JSON.stringify(kind)}; known: ${LAYER_KINDS.filter((k) => k !== 'unsupported').join(', ')}`,
      );
    }
    const raw: Record<string, unknown> = { kind };
    for (const [name, type] of Object.entries(SPEC_COLUMNS)) {
      if (!index.has(name)) continue;
      const text = cell(name);
      if (text === '') continue;
      raw[name] = parseSpecCell(text, type, (m) => fail(name, m));
    }
    let spec: LayerSpec;
    try {
      spec = parseLayerSpec(raw);
    } catch (err) {
      if (err instanceof LayerSpecError) {
        // `conv.kernelH` → column kernelH; `conv.padding.top` → padding; `reshape.shape[1]` → shape.
        const column = err.field.split('.')[1]?.split(/[.[]/)[0] ?? 'kind';
        return fail(index.has(column) ? column : '', err.message);
      }
      throw err;
    }
    for (const name of Object.keys(raw)) {
      if (name !== 'kind' && !(name in spec)) fail(name, `does not apply to a ${kind} layer; leave it empty`);
    }
    const inputsText = cell('inputs');
    const inputs = inputsText.split(';').map((s, i) => {
      const m = /^(\d+)x(\d+)x(\d+)$/.exec(s.trim());
      if (!m)
        return fail(
          'inputs',
          `input ${i + 1} ${JSON.stringify(s)} is not HxWxC (several inputs: HxWxC;HxWxC)`,
        );
      const shape = [Number(m[1]), Number(m[2]), Number(m[3])] as const;
      if (shape.some((d) => d <= 0)) fail('inputs', `input ${i + 1} has a zero dimension`);
      return shape;
    });
    const batch = Number(cell('batch'));
    if (!/^\d+$/.test(cell('batch')) || batch <= 0)
      fail('batch', `must be a positive integer (got ${JSON.stringify(cell('batch'))})`);
    const runtimeMs = positive(cell('runtime_ms'), (m) => fail('runtime_ms', m));
    const powerText = cell('power_w');
    const powerW = powerText === '' ? null : positive(powerText, (m) => fail('power_w', m));
    const metadata: Record<string, string> = {};
    for (const name of header) {
      if ((METADATA_COLUMNS as readonly string[]).includes(name) || isExtra(name)) {
        const value = record.cells[index.get(name)!] ?? '';
        if (value !== '') metadata[name] = value;
      }
    }
    const measurement: Measurement = { config: { spec, inputs, batch }, runtimeMs, powerW };
    return Object.keys(metadata).length > 0 ? { ...measurement, metadata } : measurement;
  });
}

function positive(text: string, fail: (message: string) => never): number {
  const v = Number(text);
  if (text === '' || !Number.isFinite(v) || v <= 0)
    fail(`must be a finite number > 0 (got ${JSON.stringify(text)})`);
  return v;
}

function parseSpecCell(text: string, type: FieldType, fail: (message: string) => never): unknown {
  switch (type) {
    case 'int':
    case 'number': {
      const v = Number(text);
      if (!Number.isFinite(v)) fail(`must be a number (got ${JSON.stringify(text)})`);
      return v;
    }
    case 'bool':
      if (text !== 'true' && text !== 'false') fail(`must be true or false (got ${JSON.stringify(text)})`);
      return text === 'true';
    case 'padding': {
      if (text === 'SAME' || text === 'VALID') return text;
      const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(text);
      if (!m) fail(`must be SAME, VALID or top:bottom:left:right (got ${JSON.stringify(text)})`);
      return { top: Number(m![1]), bottom: Number(m![2]), left: Number(m![3]), right: Number(m![4]) };
    }
    case 'shape':
      return parseShapeCell(text);
    case 'string':
      return text;
  }
}
