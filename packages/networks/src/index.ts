export { NetworkFileError } from './errors.js';
export { GraphBuilder, INPUT } from './graph-builder.js';
export { importKeras } from './import/keras.js';
export { importNative, toNativeJson } from './import/native.js';
export { importOnnx } from './import/onnx.js';
export { importPaleo } from './import/paleo.js';
export { detectFormat, loadNetwork, type NetworkFormat, parseNetworkBytes } from './load.js';
export type { NetworkOptions } from './options.js';
export { listZoo, type ZooListing, zooNetwork } from './zoo/index.js';
