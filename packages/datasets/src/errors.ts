/** A dataset file is malformed; the message starts `file:line` and names the column when there is one. */
export class DatasetError extends Error {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: string | undefined;
  constructor(file: string, line: number | undefined, column: string | undefined, message: string) {
    const where = line === undefined ? file : `${file}:${line}`;
    super(`${where}: ${column === undefined ? '' : `column ${column}: `}${message}`);
    this.name = 'DatasetError';
    this.file = file;
    this.line = line;
    this.column = column;
  }
}
