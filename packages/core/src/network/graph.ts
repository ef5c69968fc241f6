import { describeLayer, type LayerInstance } from '../layers/describe.js';
import { LayerSpecError } from '../layers/errors.js';
import type { LayerSpec, Shape } from '../layers/spec.js';

/** A node as a description file states it: its spec and the names of the nodes it reads. */
export interface NetworkNode {
  readonly name: string;
  readonly spec: LayerSpec;
  /** Names of producing nodes; empty means the node reads the network input. */
  readonly parents: readonly string[];
}

export interface NetworkLayer extends LayerInstance {
  readonly name: string;
  readonly parents: readonly string[];
}

/** A network with every shape and cost inferred, layers in topological order. */
export interface Network {
  readonly name: string;
  readonly batch: number;
  readonly input: Shape;
  readonly layers: readonly NetworkLayer[];
}

export interface NetworkTotals {
  readonly macsPerExample: number;
  readonly flopsPerExample: number;
  readonly params: number;
}

/** Error in a network description; `layer` names the node at fault. */
export class NetworkError extends Error {
  readonly layer: string;
  readonly field: string | undefined;
  /** The problem without the layer and field prefix, for wrappers that add their own context. */
  readonly detail: string;
  constructor(layer: string, detail: string, field?: string) {
    super(`layer ${JSON.stringify(layer)}${field ? ` field ${field}` : ''}: ${detail}`);
    this.name = 'NetworkError';
    this.layer = layer;
    this.field = field;
    this.detail = detail;
  }
}

function topologicalOrder(nodes: readonly NetworkNode[]): NetworkNode[] {
  const byName = new Map<string, NetworkNode>();
  for (const node of nodes) {
    if (byName.has(node.name)) throw new NetworkError(node.name, 'duplicate layer name');
    byName.set(node.name, node);
  }
  for (const node of nodes) {
    for (const p of node.parents) {
      if (!byName.has(p)) throw new NetworkError(node.name, `unknown parent ${JSON.stringify(p)}`, 'parents');
    }
  }
  const order: NetworkNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  // Iterative DFS keeps deep networks (ResNet-152, DenseNet) off the call stack.
  for (const root of nodes) {
    if (state.get(root.name) === 'done') continue;
    const stack: { node: NetworkNode; next: number }[] = [{ node: root, next: 0 }];
    state.set(root.name, 'visiting');
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.next < top.node.parents.length) {
        const parent = byName.get(top.node.parents[top.next++]!)!;
        const s = state.get(parent.name);
        if (s === 'visiting')
          throw new NetworkError(parent.name, 'the graph has a cycle through this layer', 'parents');
        if (s === undefined) {
          state.set(parent.name, 'visiting');
          stack.push({ node: parent, next: 0 });
        }
      } else {
        state.set(top.node.name, 'done');
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}

export function buildNetwork(args: {
  name: string;
  batch: number;
  input: Shape;
  nodes: readonly NetworkNode[];
}): Network {
  const outputs = new Map<string, Shape>();
  const layers: NetworkLayer[] = [];
  for (const node of topologicalOrder(args.nodes)) {
    const inputs = node.parents.length === 0 ? [args.input] : node.parents.map((p) => outputs.get(p)!);
    let instance: LayerInstance;
    try {
      instance = describeLayer({ spec: node.spec, inputs, batch: args.batch });
    } catch (err) {
      if (err instanceof LayerSpecError) throw new NetworkError(node.name, err.detail, err.field);
      throw err;
    }
    outputs.set(node.name, instance.output);
    layers.push({ ...instance, name: node.name, parents: node.parents });
  }
  return { name: args.name, batch: args.batch, input: args.input, layers };
}

export function networkTotals(network: Network): NetworkTotals {
  let macs = 0;
  let flops = 0;
  let params = 0;
  for (const l of network.layers) {
    macs += l.macsPerExample;
    flops += l.flopsPerExample;
    params += l.params;
  }
  return { macsPerExample: macs, flopsPerExample: flops, params };
}
