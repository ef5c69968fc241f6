import { networkTotals } from '@neuralpower/core';
import { listZoo, zooNetwork } from '../../packages/networks/src/zoo/index.js';

for (const z of listZoo()) {
  const n = zooNetwork(z.name);
  const t = networkTotals(n);
  const last = n.layers[n.layers.length - 1]!;
  console.log(
    z.name.padEnd(15),
    String(n.layers.length).padStart(4),
    t.params.toLocaleString().padStart(14),
    (t.macsPerExample / 1e9).toFixed(4),
    last.output.join('x'),
  );
}
