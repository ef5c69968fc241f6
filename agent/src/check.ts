import os from 'node:os';
import { conv, fc, type LayerConfig, pool } from '@neuralpower/core';
import {
  type BlockProtocolResult,
  type BlockTimingOptions,
  DEFAULT_BLOCK_TIMING,
  timeBlocks,
} from './bench/blocks.js';
import { measureSyncOverhead, type SyncOverhead } from './bench/sync-overhead.js';
import { minReferenceRunMs, type SizedReferenceLayer, sizeReferenceLayer } from './check-sizing.js';
import type { EngineChoice } from './engine/choices.js';
import { createEngine } from './engine/registry.js';
import type { TorchEngineOptions } from './engine/torch/index.js';

/**
 * Small, fixed layers of each fitted kind at their smallest batch: quick on every backend. Each one's
 * batch grows until a run takes minReferenceRunMs (check-sizing.ts), so a GPU checks device work.
 */
export const REFERENCE_LAYERS: readonly { readonly label: string; readonly config: LayerConfig }[] = [
  { label: 'conv 3x3 16x16x32→32', config: { spec: conv(32, 3), inputs: [[16, 16, 32]], batch: 1 } },
  { label: 'conv 3x3 8x8x64→64', config: { spec: conv(64, 3), inputs: [[8, 8, 64]], batch: 2 } },
  { label: 'fc 1024→500', config: { spec: fc(500), inputs: [[1, 1, 1024]], batch: 2 } },
  { label: 'maxpool 2x2 16x16x32', config: { spec: pool('max', 2), inputs: [[16, 16, 32]], batch: 4 } },
];

export interface CheckOptions {
  /** Engine, as for a sweep (default auto: torch on CUDA when an NVIDIA GPU was found, else tfjs). */
  readonly backend?: EngineChoice;
  readonly torch?: TorchEngineOptions;
  /** An NVIDIA GPU was found (what `auto` needs to try torch on CUDA first). */
  readonly nvidiaGpu?: boolean;
  /** wanted ± half-width of each median's interval (default 0.02) */
  readonly targetRel?: number;
  /** largest relative difference allowed between the two passes (default twice the target) */
  readonly toleranceRel?: number;
  /** budget per layer and pass (default 3 s) */
  readonly budgetMs?: number;
  /** shortest run a reference layer is grown to (default minReferenceRunMs of the sync overhead) */
  readonly minRunMs?: number;
}

export interface CheckedLayer {
  /** the reference layer and the batch it was grown to, e.g. `fc 1024→500 N=64` */
  readonly name: string;
  readonly batch: number;
  readonly first: Pick<
    BlockProtocolResult,
    'medianMs' | 'ciHalfWidthRel' | 'targetReached' | 'blocks' | 'runsPerBlock' | 'outlierBlocks'
  >;
  readonly second: CheckedLayer['first'];
  /** |second − first| / mean of the two */
  readonly differenceRel: number;
  readonly pass: boolean;
}

export interface CheckResult {
  readonly pass: boolean;
  /** engine (tfjs, torch) and its backend (wasm, cpu, cuda…) */
  readonly engine: string;
  readonly backend: string;
  readonly clock: string;
  readonly targetRel: number;
  readonly toleranceRel: number;
  readonly loadAverage: readonly number[];
  readonly cores: number;
  readonly syncOverhead: SyncOverhead;
  /** the shortest run the reference layers were grown to */
  readonly minRunMs: number;
  readonly layers: readonly CheckedLayer[];
  /** why it failed, one line per reason */
  readonly reasons: readonly string[];
}

/**
 * Measures the reference layers twice (two full passes, so a change of conditions between them
 * shows) with the block protocol, and says whether this machine currently measures within target.
 */
export async function runCheck(options: CheckOptions = {}): Promise<CheckResult> {
  const targetRel = options.targetRel ?? DEFAULT_BLOCK_TIMING.targetRel;
  const toleranceRel = options.toleranceRel ?? 2 * targetRel;
  const budgetMs = options.budgetMs ?? 3000;
  const engine = await createEngine(options.backend ?? 'auto', {
    nvidiaGpu: options.nvidiaGpu ?? false,
    torch: options.torch ?? { device: 'cuda' },
  });
  try {
    const timing: BlockTimingOptions = {
      ...DEFAULT_BLOCK_TIMING,
      targetRel,
      budgetMs,
      minBudgetMs: budgetMs,
    };
    const syncOverhead = await measureSyncOverhead(engine);
    const minRunMs = options.minRunMs ?? minReferenceRunMs(syncOverhead.syncOverheadMs);
    const sized: SizedReferenceLayer[] = [];
    try {
      for (const l of REFERENCE_LAYERS) sized.push(await sizeReferenceLayer(engine, l.config, minRunMs));
      const works = sized.map((s) => s.work);
      const passes: BlockProtocolResult[][] = [[], []];
      for (const pass of passes)
        for (const w of works) pass.push(await timeBlocks(w, engine.blockClock ?? 'wall', timing));
      const pick = (r: BlockProtocolResult): CheckedLayer['first'] => ({
        medianMs: r.medianMs,
        ciHalfWidthRel: r.ciHalfWidthRel,
        targetReached: r.targetReached,
        blocks: r.blocks,
        runsPerBlock: r.runsPerBlock,
        outlierBlocks: r.outlierBlocks,
      });
      const reasons: string[] = [];
      const layers = REFERENCE_LAYERS.map((reference, i): CheckedLayer => {
        const batch = sized[i]!.config.batch;
        const name = `${reference.label} N=${batch}`;
        const a = passes[0]![i]!;
        const b = passes[1]![i]!;
        const differenceRel = Math.abs(a.medianMs - b.medianMs) / ((a.medianMs + b.medianMs) / 2);
        const pass = a.targetReached && b.targetReached && differenceRel <= toleranceRel;
        if (!a.targetReached || !b.targetReached) {
          reasons.push(
            `${name}: the median's interval stayed wider than ±${(100 * targetRel).toFixed(1)} % within ${budgetMs} ms`,
          );
        }
        if (differenceRel > toleranceRel) {
          reasons.push(
            `${name}: the two passes differ by ${(100 * differenceRel).toFixed(1)} % (> ${(100 * toleranceRel).toFixed(1)} %)`,
          );
        }
        return { name, batch, first: pick(a), second: pick(b), differenceRel, pass };
      });
      return {
        pass: layers.every((l) => l.pass),
        engine: engine.identity.name,
        backend: engine.identity.backend,
        clock: engine.blockClock ?? 'wall',
        targetRel,
        toleranceRel,
        loadAverage: os.loadavg(),
        cores: os.cpus().length,
        syncOverhead,
        minRunMs,
        layers,
        reasons,
      };
    } finally {
      for (const s of sized) s.work.dispose();
    }
  } finally {
    await engine.dispose();
  }
}
