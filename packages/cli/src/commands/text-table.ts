/** A plain fixed-width table; columns in `right` are right-aligned (numbers). */
export function textTable(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A number with `digits` significant digits, no exponent for everyday magnitudes. */
export function num(value: number, digits = 4): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e-3 && abs < 1e9) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(abs)));
    return value.toFixed(Math.min(decimals, 6));
  }
  return value.toPrecision(digits);
}

export const pct = (share: number, decimals = 1) => `${(100 * share).toFixed(decimals)} %`;
