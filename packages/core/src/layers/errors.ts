/** A layer spec or layer configuration is invalid; `field` names the offending field (e.g. `conv.kernelH`). */
export class LayerSpecError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'LayerSpecError';
    this.field = field;
  }
}
