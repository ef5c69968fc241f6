/** A prediction input is invalid; `field` names it (`runtimeFloorMs`, `error`, `models[2]`). */
export class PredictionError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'PredictionError';
    this.field = field;
  }
}
