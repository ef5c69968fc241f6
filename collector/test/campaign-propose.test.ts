import {
  conv,
  describeLayer,
  type LayerConfig,
  RANGE_PRESETS,
  Rng,
  sampleConfig,
  type TrainingRow,
} from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import { LEVERAGE_CAP, MIN_ROWS_FOR_COMMITTEE, proposeNext } from '../src/campaigns/propose.js';

// Synthetic runtimes ∝ MACs plus a fixed overhead: a smooth truth the committee can learn.
const rng = new Rng(11);
const sample = (n: number) =>
  Array.from({ length: n }, () => sampleConfig('conv', rng, RANGE_PRESETS.small) as LayerConfig);
const runtimeMs = (c: LayerConfig) => 0.05 + (c.batch * describeLayer(c).macsPerExample) / 1e8;
const rows: TrainingRow[] = sample(30).map((config) => ({ config, value: runtimeMs(config) }));
const candidates = sample(120);

/** A proposal request over the shared rows and candidates. */
const request = (count: number, randomShare: number, seed: number) => ({
  kind: 'conv' as const,
  rows,
  candidates,
  realLayers: [],
  count,
  randomShare,
  seed,
});

describe('proposeNext', () => {
  it('returns count distinct candidates, deterministic per seed', () => {
    const input = request(12, 0.25, 4);
    const picks = proposeNext(input);
    expect(picks).toHaveLength(12);
    expect(new Set(picks).size).toBe(12);
    for (const i of picks) expect(i).toBeGreaterThanOrEqual(0);
    for (const i of picks) expect(i).toBeLessThan(candidates.length);
    expect(proposeNext(input)).toEqual(picks);
  });

  it('is random below the committee minimum and goes for a layer far outside what was measured', () => {
    const few = rows.slice(0, MIN_ROWS_FOR_COMMITTEE - 1);
    const input = { ...request(5, 0, 2), rows: few };
    expect(new Set(proposeNext(input)).size).toBe(5);
    // One huge layer among the candidates: the committee disagrees most there.
    const far: LayerConfig = { spec: conv(60, 5), inputs: [[256, 256, 60]], batch: 64 };
    const withFar = [...candidates.slice(0, 40), far];
    const picks = proposeNext({ ...input, rows, candidates: withFar, count: 3 });
    expect(picks).toContain(40);
  });

  it('caps the leverage: the default is LEVERAGE_CAP, a cap of 0 is no extrapolation term at all', () => {
    const input = request(8, 0, 5);
    expect(proposeNext(input)).toEqual(proposeNext({ ...input, tuning: { leverageCap: LEVERAGE_CAP } }));
    expect(proposeNext({ ...input, tuning: { leverageCap: 0 } })).toEqual(
      proposeNext({ ...input, tuning: { leverage: false } }),
    );
  });
});
