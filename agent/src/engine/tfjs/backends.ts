import * as tf from '@tensorflow/tfjs';
import type { TfjsBackendChoice } from './choices.js';
import { wasmDistDir } from './wasm-paths.js';

export { TFJS_BACKENDS, type TfjsBackendChoice } from './choices.js';

export interface SelectedBackend {
  /** tfjs backend name as registered: `tensorflow`, `webgpu`, `wasm`, `cpu`. */
  readonly backend: string;
  readonly device: 'gpu' | 'cpu';
  /** e.g. `tfjs-node-gpu` or `tfjs-node`: which package provided the `tensorflow` backend. */
  readonly provider: string;
  /** wasm: the threads its kernels use (1 under Node, see tryWasm); absent for other backends */
  readonly threads?: number;
  readonly notes: string[];
}

/** Imports an optional package by a name TypeScript does not resolve: it is never a declared dependency. */
async function optionalImport(name: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(/* @vite-ignore */ name)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

interface NodeBinding {
  /** a method in most tfjs-node versions, a boolean property in some */
  isUsingGpuDevice?: (() => boolean) | boolean;
}

/**
 * tfjs-node-gpu silently falls back to the CPU when CUDA or cuDNN cannot be loaded. The native
 * binding reports whether a GPU device is really in use; without that answer we do not claim GPU.
 */
function tensorflowUsesGpu(): boolean | undefined {
  const backend = tf.backend() as unknown as { binding?: NodeBinding; isUsingGpuDevice?: boolean };
  const check = backend.binding?.isUsingGpuDevice;
  if (typeof check === 'function') return Boolean(check.call(backend.binding));
  if (typeof check === 'boolean') return check;
  return typeof backend.isUsingGpuDevice === 'boolean' ? backend.isUsingGpuDevice : undefined;
}

async function tryTensorflow(notes: string[]): Promise<SelectedBackend | undefined> {
  for (const provider of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const mod = await optionalImport(provider);
    if (!mod) {
      notes.push(`${provider} is not installed`);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      notes.push(`${provider} loaded but the tensorflow backend did not start`);
      continue;
    }
    const gpu = provider.endsWith('-gpu') ? tensorflowUsesGpu() : false;
    if (provider.endsWith('-gpu') && gpu !== true) {
      notes.push(
        gpu === false
          ? `${provider} is running on the CPU (CUDA/cuDNN not found); measuring as a CPU platform`
          : `${provider} cannot say whether it uses a GPU; measuring as a CPU platform`,
      );
    }
    return {
      backend: 'tensorflow',
      device: gpu === true ? 'gpu' : 'cpu',
      provider: provider.slice(12),
      notes,
    };
  }
  return undefined;
}

async function tryWebgpu(notes: string[]): Promise<SelectedBackend | undefined> {
  const dawn = await optionalImport('webgpu');
  if (!dawn) {
    notes.push('webgpu (Dawn for Node) is not installed');
    return undefined;
  }
  const create = dawn['create'];
  if (typeof create !== 'function') {
    notes.push('webgpu package has no create()');
    return undefined;
  }
  const gpu = (create as (flags: string[]) => { requestAdapter(): Promise<unknown> })([]);
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) {
    notes.push('webgpu gave no adapter');
    return undefined;
  }
  const g = globalThis as unknown as { navigator?: { gpu?: unknown } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
  (g.navigator as { gpu?: unknown }).gpu = gpu;
  if (!(await optionalImport('@tensorflow/tfjs-backend-webgpu'))) {
    notes.push('@tensorflow/tfjs-backend-webgpu is not installed');
    return undefined;
  }
  if (!(await tf.setBackend('webgpu').catch(() => false))) {
    notes.push('the webgpu backend did not start');
    return undefined;
  }
  return { backend: 'webgpu', device: 'gpu', provider: 'webgpu', notes };
}

async function tryWasm(notes: string[]): Promise<SelectedBackend | undefined> {
  const wasm = await optionalImport('@tensorflow/tfjs-backend-wasm');
  const setWasmPaths = wasm?.['setWasmPaths'];
  if (typeof setWasmPaths !== 'function') {
    notes.push('@tensorflow/tfjs-backend-wasm is not installed');
    return undefined;
  }
  (setWasmPaths as (p: string) => void)(wasmDistDir());
  // One thread, asked for explicitly: a pthread pool larger than the free cores makes timings
  // depend on the neighbours, and the process CPU clock would add the workers' time. (tfjs 4.x
  // never starts the threaded build under Node anyway; a future one might.)
  const setThreads = wasm?.['setThreadsCount'];
  if (typeof setThreads === 'function') (setThreads as (n: number) => void)(1);
  if (!(await tf.setBackend('wasm').catch(() => false))) {
    notes.push('the wasm backend did not start');
    return undefined;
  }
  const getThreads = wasm?.['getThreadsCount'];
  const threads = typeof getThreads === 'function' ? Number((getThreads as () => number)()) : 1;
  return { backend: 'wasm', device: 'cpu', provider: 'tfjs-backend-wasm', threads, notes };
}

async function tryCpu(notes: string[]): Promise<SelectedBackend | undefined> {
  if (!(await tf.setBackend('cpu'))) {
    notes.push('the cpu backend did not start');
    return undefined;
  }
  return { backend: 'cpu', device: 'cpu', provider: 'tfjs', notes };
}

/**
 * Picks and starts a backend. `auto` prefers a verified GPU, then native TensorFlow, then WebGPU,
 * then wasm, then plain JS. A named backend that cannot start is an error naming why.
 */
export async function selectBackend(choice: TfjsBackendChoice): Promise<SelectedBackend> {
  // Production mode: no per-op debug checks while timing (and no console banner on the cpu backend).
  tf.enableProdMode();
  const notes: string[] = [];
  const order: Record<
    Exclude<TfjsBackendChoice, 'auto'>,
    (n: string[]) => Promise<SelectedBackend | undefined>
  > = { tensorflow: tryTensorflow, webgpu: tryWebgpu, wasm: tryWasm, cpu: tryCpu };
  if (choice !== 'auto') {
    const picked = await order[choice](notes);
    if (!picked) throw new Error(`backend ${choice} is not available: ${notes.join('; ')}`);
    await tf.ready();
    return picked;
  }
  const tensorflow = await tryTensorflow(notes);
  // A tensorflow backend on the CPU is still faster than wasm, but a GPU from WebGPU beats it.
  if (tensorflow?.device === 'gpu') return tensorflow;
  const webgpu = await tryWebgpu(notes);
  if (webgpu) return webgpu;
  if (tensorflow) {
    await tf.setBackend('tensorflow');
    return tensorflow;
  }
  const picked = (await tryWasm(notes)) ?? (await tryCpu(notes));
  if (!picked) throw new Error(`no tfjs backend could start: ${notes.join('; ')}`);
  await tf.ready();
  return picked;
}

/** Which backends could start here, without keeping any (for `agent probe`). */
export async function availableBackends(): Promise<{ backend: string; available: boolean; note?: string }[]> {
  const out: { backend: string; available: boolean; note?: string }[] = [];
  for (const b of ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const) {
    try {
      const s = await selectBackend(b);
      out.push({ backend: b, available: true, ...(s.notes.length ? { note: s.notes.join('; ') } : {}) });
    } catch (err) {
      out.push({ backend: b, available: false, note: err instanceof Error ? err.message : String(err) });
    }
  }
  return out;
}
