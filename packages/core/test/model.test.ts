import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  conv,
  describeLayer,
  FitError,
  fitLayerModel,
  MODEL_FORMAT,
  ModelError,
  parseModel,
  pool,
  serializeModel,
  sha256Hex,
  trainingSetHash,
} from '../src/index.js';
import { syntheticConvRows } from './helpers/synthetic.js';

const rows = syntheticConvRows(60, 7);
const model = fitLayerModel('conv', 'runtime', rows, { folds: 5 });

describe('fitLayerModel', () => {
  it('fits the conv runtime set and reports out-of-fold metrics', () => {
    expect(model.format).toBe(MODEL_FORMAT);
    // The default (extended) set: the paper's 127 conv runtime terms + 35 work × log2(size) terms.
    expect(model.terms).toHaveLength(162);
    expect(model.report.n).toBe(60);
    expect(model.report.folds).toBe(5);
    expect(model.report.candidateTerms).toBe(162);
    expect(model.report.rmspe).toBeLessThan(0.2);
    expect(model.training.n).toBe(60);
    expect(model.training.features['Cin']).toEqual({ min: 3, max: 64 });
    expect(model.unit).toBe('ms');
    const probe = rows[3]!;
    expect(Math.abs(model.predict(probe.config) - probe.value) / probe.value).toBeLessThan(0.2);
  });

  it('is immutable', () => {
    expect(Object.isFrozen(model)).toBe(true);
    expect(Object.isFrozen(model.coefficients)).toBe(true);
  });

  it('names the row of another kind, the invalid layer and the bad target value', () => {
    const wrong = [
      ...rows.slice(0, 30),
      { config: { spec: pool('max', 2), inputs: [[8, 8, 3]] as const, batch: 1 }, value: 1 },
    ];
    expect(() => fitLayerModel('conv', 'runtime', wrong)).toThrow(
      /rows\[30\]\.spec\.kind: is a pool layer, not conv/,
    );
    const invalid = [
      ...rows.slice(0, 30),
      {
        config: { spec: conv(8, 5, { padding: 'VALID' }), inputs: [[3, 3, 1]] as const, batch: 1 },
        value: 1,
      },
    ];
    expect(() => fitLayerModel('conv', 'runtime', invalid)).toThrow(/rows\[30\].*conv\.kernelH/);
    const negative = rows.map((r, i) => (i === 4 ? { ...r, value: -1 } : r));
    expect(() => fitLayerModel('conv', 'runtime', negative, { folds: 5 })).toThrow(FitError);
    expect(() => fitLayerModel('conv', 'runtime', [])).toThrow(ModelError);
  });
});

