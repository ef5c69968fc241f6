import type { EngineChoice } from './choices.js';
import type { Engine } from './engine.js';
import type { TfjsBackendChoice } from './tfjs/choices.js';
import { TfjsEngine } from './tfjs/index.js';
import { TorchEngine, type TorchEngineOptions } from './torch/index.js';

export interface EngineContext {
  /** An NVIDIA GPU was found (nvidia-smi): `auto` then tries torch on CUDA first. */
  readonly nvidiaGpu: boolean;
  readonly torch: TorchEngineOptions;
  readonly onNote?: (message: string) => void;
}

/**
 * One line per engine. `auto` on an NVIDIA machine: torch (CUDA) → tfjs (tfjs-node-gpu → WebGPU →
 * wasm → cpu, see tfjs/backends.ts). Torch on the CPU only when asked for (`--backend torch
 * --torch-device cpu`). A named engine that cannot start fails with its one-line reason.
 */
export async function createEngine(choice: EngineChoice, ctx: EngineContext): Promise<Engine> {
  if (choice === 'torch') return TorchEngine.create(ctx.torch);
  if (choice === 'auto' && ctx.nvidiaGpu) {
    try {
      return await TorchEngine.create({ ...ctx.torch, device: 'cuda' });
    } catch (err) {
      ctx.onNote?.(`torch engine skipped: ${(err as Error).message}`);
    }
  }
  return TfjsEngine.create(choice as TfjsBackendChoice);
}
