import { conv, fc, pool } from '@neuralpower/core';
import { describe, expect, it } from 'vitest';
import {
  BOUNDS,
  type ClientMessage,
  type Hello,
  jsonDeeperThan,
  type LayerRecord,
  layerConfigKey,
  type Measurements,
  type NetworkRecord,
  PROTOCOL_VERSION,
  parseClientMessage,
  parseServerMessage,
  platformFingerprint,
  recordKey,
} from '../src/index.js';

const gpu = {
  kind: 'gpu' as const,
  gpuName: 'NVIDIA H100 80GB HBM3',
  driverVersion: '550.54.15',
  enforcedPowerLimitW: 700,
  engine: { name: 'tfjs', backend: 'tensorflow', version: '4.22.0' },
};
const platform = platformFingerprint(gpu);

function layerRecord(overrides: Partial<LayerRecord> = {}): LayerRecord {
  return {
    type: 'layer',
    platform: platform.id,
    spec: conv(64, 3),
    inputs: [[32, 32, 16]],
    batch: 8,
    runtime: { meanMs: 1.5, medianMs: 1.4, stdMs: 0.1, n: 50 },
    power: { meanW: 210.5, samples: 40, windowMs: 2000, source: 'nvidia-smi' },
    energyMj: 315.75,
    startedAt: '2026-11-27T16:00:00.000Z',
    endedAt: '2026-11-27T16:00:02.000Z',
    ...overrides,
  };
}

const hello: Hello = {
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  agentId: 'host-a/gpu0',
  host: 'host-a',
  platforms: [{ id: platform.id, description: platform.description, input: gpu }],
};

function batch(records: unknown[], seq = 1): string {
  return JSON.stringify({ type: 'measurements', seq, records });
}

describe('platformFingerprint', () => {
  it('is stable, short and ignores whitespace and power-limit formatting', () => {
    const again = platformFingerprint({
      ...gpu,
      gpuName: ' NVIDIA  H100 80GB HBM3',
      enforcedPowerLimitW: 700.0,
    });
    expect(again.id).toBe(platform.id);
    expect(platform.id).toMatch(/^gpu-[0-9a-f]{16}$/);
    expect(platform.description).toContain('NVIDIA H100 80GB HBM3');
    expect(platform.description).toContain('700 W');
  });
  it('changes with driver, power limit, backend and engine version', () => {
    const ids = new Set([
      platform.id,
      platformFingerprint({ ...gpu, driverVersion: '550.54.14' }).id,
      platformFingerprint({ ...gpu, enforcedPowerLimitW: 400 }).id,
      platformFingerprint({ ...gpu, engine: { ...gpu.engine, backend: 'webgpu' } }).id,
      platformFingerprint({ ...gpu, engine: { ...gpu.engine, version: '4.21.0' } }).id,
    ]);
    expect(ids.size).toBe(5);
  });
  it('identifies CPU platforms by CPU model and engine', () => {
    const cpu = platformFingerprint({
      kind: 'cpu',
      cpuModel: 'AMD EPYC 7B13',
      engine: { name: 'tfjs', backend: 'wasm', version: '4.22.0' },
    });
    expect(cpu.id).toMatch(/^cpu-[0-9a-f]{16}$/);
    expect(cpu.description).toBe('AMD EPYC 7B13 · tfjs 4.22.0/wasm');
  });
  it('includes engine settings (torch: precision, CUDA, cuDNN…) in any order; none keeps the old id', () => {
    const torch = { name: 'torch', backend: 'cuda', version: '2.5.1+cu124' };
    const a = platformFingerprint({
      ...gpu,
      engine: { ...torch, settings: { precision: 'fp32', cuda: '12.4' } },
    });
    const b = platformFingerprint({
      ...gpu,
      engine: { ...torch, settings: { cuda: '12.4', precision: 'fp32' } },
    });
    const tf32 = platformFingerprint({
      ...gpu,
      engine: { ...torch, settings: { cuda: '12.4', precision: 'tf32' } },
    });
    expect(a.id).toBe(b.id);
    expect(tf32.id).not.toBe(a.id);
    expect(a.description).toContain('torch 2.5.1+cu124/cuda (precision fp32, cuda 12.4)');
    expect(platformFingerprint({ ...gpu, engine: { ...gpu.engine, settings: {} } }).id).toBe(platform.id);
  });
});