describe('model JSON', () => {
  it('round-trips exactly: same JSON, same predictions', () => {
    const json = serializeModel(model);
    const text = JSON.stringify(json);
    const parsed = parseModel(JSON.parse(text));
    expect(serializeModel(parsed)).toEqual(json);
    expect(JSON.stringify(serializeModel(parsed))).toBe(text);
    for (const r of rows.slice(0, 10)) expect(parsed.predict(r.config)).toBe(model.predict(r.config));
  });

  it('reads files written before training.distinctTerms was recorded', () => {
    const json = JSON.parse(JSON.stringify(serializeModel(model)));
    delete json.training.distinctTerms;
    const parsed = parseModel(json);
    expect(parsed.training.distinctTerms).toBeUndefined();
    expect(JSON.parse(JSON.stringify(serializeModel(parsed)))).toEqual(json);
    expect(parsed.predict(rows[0]!.config)).toBe(model.predict(rows[0]!.config));
  });

  it('reads neuralpower.model/1 files (no interval) and writes them back unchanged', () => {
    const json = JSON.parse(JSON.stringify(serializeModel(model)));
    json.format = 'neuralpower.model/1';
    delete json.family;
    delete json.interval;
    const parsed = parseModel(json);
    expect(parsed.interval).toBeNull();
    expect(parsed.intervalOf(1)).toBeNull();
    expect(JSON.parse(JSON.stringify(serializeModel(parsed)))).toEqual(json);
    expect(parsed.predict(rows[0]!.config)).toBe(model.predict(rows[0]!.config));
  });

  it('rejects an unknown format version, an unknown term and a wrong kind, naming the field', () => {
    const json = JSON.parse(JSON.stringify(serializeModel(model)));
    const bad = (mutate: (m: Record<string, unknown>) => void, field: string, pattern: RegExp) => {
      const copy = structuredClone(json);
      mutate(copy);
      try {
        parseModel(copy);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ModelError);
        expect((e as ModelError).field).toBe(field);
        expect((e as Error).message).toMatch(pattern);
      }
    };
    bad(
      (m) => (m['format'] = 'neuralpower.model/4'),
      'format',
      /unsupported model format "neuralpower.model\/4"/,
    );
    bad((m) => delete m['interval'], 'interval', /must be an object/);
    bad(
      (m) => (m['interval'] = { level: 0.9, lowRatio: 2, highRatio: 1, n: 5 }),
      'interval',
      /lowRatio 2 exceeds highRatio 1/,
    );
    bad((m) => ((m['terms'] as string[])[5] = 'N*Tflops'), 'terms[5]', /unknown raw feature "Tflops"/);
    bad((m) => (m['kind'] = 'winograd'), 'kind', /unknown model kind "winograd"/);
    // A conv model's terms do not parse over fc raw features.
    bad((m) => (m['kind'] = 'fc'), 'terms[1]', /unknown raw feature "Hout"/);
    bad((m) => (m['unit'] = 'W'), 'unit', /runtime model is in ms/);
    bad((m) => (m['coefficients'] as number[]).pop(), 'coefficients', /161 entries for 162 terms/);
    bad((m) => (m['intercept'] = 'x'), 'intercept', /finite number/);
    bad((m) => (m['training'] = { ...(m['training'] as object), hash: 'md5:1' }), 'training.hash', /sha256/);
    expect(() => parseModel('nope')).toThrow(/model: must be an object/);
  });

  it('a parsed model refuses a layer of another kind', () => {
    const p = describeLayer({ spec: pool('max', 2), inputs: [[8, 8, 3]], batch: 1 });
    expect(() => model.predictLayer(p)).toThrow(/a conv model cannot predict a pool layer/);
  });
});

describe('training-set hash', () => {
  it('is SHA-256 (checked against node:crypto) of the canonical rows, independent of key order', () => {
    for (const s of ['', 'abc', 'a'.repeat(55), 'a'.repeat(64), 'héllo ✓'.repeat(100)]) {
      expect(sha256Hex(s)).toBe(createHash('sha256').update(s).digest('hex'));
    }
    const reordered = rows.map((r) => ({
      value: r.value,
      config: { batch: r.config.batch, inputs: r.config.inputs, spec: r.config.spec },
    }));
    expect(trainingSetHash(reordered)).toBe(model.training.hash);
    expect(trainingSetHash(rows.slice(1))).not.toBe(model.training.hash);
  });
});

describe('aliased candidate terms', () => {
  it('leaves constant and exactly aliased terms out of the fit, keeping the simplest of each group', () => {
    // Batch fixed at 8: N is constant and N·Hout is 8·Hout on these rows.
    const fixed = syntheticConvRows(40, 11).map((r) => ({ ...r, config: { ...r.config, batch: 8 } }));
    const m = fitLayerModel('conv', 'runtime', fixed, { folds: 4 });
    expect(m.training.distinctTerms).toBeLessThan(162);
    expect(m.report.candidateTerms).toBe(162);
    const coefficient = (name: string) => m.coefficients[m.terms.indexOf(name)];
    expect(coefficient('N')).toBe(0);
    expect(coefficient('N*Hout')).toBe(0);
    expect(coefficient('N*Cin*Hin#input-rows')).toBe(0);
    expect(m.training.features['N']).toEqual({ min: 8, max: 8 });
    expect(parseModel(JSON.parse(JSON.stringify(serializeModel(m)))).training.distinctTerms).toBe(
      m.training.distinctTerms,
    );
  });
});
