import {
  inferOutputShape,
  type LayerSpec,
  LayerSpecError,
  NetworkError,
  type NetworkNode,
  type Shape,
} from '@neuralpower/core';

/** Parent list meaning "the network input". */
export const INPUT: readonly string[] = [];

/**
 * Collects network nodes in order and tracks each node's output shape as it goes, so builders
 * and importers can make shape-dependent choices (adaptive pools, fc written as convolution,
 * C_in = -1) while the final shapes still come from `buildNetwork`.
 */
export class GraphBuilder {
  readonly input: Shape;
  private readonly list: NetworkNode[] = [];
  private readonly shapes = new Map<string, Shape>();
  private lastName: string | undefined;

  constructor(input: Shape) {
    this.input = input;
  }

  /** Adds a node; `parents` defaults to the previously added node (the input for the first). */
  add(name: string, spec: LayerSpec, parents?: string | readonly string[]): string {
    const from =
      parents === undefined
        ? this.lastName === undefined
          ? INPUT
          : [this.lastName]
        : typeof parents === 'string'
          ? [parents]
          : parents;
    if (this.shapes.has(name)) throw new NetworkError(name, 'duplicate layer name');
    const inputs = this.inputShapes(name, from);
    let output: Shape;
    try {
      output = inferOutputShape(spec, inputs);
    } catch (err) {
      if (err instanceof LayerSpecError) throw new NetworkError(name, err.detail, err.field);
      throw err;
    }
    this.list.push({ name, spec, parents: [...from] });
    this.shapes.set(name, output);
    this.lastName = name;
    return name;
  }

  /** Output shape of a node, or the network input for INPUT / an empty name. */
  shape(name: string | readonly string[] | undefined): Shape {
    if (name === undefined || name === '' || (Array.isArray(name) && name.length === 0)) return this.input;
    const key = typeof name === 'string' ? name : name[0]!;
    const s = this.shapes.get(key);
    if (!s) throw new NetworkError(key, 'no such layer (yet)');
    return s;
  }

  inputShapes(layer: string, parents: readonly string[]): Shape[] {
    if (parents.length === 0) return [this.input];
    return parents.map((p) => {
      const s = this.shapes.get(p);
      if (!s) throw new NetworkError(layer, `unknown parent ${JSON.stringify(p)}`, 'parents');
      return s;
    });
  }

  get last(): string {
    if (this.lastName === undefined) throw new NetworkError('(network)', 'has no layers');
    return this.lastName;
  }

  has(name: string): boolean {
    return this.shapes.has(name);
  }

  nodes(): NetworkNode[] {
    return [...this.list];
  }
}

/**
 * The core reads an empty parent list as "the network input" and has no name for the input, so
 * a layer that combines the input with other layers (a residual add straight off the input)
 * cannot say so. In that case only, the input gets an explicit zero-cost identity node (a
 * reshape to its own shape) named after the file's input layer, and every reference to the
 * input points to it; otherwise references to the input become empty parent lists.
 */
export function addInputNode(
  b: GraphBuilder,
  inputName: string,
  layers: readonly { parents: readonly string[] }[],
): (parents: readonly string[]) => string[] {
  const mixed = layers.some((l) => l.parents.length > 1 && l.parents.includes(inputName));
  if (mixed) {
    b.add(inputName, { kind: 'reshape', shape: b.input }, INPUT);
    return (parents) => [...parents];
  }
  return (parents) => parents.filter((p) => p !== inputName);
}
