import * as tf from '@tensorflow/tfjs';

const t0 = Date.now();
const m = tf.sequential();
m.add(
  tf.layers.conv2d({
    inputShape: [8, 8, 3],
    filters: 4,
    kernelSize: 3,
    padding: 'same',
    useBias: false,
    name: 'c1',
  }),
);
m.add(tf.layers.batchNormalization({ name: 'bn' }));
m.add(tf.layers.reLU({ maxValue: 6, name: 'r6' }));
m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', name: 'dw' }));
m.add(
  tf.layers.zeroPadding2d({
    padding: [
      [1, 0],
      [0, 1],
    ],
    name: 'zp',
  }),
);
m.add(tf.layers.flatten({ name: 'f' }));
m.add(tf.layers.dense({ units: 5, activation: 'softmax', name: 'd' }));
console.log(JSON.stringify(m.toJSON(null, false)));
const inp = tf.input({ shape: [8, 8, 3], name: 'in' });
const a = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'a' }).apply(inp) as tf.SymbolicTensor;
const b = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: 'b' }).apply(inp) as tf.SymbolicTensor;
const s = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
const c = tf.layers.concatenate({ name: 'cat' }).apply([s, a]) as tf.SymbolicTensor;
const g = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(c) as tf.SymbolicTensor;
const model = tf.model({ inputs: inp, outputs: g, name: 'fun' });
console.log(JSON.stringify(model.toJSON(null, false)));
console.log(Date.now() - t0, 'ms');
