/** The fitter's input or options are invalid; `field` names the offending part (`y[17]`, `X[3][5]`, `rows`, `folds`). */
export class FitError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'FitError';
    this.field = field;
  }
}
