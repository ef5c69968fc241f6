/** One CSV record with the 1-based line it starts on. */
export interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
}

/**
 * RFC 4180 records: comma-separated, fields optionally in double quotes ("" escapes a quote, quoted
 * fields may span lines), LF or CRLF line ends. Blank lines and lines starting with `#` are skipped.
 * Returns null for an unterminated quote, with the line it started on.
 */
export function parseCsv(text: string): { records: CsvRecord[] } | { unterminatedQuoteLine: number } {
  const records: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const startLine = line;
    // Skip blank and comment lines.
    if (text[i] === '\n' || (text[i] === '\r' && text[i + 1] === '\n')) {
      i += text[i] === '\r' ? 2 : 1;
      line++;
      continue;
    }
    if (text[i] === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    let endOfRecord = false;
    while (i < n && !endOfRecord) {
      const ch = text[i]!;
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
          } else {
            quoted = false;
            i++;
          }
        } else {
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
      } else if (ch === '"' && cell.trim() === '') {
        // Spaces before an opening quote are layout (hand-written ", " separators), not data.
        quoted = true;
        cell = '';
        i++;
      } else if (ch === ',') {
        cells.push(cell);
        cell = '';
        i++;
      } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
        i += ch === '\r' ? 2 : 1;
        line++;
        endOfRecord = true;
      } else {
        cell += ch;
        i++;
      }
    }
    if (quoted) return { unterminatedQuoteLine: startLine };
    cells.push(cell);
    records.push({ line: startLine, cells });
  }
  return { records };
}

/** A cell as CSV text: quoted when it holds a comma, quote or line break. */
export function csvCell(value: string): string {
  return /[",\r\n]/.test(value) || value.startsWith('#') ? `"${value.replaceAll('"', '""')}"` : value;
}
