import { expect, it } from 'vitest';
import { checkNetworkBodySize, checkNetworkSize } from '../src/predict/network-input.js';

const body = (network: unknown) => Buffer.from(JSON.stringify({ platform: 'p', network }));

it('counts JSON values and nesting of a predict body without parsing it; strings do not count', () => {
  const nodes = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ name: `n${i}`, spec: { kind: 'relu' }, parents: [`n${i - 1}`] }));
  expect(() => checkNetworkBodySize(body({ native: { nodes: nodes(100) } }), 10)).not.toThrow();
  expect(() => checkNetworkBodySize(body({ native: { nodes: nodes(400) } }), 10)).toThrow(
    /more than 1000 JSON values .*--max-predict-nodes/,
  );
  // Commas, brackets and escaped quotes inside strings are text, not structure.
  const text = `a,b,[c],{d}\\",${'x,'.repeat(5000)}`;
  expect(() => checkNetworkBodySize(body({ native: { name: text } }), 10)).not.toThrow();
  expect(() => checkNetworkBodySize(body({ onnx: 'QUJD'.repeat(100_000) }), 10)).not.toThrow();
  const deep = Buffer.from(`{"network":{"keras":${'['.repeat(100)}${']'.repeat(100)}}}`);
  expect(() => checkNetworkBodySize(deep, 10)).toThrow(/nested deeper than 64/);
  // The parsed check agrees.
  expect(() => checkNetworkSize({ native: { nodes: nodes(400) } }, 10)).toThrow(/more than 1000 JSON values/);
  expect(() => checkNetworkSize({ keras: JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`) }, 10)).toThrow(
    /nested deeper/,
  );
});
