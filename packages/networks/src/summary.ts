import { modelKindOf, type Network, networkTotals, type Shape } from '@neuralpower/core';

export interface LayerSummary {
  name: string;
  /** The core layer kind (`conv`, `fc`, ..., `unsupported`). */
  kind: string;
  /** The performance-model kind (`dwconv` for grouped convolutions); null when no model covers it. */
  modelKind: string | null;
  /** What the source file called it, for unsupported layers. */
  sourceType?: string;
  parents: string[];
  inputs: [number, number, number][];
  output: [number, number, number];
  params: number;
  macsPerExample: number;
  flopsPerExample: number;
}

export interface NetworkSummary {
  name: string;
  batch: number;
  input: [number, number, number];
  layers: LayerSummary[];
  totals: { params: number; macsPerExample: number; flopsPerExample: number; macsPerBatch: number };
  /** Layers no performance model can cover (predictions list them as uncovered). */
  unsupported: string[];
}

const shape = (s: Shape): [number, number, number] => [s[0], s[1], s[2]];

/** A JSON-ready view of a network: per-layer shapes and costs plus totals. */
export function summarizeNetwork(network: Network): NetworkSummary {
  const totals = networkTotals(network);
  return {
    name: network.name,
    batch: network.batch,
    input: shape(network.input),
    layers: network.layers.map((l) => ({
      name: l.name,
      kind: l.spec.kind,
      modelKind: modelKindOf(l.spec),
      ...(l.spec.kind === 'unsupported' ? { sourceType: l.spec.sourceType } : {}),
      parents: [...l.parents],
      inputs: l.inputs.map(shape),
      output: shape(l.output),
      params: l.params,
      macsPerExample: l.macsPerExample,
      flopsPerExample: l.flopsPerExample,
    })),
    totals: { ...totals, macsPerBatch: totals.macsPerExample * network.batch },
    unsupported: network.layers.filter((l) => l.spec.kind === 'unsupported').map((l) => l.name),
  };
}
