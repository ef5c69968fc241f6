/**
 * Parsing of `nvidia-smi --query-gpu=… --format=csv[,noheader][,nounits]` output.
 *
 * nvidia-smi writes a value it cannot give in brackets: `[N/A]`, `[Not Supported]`,
 * `[Requested functionality has been deprecated]`, `[Unknown Error]`, … Those values are absent
 * (undefined), never 0: a 0 W or 0 MHz reading would be a lie the models learn from.
 */

/** One CSV row keyed by the query field name (header name without its `[unit]`). */
export type NvidiaCsvRow = Readonly<Record<string, string | undefined>>;

/** Units nvidia-smi appends to values when `nounits` is not given. */
const UNIT_SUFFIX = / (W|MiB|MHz|%|us|ms|C|KB\/s|GB\/s)$/;

/** Normalises one raw CSV cell: trims, drops the unit, maps every "no value" spelling to undefined. */
export function cleanValue(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const v = raw.trim();
  if (v === '' || v.startsWith('[') || v === 'N/A') return undefined;
  return v.replace(UNIT_SUFFIX, '');
}

/** Field name from a header cell: `power.draw [W]` → `power.draw`. */
export function headerField(cell: string): string {
  return cell.trim().replace(/\s*\[[^\]]*\]$/, '');
}

/**
 * Splits CSV rows on `, ` (nvidia-smi never quotes; product names contain no commas). A row shorter
 * than the field list (a truncated capture, a driver that dies mid-line) keeps the values it has;
 * the rest are absent.
 */
export function parseNvidiaCsv(text: string, fields?: readonly string[]): NvidiaCsvRow[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  let names: readonly string[];
  let body: string[];
  if (fields) {
    names = fields;
    body = lines;
  } else {
    if (lines.length === 0) return [];
    names = lines[0]!.split(',').map(headerField);
    body = lines.slice(1);
  }
  return body.map((line) => {
    const cells = line.split(',');
    const row: Record<string, string | undefined> = {};
    names.forEach((name, i) => {
      row[name] = cleanValue(cells[i]);
    });
    return row;
  });
}

/** A number, or undefined when absent or not numeric (never NaN, never a made-up 0). */
export function num(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Hex bitmask such as `0x0000000000000004` → bigint-safe number; undefined when absent. */
export function hexMask(value: string | undefined): number | undefined {
  if (value === undefined || !/^0x[0-9a-fA-F]+$/.test(value)) return undefined;
  return Number.parseInt(value, 16);
}
