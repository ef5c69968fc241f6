import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Network } from '@neuralpower/core';
import { NetworkFileError, UnknownNetworkError, withFileName } from './errors.js';
import { importKeras, looksLikeKeras } from './import/keras.js';
import { importNative, looksLikeNative } from './import/native.js';
import { importOnnx } from './import/onnx.js';
import { importPaleo, looksLikePaleo } from './import/paleo.js';
import type { NetworkOptions } from './options.js';
import { findZooEntry, listZoo, zooNetwork } from './zoo/index.js';

export type NetworkFormat = 'paleo' | 'keras' | 'onnx' | 'native';

function startsLikeJson(bytes: Uint8Array): boolean {
  for (const byte of bytes) {
    if (
      byte === 0x20 ||
      byte === 0x0a ||
      byte === 0x0d ||
      byte === 0x09 ||
      byte === 0xef ||
      byte === 0xbb ||
      byte === 0xbf
    )
      continue;
    return byte === 0x7b; // '{'
  }
  return false;
}

/** Binary formats people reach for that this tool does not read, told by their first bytes. */
const FOREIGN: readonly { magic: number[]; what: string }[] = [
  {
    magic: [0x89, 0x48, 0x44, 0x46],
    what: 'a Keras HDF5 (.h5) file; save the architecture with model.to_json() or convert it with tensorflowjs_converter',
  },
  {
    magic: [0x50, 0x4b, 0x03, 0x04],
    what: 'a zip archive (a PyTorch .pt/.pth checkpoint or a .keras file); export the model to ONNX, or use the config.json inside a .keras file',
  },
];

/** Which format the bytes hold: `.onnx` or non-JSON bytes are ONNX; JSON is told apart by its keys. */
export function detectFormat(bytes: Uint8Array, fileName: string): { format: NetworkFormat; json?: unknown } {
  for (const { magic, what } of FOREIGN) {
    if (magic.every((b, i) => bytes[i] === b)) throw new NetworkFileError(fileName, '(file)', `is ${what}`);
  }
  if (fileName.toLowerCase().endsWith('.onnx') || !startsLikeJson(bytes)) return { format: 'onnx' };
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8').decode(bytes));
  } catch (err) {
    throw new NetworkFileError(fileName, '(file)', `is not valid JSON: ${(err as Error).message}`);
  }
  if (looksLikeKeras(json)) return { format: 'keras', json };
  if (looksLikeNative(json)) return { format: 'native', json };
  if (looksLikePaleo(json)) return { format: 'paleo', json };
  throw new NetworkFileError(
    fileName,
    '(file)',
    'is not a network description this tool reads: expected Paleo JSON {layers: {...}}, Keras / TF.js JSON ' +
      '{modelTopology} or {class_name, config}, neuralpower JSON {name, input, nodes: [...]}, or an .onnx file',
  );
}

/** Parses a network description from bytes (uploads, stdin); errors name `fileName`. */
export function parseNetworkBytes(bytes: Uint8Array, fileName: string, opts: NetworkOptions = {}): Network {
  const { format, json } = detectFormat(bytes, fileName);
  const network = withFileName(fileName, () => {
    switch (format) {
      case 'onnx':
        return importOnnx(bytes, opts);
      case 'keras':
        return importKeras(json, opts);
      case 'native':
        return importNative(json, opts);
      case 'paleo':
        return importPaleo(json, opts);
    }
  });
  // A file that names no network is called after the file.
  if (!UNNAMED.has(network.name)) return network;
  return { ...network, name: basename(fileName).replace(/\.[^.]*$/, '') || network.name };
}

/** The names importers give a network whose file does not name it. */
const UNNAMED = new Set(['paleo', 'keras', 'onnx']);

/** A zoo name (`vgg16`, `ResNet-50`) or a path to a description file in any supported format. */
export async function loadNetwork(ref: string, opts: NetworkOptions = {}): Promise<Network> {
  if (findZooEntry(ref)) return zooNetwork(ref, opts);
  let path = ref;
  let isFile = false;
  try {
    const info = await stat(ref);
    // A TF.js model directory: its model.json.
    if (info.isDirectory()) path = join(ref, 'model.json');
    isFile = (await stat(path)).isFile();
  } catch {
    isFile = false;
  }
  if (!isFile) {
    throw new UnknownNetworkError(
      ref,
      `${JSON.stringify(ref)} is neither a zoo network nor a readable file; zoo networks: ${listZoo()
        .map((z) => z.name)
        .join(', ')}`,
    );
  }
  return parseNetworkBytes(new Uint8Array(await readFile(path)), path, opts);
}
