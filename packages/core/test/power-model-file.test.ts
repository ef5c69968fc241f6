import { describe, expect, it } from 'vitest';
import {
  buildNetwork,
  conv,
  createModelSet,
  fitLayerModel,
  fitSaturatingPowerModel,
  ModelError,
  parseKindModel,
  parseModel,
  predictNetwork,
  serializeKindModel,
  serializeModel,
} from '../src/index.js';
import { handModel } from './helpers/hand-model.js';
import { IDLE_W, LIMIT_W, powerRows } from './helpers/power.js';

const rows = powerRows(120, 5);
const saturating = fitSaturatingPowerModel(rows, { idleW: IDLE_W, limitW: LIMIT_W, folds: 5 });
const runtime = fitLayerModel(
  'conv',
  'runtime',
  rows.map((r) => ({ config: r.config, value: r.runtimeMs })),
  { folds: 5, termSet: 'paper' },
);

describe('saturating power model file (neuralpower.model/3, family saturating)', () => {
  it('round-trips exactly: same JSON text, same predictions', () => {
    const text = JSON.stringify(serializeKindModel(saturating));
    const parsed = parseKindModel(JSON.parse(text));
    expect(parsed.family).toBe('saturating');
    expect(JSON.stringify(serializeKindModel(parsed))).toBe(text);
    expect(JSON.parse(text)).toMatchObject({
      format: 'neuralpower.model/3',
      family: 'saturating',
      kind: 'conv',
      target: 'power',
      idleW: IDLE_W,
      idleFrom: 'platform',
      limitFrom: 'platform',
    });
    if (parsed.family !== 'saturating') throw new Error('unreachable');
    for (const r of rows.slice(0, 5)) {
      expect(parsed.predict(r.config, r.runtimeMs)).toBe(saturating.predict(r.config, r.runtimeMs));
    }
  });

  it('a polynomial is written as /3 with family polynomial; /2 and /1 files still load as polynomials', () => {
    const json = serializeModel(runtime);
    expect(json).toMatchObject({ format: 'neuralpower.model/3', family: 'polynomial' });
    const text = JSON.stringify(json);
    expect(JSON.stringify(serializeKindModel(parseKindModel(JSON.parse(text))))).toBe(text);
    for (const format of ['neuralpower.model/2', 'neuralpower.model/1']) {
      const old = JSON.parse(text);
      old.format = format;
      delete old.family;
      if (format === 'neuralpower.model/1') delete old.interval;
      const parsed = parseKindModel(old);
      expect(parsed.family).toBe('polynomial');
      // Re-serialised unchanged: no family field appears in an old file.
      expect(JSON.parse(JSON.stringify(serializeKindModel(parsed)))).toEqual(old);
      expect(parseModel(old).predict(rows[0]!.config)).toBe(runtime.predict(rows[0]!.config));
    }
  });

  it('names what is wrong in a bad file', () => {
    const json = JSON.parse(JSON.stringify(serializeKindModel(saturating)));
    const fails = (mutate: (m: Record<string, unknown>) => void, field: string, pattern: RegExp) => {
      const copy = structuredClone(json);
      mutate(copy);
      try {
        parseKindModel(copy);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        expect((e as ModelError).field).toBe(field);
        expect((e as Error).message).toMatch(pattern);
      }
    };
    fails((m) => (m['family'] = 'cubic'), 'family', /must be one of polynomial, saturating/);
    fails((m) => (m['limitW'] = 10), 'limitW', /must exceed idleW 40/);
    fails((m) => (m['target'] = 'runtime'), 'target', /predicts power/);
    fails((m) => (m['perMacPerMs'] = -1), 'perMacPerMs', /≥ 0/);
    fails((m) => (m['idleFrom'] = 'probe'), 'idleFrom', /platform, cv/);
    fails((m) => (m['format'] = 'neuralpower.model/2'), 'family', /not a field of neuralpower.model\/2/);
    expect(() => parseModel(json)).toThrow(/saturating power model has no terms/);
  });
});

describe('predictNetwork with a saturating power model', () => {
  const network = buildNetwork({
    name: 'two-conv',
    batch: 8,
    input: [32, 32, 16],
    nodes: [
      { name: 'c1', spec: conv(32, 3), parents: [] },
      { name: 'c2', spec: conv(64, 3, { stride: 2 }), parents: ['c1'] },
    ],
  });

  it('feeds each layer its predicted runtime; energy = Σ P·T and power = ΣPT/ΣT', () => {
    const p = predictNetwork(network, createModelSet([runtime, saturating]));
    let energy = 0;
    let time = 0;
    for (const [i, row] of p.layers.entries()) {
      const layer = network.layers[i]!;
      expect(row.powerFamily).toBe('saturating');
      expect(row.powerW).toBe(saturating.predictLayer(layer, row.runtimeMs!));
      expect(row.powerW!).toBeGreaterThanOrEqual(IDLE_W);
      expect(row.powerW!).toBeLessThanOrEqual(LIMIT_W);
      expect(row.energyMj).toBeCloseTo(row.powerW! * row.runtimeMs!, 9);
      expect(row.powerRangeW).toEqual(saturating.intervalOf(row.powerW!));
      energy += row.energyMj!;
      time += row.runtimeMs!;
    }
    expect(p.totals.energyMj).toBeCloseTo(energy, 9);
    expect(p.totals.powerW).toBeCloseTo(energy / time, 9);
  });

  it('without a runtime model the saturating power is unknown, not guessed', () => {
    const p = predictNetwork(network, createModelSet([saturating]));
    expect(p.layers[0]).toMatchObject({ powerW: null, energyMj: null, powerFamily: 'saturating' });
    expect(p.uncovered[0]!.missing).toEqual(['runtime']);
  });

  it('a polynomial power model keeps its own prediction and says so', () => {
    const flat = handModel('conv', 'power', ['log2(N)'], [0], 100);
    const p = predictNetwork(network, createModelSet([runtime, flat]));
    expect(p.layers[0]).toMatchObject({ powerW: 100, powerFamily: 'polynomial' });
  });
});