describe('parseClientMessage', () => {
  it('accepts hello, measurements and heartbeat', () => {
    const h = parseClientMessage(JSON.stringify(hello));
    expect(h.ok).toBe(true);
    const network: NetworkRecord = {
      type: 'network',
      platform: platform.id,
      network: { name: 'VGG-16', zoo: 'vgg16' },
      batch: 1,
      runtime: { meanMs: 20, medianMs: 20, stdMs: 1, n: 10 },
      power: 'unavailable',
      energyMj: null,
      startedAt: '2026-11-27T16:00:00Z',
      endedAt: '2026-11-27T16:00:01Z',
    };
    const m = parseClientMessage(
      batch([layerRecord(), layerRecord({ spec: fc(10), inputs: [[1, 1, 100]] }), network]),
    );
    expect(m.ok).toBe(true);
    if (m.ok && m.message.type === 'measurements') {
      const msg: Measurements = m.message;
      expect(msg.records).toHaveLength(3);
      expect(msg.records[0]!.type === 'layer' && msg.records[0]!.spec.kind).toBe('conv');
    }
    const hb = parseClientMessage(JSON.stringify({ type: 'heartbeat', sentAt: new Date().toISOString() }));
    expect(hb.ok).toBe(true);
  });

  it('names the record index and field of an invalid record', () => {
    const records = [
      layerRecord(),
      layerRecord(),
      layerRecord(),
      layerRecord({ runtime: { meanMs: -1, medianMs: 1, stdMs: 0, n: 5 } }),
    ];
    const r = parseClientMessage(batch(records));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('invalid_record');
      expect(r.error.field).toBe('records[3].runtime.meanMs');
      expect(r.error.message).toContain('records[3].runtime.meanMs');
    }
  });

  it('validates layer specs with the core and maps the field onto the record', () => {
    const bad = { ...layerRecord(), spec: { ...conv(64, 3), kernelH: 0 } };
    const r = parseClientMessage(batch([layerRecord(), bad]));
    expect(!r.ok && r.error.field).toBe('records[1].spec.kernelH');
    const tooBig = layerRecord({ spec: conv(8, 5, { padding: 'VALID' }), inputs: [[3, 3, 4]] });
    const r2 = parseClientMessage(batch([tooBig]));
    expect(r2.ok).toBe(false);
    const unknownKind = { ...layerRecord(), spec: { kind: 'warp' } };
    const r3 = parseClientMessage(batch([unknownKind]));
    expect(!r3.ok && r3.error.field).toBe('records[0].spec.kind');
    const unsupported = layerRecord({ spec: { kind: 'unsupported', sourceType: 'Foo' } });
    const r4 = parseClientMessage(batch([unsupported]));
    expect(!r4.ok && r4.error.field).toBe('records[0].spec.kind');
  });

  it('requires energy to agree with power', () => {
    const r = parseClientMessage(batch([layerRecord({ power: 'unavailable', energyMj: 3 })]));
    expect(!r.ok && r.error.field).toBe('records[0].energyMj');
    const r2 = parseClientMessage(batch([layerRecord({ energyMj: null })]));
    expect(!r2.ok && r2.error.field).toBe('records[0].energyMj');
  });

  it('refuses missing fields, bad JSON, unknown types, versions and forged platform ids', () => {
    const { runtime: _r, ...noRuntime } = layerRecord();
    const r = parseClientMessage(batch([noRuntime]));
    expect(!r.ok && r.error.field).toBe('records[0].runtime');
    expect(parseClientMessage('{nope').ok).toBe(false);
    const bj = parseClientMessage('{nope');
    expect(!bj.ok && bj.error.code).toBe('bad_json');
    const ut = parseClientMessage(JSON.stringify({ type: 'gossip' }));
    expect(!ut.ok && ut.error.code).toBe('unknown_type');
    const v = parseClientMessage(JSON.stringify({ ...hello, protocolVersion: 99 }));
    expect(!v.ok && v.error.code).toBe('unsupported_version');
    const forged = parseClientMessage(
      JSON.stringify({ ...hello, platforms: [{ ...hello.platforms[0], id: 'gpu-0000000000000000' }] }),
    );
    expect(!forged.ok && forged.error.field).toBe('platforms[0].id');
    const neg = parseClientMessage(batch([layerRecord()], -1));
    expect(!neg.ok && neg.error.field).toBe('seq');
    const empty = parseClientMessage(batch([]));
    expect(!empty.ok && empty.error.field).toBe('records');
  });
});

