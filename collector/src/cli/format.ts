/**
 * Plain-text output helpers of every command: the collector's own and, through the
 * `@neuralpower/collector/format` export (light: no server code), the CLI package's.
 */

export function table(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number> = new Set(),
): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function fmt(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '-';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e9) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
    return value.toFixed(Math.min(decimals, 6));
  }
  return value.toPrecision(digits);
}

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${(value * 100).toFixed(1)} %`;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Where the client commands look for a collector: --collector, then $NEURALPOWER_COLLECTOR. */
export const DEFAULT_COLLECTOR_URL = process.env['NEURALPOWER_COLLECTOR'] ?? 'http://127.0.0.1:7070';

export const collectorOption = {
  type: 'string' as const,
  default: DEFAULT_COLLECTOR_URL,
  describe:
    'Collector URL (http[s]:// or the agents ws[s]:// URL); default $NEURALPOWER_COLLECTOR or http://127.0.0.1:7070',
};

export const tokenOption = {
  type: 'string' as const,
  describe: 'Bearer token with scope admin (default $NEURALPOWER_TOKEN); needed to fit and roll back',
};

/** Reads need a token with scope read unless the collector runs with --public-read. */
export const readTokenOption = {
  type: 'string' as const,
  describe: 'Bearer token with scope read (default $NEURALPOWER_TOKEN); not needed with --public-read',
};

/** The token for a read, if any: `--token`, else $NEURALPOWER_TOKEN, else none. */
export function readTokenFrom(arg: string | undefined): { token?: string } {
  const token = arg ?? process.env['NEURALPOWER_TOKEN'];
  return token ? { token } : {};
}

export function tokenFrom(arg: string | undefined): string {
  const token = arg ?? process.env['NEURALPOWER_TOKEN'];
  if (!token) throw new Error('this command needs a token: pass --token or set NEURALPOWER_TOKEN');
  return token;
}
