import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { DatasetError } from './errors.js';
import type { Measurement } from './measurement.js';
import { formatMeasurementCsv, parseMeasurementCsv } from './measurement-csv.js';
import { PAPER_FORMATS, type PaperFormat, paperColumnCount, parsePaperRows } from './paper-formats.js';

export const DATASET_FORMATS = ['csv', ...PAPER_FORMATS] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export function isDatasetFormat(value: unknown): value is DatasetFormat {
  return typeof value === 'string' && (DATASET_FORMATS as readonly string[]).includes(value);
}

/**
 * The format of a dataset file: a header starting with `kind` is the measurement CSV; a name
 * containing res_conv/res_pool/res_fc/res_drop/res_concat is that row format; otherwise the
 * column count decides where it is unambiguous (18 conv, 12 pool).
 */
export function detectFormat(file: string, text: string): DatasetFormat {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  if (/^"?kind"?\s*(,|$)/.test(first.trim())) return 'csv';
  const name = basename(file).toLowerCase();
  for (const f of PAPER_FORMATS) if (name.includes(f)) return f;
  const columns = first.split(',').length;
  if (columns === paperColumnCount('res_conv')) return 'res_conv';
  if (columns === paperColumnCount('res_pool')) return 'res_pool';
  throw new DatasetError(
    file,
    undefined,
    undefined,
    `cannot tell the format (${columns} columns, no "kind" header, no res_* name); pass --format ${DATASET_FORMATS.join('|')}`,
  );
}

export function parseDataset(text: string, file: string, format?: DatasetFormat): Measurement[] {
  const f = format ?? detectFormat(file, text);
  return f === 'csv' ? parseMeasurementCsv(text, file) : parsePaperRows(text, f as PaperFormat, file);
}

/** Reads a measurement CSV or one of the paper's row files. */
export async function loadDataset(
  file: string,
  options: { format?: DatasetFormat } = {},
): Promise<Measurement[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DatasetError(file, undefined, undefined, `cannot read the file (${code ?? String(err)})`);
  }
  return parseDataset(text, file, options.format);
}

export async function writeMeasurementCsv(file: string, measurements: readonly Measurement[]): Promise<void> {
  await writeFile(file, formatMeasurementCsv(measurements), 'utf8');
}
