/**
 * Writes a zoo network (or any network file) as a TF.js `model.json` topology.
 * Usage: npx tsx scripts/networks/export-tfjs.ts NAME|FILE OUT.json [--sequential] [--batch N] [--input HxW]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadNetwork } from '@neuralpower/networks';
import { modelJson, toLayersModel } from './tfjs-model.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    sequential: { type: 'boolean', default: false },
    batch: { type: 'string' },
    input: { type: 'string' },
  },
});
const [ref, out] = positionals;
if (!ref || !out) {
  process.stderr.write('usage: export-tfjs.ts NAME|FILE OUT.json [--sequential] [--batch N] [--input HxW]\n');
  process.exit(2);
}
const [h, w] = (values.input ?? '').split('x').map(Number);
const network = await loadNetwork(ref, {
  ...(values.batch ? { batch: Number(values.batch) } : {}),
  ...(h && w ? { input: [h, w] as [number, number] } : {}),
});
const model = toLayersModel(network, { sequential: values.sequential });
writeFileSync(out, `${JSON.stringify(await modelJson(model))}\n`);
process.stdout.write(
  `${out}: ${network.name}, ${network.layers.length} layers, ${model.countParams()} parameters\n`,
);
