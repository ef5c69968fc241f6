import { describeLayer, type LayerConfig, type Network, parseLayerSpec, type Shape } from '@neuralpower/core';
import type { EngineIdentity } from '@neuralpower/protocol';
import * as tf from '@tensorflow/tfjs';
import { timeBlocksInProcess } from '../../bench/in-process-blocks.js';
import type { BlockTimingRequest, Engine, PreparedWork } from '../engine.js';
import { selectBackend, type TfjsBackendChoice } from './backends.js';
import { type BuiltLayer, buildLayer } from './layers.js';

function randomInput(batch: number, shape: Shape): tf.Tensor4D {
  return tf.randomNormal([batch, ...shape], 0, 1, 'float32') as tf.Tensor4D;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Runs layers with TensorFlow.js. Every forward pass runs inside `tf.tidy`; `synchronise` reads the
 * output back (dataSync on CPU backends, `await data()` on GPU ones), which is the only way to be
 * sure a GPU backend has finished, and then frees it.
 */
export class TfjsEngine implements Engine {
  private constructor(
    readonly identity: EngineIdentity,
    readonly device: 'gpu' | 'cpu',
    readonly notes: readonly string[],
  ) {}

  /**
   * wasm (the SIMD build tfjs picks under Node is single-threaded) and cpu compute on this thread:
   * their blocks are timed by process CPU time. Native TensorFlow and GPU backends use wall time.
   */
  get blockClock(): 'wall' | 'process-cpu' {
    const singleThreaded =
      this.identity.backend === 'cpu' ||
      (this.identity.backend === 'wasm' && !this.identity.settings?.['threads']);
    return singleThreaded ? 'process-cpu' : 'wall';
  }

  static async create(backend: TfjsBackendChoice = 'auto'): Promise<TfjsEngine> {
    const selected = await selectBackend(backend);
    // Models are per thread count: a wasm build on more than one thread is another platform (one
    // thread, the only case under Node today, adds nothing, so existing platform ids stay).
    const threads =
      selected.threads !== undefined && selected.threads !== 1
        ? { threads: String(selected.threads) }
        : undefined;
    return new TfjsEngine(
      {
        name: 'tfjs',
        backend: selected.backend,
        version: tf.version.tfjs,
        ...(threads ? { settings: threads } : {}),
      },
      selected.device,
      selected.notes,
    );
  }

  private work(inputs: tf.Tensor4D[], weights: readonly tf.Tensor[], forward: () => tf.Tensor): PreparedWork {
    let output: tf.Tensor | undefined;
    const gpu = this.device === 'gpu';
    const cpuClock = this.blockClock === 'process-cpu';
    const run = () => {
      output?.dispose();
      output = tf.tidy(forward);
    };
    const synchronise = async () => {
      if (!output) return;
      if (gpu) await output.data();
      else output.dataSync();
      output.dispose();
      output = undefined;
    };
    return {
      run,
      synchronise,
      timeBlocks: (req: BlockTimingRequest) => timeBlocksInProcess(run, synchronise, req, cpuClock),
      dispose: () => {
        output?.dispose();
        for (const t of inputs) t.dispose();
        for (const t of weights) t.dispose();
      },
    };
  }

  async prepare(config: LayerConfig): Promise<PreparedWork> {
    // A spec the core refuses (e.g. a negative kernel) must never reach a backend: the wasm one
    // reads out of bounds instead of failing cleanly.
    parseLayerSpec(config.spec);
    const instance = describeLayer(config);
    const built: BuiltLayer = buildLayer(config.spec, config.inputs, config.batch);
    const inputs = config.inputs.map((s) => randomInput(config.batch, s));
    const forward = () => built.forward(inputs);
    // Check once that tfjs computes the shape the core infers: a mismatch would mislabel records.
    const probe = tf.tidy(forward);
    const expected = [config.batch, ...instance.output];
    const actual = probe.shape;
    probe.dispose();
    if (!sameShape(actual, expected)) {
      for (const t of [...inputs, ...built.weights]) t.dispose();
      throw new Error(
        `${config.spec.kind}: tfjs output [${actual.join(', ')}] differs from the core's [${expected.join(', ')}]`,
      );
    }
    return this.work(inputs, built.weights, forward);
  }

  async prepareNetwork(network: Network): Promise<PreparedWork> {
    const built = new Map<string, BuiltLayer>();
    const weights: tf.Tensor[] = [];
    try {
      for (const layer of network.layers) {
        try {
          parseLayerSpec(layer.spec);
        } catch (err) {
          throw new Error(`layer ${JSON.stringify(layer.name)}: ${(err as Error).message}`);
        }
        const b = buildLayer(layer.spec, layer.inputs, network.batch);
        built.set(layer.name, b);
        weights.push(...b.weights);
      }
    } catch (err) {
      for (const w of weights) w.dispose();
      throw err;
    }
    const input = randomInput(network.batch, network.input);
    const forward = () => {
      const outputs = new Map<string, tf.Tensor4D>();
      let last: tf.Tensor4D = input;
      for (const layer of network.layers) {
        const xs = layer.parents.length === 0 ? [input] : layer.parents.map((p) => outputs.get(p)!);
        last = built.get(layer.name)!.forward(xs) as tf.Tensor4D;
        outputs.set(layer.name, last);
      }
      return last;
    };
    return this.work([input], weights, forward);
  }

  async dispose(): Promise<void> {
    tf.disposeVariables();
  }
}