describe('plausible ranges (BOUNDS)', () => {
  const batchOf = (r: LayerRecord) => JSON.stringify({ type: 'measurements', seq: 1, records: [r] });
  const fieldOf = (r: LayerRecord) => {
    const parsed = parseClientMessage(batchOf(r));
    return parsed.ok ? null : parsed.error.field;
  };
  const withPower = (p: Partial<Exclude<LayerRecord['power'], 'unavailable'>>, energyMj = 315.75) =>
    layerRecord({
      power: { meanW: 210.5, samples: 40, windowMs: 2000, source: 'nvidia-smi', ...p },
      energyMj,
    });

  it('accepts values at the edges of each range', () => {
    const r = layerRecord({
      runtime: { meanMs: BOUNDS.runtimeMs.min, medianMs: BOUNDS.runtimeMs.max, stdMs: 0, n: 1 },
      power: { meanW: 0, samples: 1, windowMs: 1, source: 'rapl', minW: 0, maxW: 0 },
      energyMj: 0,
      batch: BOUNDS.batch.max,
      inputs: [[32, 32, 16]],
    });
    expect(fieldOf(r)).toBeNull();
    expect(fieldOf(withPower({ minW: 180, maxW: 231 }))).toBeNull();
  });

  it('names the field of each implausible value', () => {
    const rt = (meanMs: number) => ({ meanMs, medianMs: 1, stdMs: 0, n: 5 });
    expect(fieldOf(layerRecord({ runtime: rt(1e308), power: 'unavailable', energyMj: null }))).toBe(
      'records[0].runtime.meanMs',
    );
    expect(fieldOf(layerRecord({ runtime: rt(1e-300), power: 'unavailable', energyMj: null }))).toBe(
      'records[0].runtime.meanMs',
    );
    expect(fieldOf(withPower({ meanW: 10_001 }))).toBe('records[0].power.meanW');
    expect(fieldOf(withPower({ minW: 300, maxW: 400 }))).toBe('records[0].power.minW');
    expect(fieldOf(withPower({ minW: 100, maxW: 200 }))).toBe('records[0].power.maxW');
    expect(fieldOf(withPower({}, 999))).toBe('records[0].energyMj');
    expect(fieldOf(layerRecord({ batch: 2 ** 53 - 1 }))).toBe('records[0].batch');
    expect(fieldOf(layerRecord({ inputs: [[32, 32, 1e15]] }))).toBe('records[0].inputs[0][2]');
    expect(fieldOf(layerRecord({ inputs: [[65_536, 65_536, 16]] }))).toBe('records[0].inputs[0]');
    expect(fieldOf(layerRecord({ endedAt: '2026-11-27T15:59:59.000Z' }))).toBe('records[0].endedAt');
    expect(fieldOf(layerRecord({ temperatureC: 1e6 }))).toBe('records[0].temperatureC');
    expect(fieldOf(layerRecord({ spec: { ...conv(64, 3), filters: 2 ** 31 } }))).toBe(
      'records[0].spec.filters',
    );
  });

  it('refuses JSON nested deeper than 64 levels before parsing it', () => {
    expect(
      jsonDeeperThan('[[["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["]]]'),
    ).toBe(false);
    expect(jsonDeeperThan(`${'['.repeat(65)}${']'.repeat(65)}`)).toBe(true);
    const deep = `{"type":"heartbeat","sentAt":${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}}`;
    const r = parseClientMessage(deep);
    expect(r.ok ? null : r.error).toEqual({
      code: 'bad_message',
      message: 'JSON nested deeper than 64 levels',
      field: null,
    });
  });
});

describe('parseServerMessage', () => {
  it('round-trips ack, error, welcome and heartbeat', () => {
    for (const m of [
      { type: 'ack', seq: 4, stored: 10, duplicate: false },
      { type: 'error', code: 'invalid_record', message: 'x', field: 'records[0].batch', seq: 3 },
      {
        type: 'welcome',
        protocolVersion: 1,
        agentId: 'a',
        lastSeq: null,
        serverTime: new Date().toISOString(),
      },
      { type: 'heartbeat', sentAt: new Date().toISOString() },
    ]) {
      const r = parseServerMessage(JSON.stringify(m));
      expect(r.ok).toBe(true);
    }
    expect(parseServerMessage(JSON.stringify({ type: 'ack', seq: 'x' })).ok).toBe(false);
  });
});

describe('natural keys', () => {
  it('do not depend on field order and differ by batch, inputs and platform', () => {
    const a = layerRecord();
    const reordered = { ...a, spec: Object.fromEntries(Object.entries(a.spec).reverse()) } as LayerRecord;
    expect(recordKey(reordered)).toBe(recordKey(a));
    expect(recordKey(layerRecord({ batch: 16 }))).not.toBe(recordKey(a));
    expect(recordKey(layerRecord({ platform: 'cpu-1' }))).not.toBe(recordKey(a));
    expect(layerConfigKey(platform.id, { spec: pool('max', 2), inputs: [[8, 8, 4]], batch: 1 })).toContain(
      '|pool|',
    );
    const m: ClientMessage = JSON.parse(batch([a]));
    expect(m.type).toBe('measurements');
  });
});
