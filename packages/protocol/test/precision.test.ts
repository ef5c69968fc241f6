import { conv } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import {
  type LayerRecord,
  PROTOCOL_VERSION,
  type Precision,
  parseClientMessage,
  platformFingerprint,
  reportedRuntimeMs,
} from '../src/index.js';

const platform = platformFingerprint({
  kind: 'cpu',
  cpuModel: 'Test CPU',
  engine: { name: 'tfjs', backend: 'wasm', version: '4.22.0' },
});

const precision: Precision = {
  protocol: 'blocks',
  clock: 'process-cpu',
  runsPerBlock: 12,
  blocks: 40,
  warmupRuns: 10,
  ciLowMs: 0.41,
  ciHighMs: 0.43,
  confidence: 0.95,
  targetRel: 0.02,
  targetReached: true,
  outlierBlocks: 1,
  wallMedianMs: 0.6,
  syncOverheadMs: 0.006,
};

function record(p: unknown): LayerRecord {
  return {
    type: 'layer',
    platform: platform.id,
    spec: conv(8, 3),
    inputs: [[16, 16, 8]],
    batch: 1,
    runtime: { meanMs: 0.43, medianMs: 0.42, stdMs: 0.01, n: 480 },
    precision: p as Precision,
    power: 'unavailable',
    energyMj: null,
    startedAt: '2026-11-30T10:00:00.000Z',
    endedAt: '2026-11-30T10:00:01.000Z',
  };
}

const parse = (p: unknown) =>
  parseClientMessage(JSON.stringify({ type: 'measurements', seq: 1, records: [record(p)] }));

describe('precision on records', () => {
  it('accepts a block-timed record with its interval, counts and revisit drift, and one without', () => {
    expect(parse(precision).ok).toBe(true);
    expect(parse({ ...precision, revisit: { firstMedianMs: 0.4, driftRel: 0.05 } }).ok).toBe(true);
    expect(
      parse({
        ...precision,
        ciMethod: 'bootstrap',
        revisit: { firstMedianMs: 0.4, driftRel: -0.1, acrossProcesses: true },
      }).ok,
    ).toBe(true);
    expect(parse(undefined).ok).toBe(true);
    expect(PROTOCOL_VERSION).toBeGreaterThan(0);
  });

  it('names the field of a bad interval, clock or count', () => {
    const bad: [unknown, string][] = [
      [{ ...precision, ciLowMs: 0.5, ciHighMs: 0.4 }, 'records[0].precision.ciLowMs'],
      [{ ...precision, clock: 'sundial' }, 'records[0].precision.clock'],
      [{ ...precision, runsPerBlock: 0 }, 'records[0].precision.runsPerBlock'],
      [{ ...precision, outlierBlocks: -1 }, 'records[0].precision.outlierBlocks'],
      [{ ...precision, confidence: 1 }, 'records[0].precision.confidence'],
      [{ ...precision, targetReached: undefined }, 'records[0].precision.targetReached'],
      [{ ...precision, ciMethod: 'jackknife' }, 'records[0].precision.ciMethod'],
      [
        { ...precision, revisit: { firstMedianMs: 0.4, driftRel: 0.1, acrossProcesses: 'yes' } },
        'records[0].precision.revisit.acrossProcesses',
      ],
    ];
    for (const [p, field] of bad) {
      const r = parse(p);
      expect(r.ok, field).toBe(false);
      if (!r.ok) expect(r.error.field).toBe(field);
    }
  });
});

describe('energy of a block-timed record', () => {
  const withEnergy = (energyMj: number, p: Precision | null = precision) =>
    parseClientMessage(
      JSON.stringify({
        type: 'measurements',
        seq: 1,
        records: [
          {
            ...record(p ?? undefined),
            power: { meanW: 100, samples: 20, windowMs: 1000, source: 'rapl' },
            energyMj,
          },
        ],
      }),
    );

  it('is meanW × the median it reports (reportedRuntimeMs); meanW × the mean of older agents is still accepted', () => {
    const r = record(precision);
    expect(reportedRuntimeMs(r)).toBe(0.42);
    expect(reportedRuntimeMs(record(undefined))).toBe(0.43);
    expect(withEnergy(100 * 0.42).ok).toBe(true);
    expect(withEnergy(100 * 0.43).ok).toBe(true);
    const wrong = withEnergy(100 * 0.5);
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) {
      expect(wrong.error.field).toBe('records[0].energyMj');
      expect(wrong.error.message).toMatch(/power\.meanW × runtime\.medianMs = 42 mJ/);
    }
    // A record timed run by run: the mean only.
    expect(withEnergy(100 * 0.43, null).ok).toBe(true);
    expect(withEnergy(100 * 0.42, null).ok).toBe(false);
  });
});
