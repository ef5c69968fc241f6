/** A layer spec or layer configuration is invalid; `field` names the offending field (e.g. `conv.kernelH`). */
export class LayerSpecError extends Error {
  readonly field: string;
  /** The message without the field prefix, for wrappers that name the field themselves. */
  readonly detail: string;
  constructor(field: string, detail: string) {
    super(`${field}: ${detail}`);
    this.name = 'LayerSpecError';
    this.field = field;
    this.detail = detail;
  }
}
