/** Prints layer count, parameters, MACs and FLOPs of every Paleo file in ../shared/reference/paleo-nets. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { networkTotals } from '@neuralpower/core';
import { loadNetwork } from '@neuralpower/networks';

const dir = process.argv[2] ?? join(import.meta.dirname, '../../../shared/reference/paleo-nets');
for (const file of readdirSync(dir).sort()) {
  const n = await loadNetwork(join(dir, file));
  const t = networkTotals(n);
  const last = n.layers[n.layers.length - 1]!;
  const kinds = new Map<string, number>();
  for (const l of n.layers) kinds.set(l.spec.kind, (kinds.get(l.spec.kind) ?? 0) + 1);
  console.log(
    file.padEnd(20),
    `batch ${n.batch}`.padEnd(10),
    n.input.join('x').padEnd(12),
    String(n.layers.length).padStart(4),
    t.params.toLocaleString().padStart(13),
    (t.macsPerExample / 1e9).toFixed(4),
    t.flopsPerExample,
    last.output.join('x'),
    JSON.stringify(Object.fromEntries(kinds)),
  );
}
