import { describe, expect, it } from 'vitest';
import {
  buildNetwork,
  conv,
  createModelSet,
  fitLayerModel,
  fitNetworkCorrection,
  mulberry32,
  type NetworkObservation,
  networkFeatures,
  parseNetworkCorrection,
  predictNetwork,
  serializeNetworkCorrection,
} from '../src/index.js';
import { syntheticConvRows } from './helpers/synthetic.js';

/** Networks whose end-to-end time is the layers' sum plus a dispatch cost per layer, with noise. */
function overheadNetworks(n: number, seed: number, noise: number, perLayerMs = 0.08): NetworkObservation[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const layers = 10 + Math.floor(r() * 190);
    const sumMs = 5 + r() * 200;
    const truth = sumMs + perLayerMs * layers;
    return {
      name: `net${i}`,
      sumMs,
      layers,
      activationMb: r() * 50,
      measuredMs: truth * (1 + noise * (2 * r() - 1)),
    };
  });
}

describe('fitNetworkCorrection', () => {
  it('learns a per-layer overhead and beats the plain sum out of sample', () => {
    const train = overheadNetworks(12, 1, 0.01);
    const c = fitNetworkCorrection(train);
    expect(c.form).not.toBe('identity');
    expect(c.networks).toBe(12);
    expect(c.cvRmspe[c.form]!).toBeLessThan(c.cvRmspe.identity!);
    // Fresh networks from the same process: within 3 % (noise ±1 %), where the sum misses up to 70 %.
    for (const o of overheadNetworks(20, 2, 0.01)) {
      const corrected = c.correct(o).runtimeMs!;
      expect(Math.abs(corrected - o.measuredMs) / o.measuredMs).toBeLessThan(0.03);
    }
  });

  it('keeps the plain sum when nothing beats it', () => {
    const r = mulberry32(5);
    // No structure: measured = sum ± 10 % at random.
    const obs = Array.from({ length: 8 }, (_, i) => {
      const sumMs = 10 + r() * 100;
      return {
        name: `n${i}`,
        sumMs,
        layers: 20,
        activationMb: 1,
        measuredMs: sumMs * (1 + 0.1 * (2 * r() - 1)),
      };
    });
    const c = fitNetworkCorrection(obs);
    expect(c.cvRmspe[c.form]!).toBeLessThanOrEqual(c.cvRmspe.identity!);
    const two = fitNetworkCorrection(obs.slice(0, 2));
    expect(two.form).toBe('identity');
    expect(two.correct(obs[0]!).runtimeMs).toBe(obs[0]!.sumMs);
  });

  it('never predicts a network from its own records (leave one network out)', () => {
    // Four networks, the scale form: with the others' records a network gets b = Σ(s/y) / Σ(s/y)².
    const obs: NetworkObservation[] = [
      { name: 'a', sumMs: 10, layers: 5, activationMb: 1, measuredMs: 11 },
      { name: 'a', sumMs: 10, layers: 5, activationMb: 1, measuredMs: 13 },
      { name: 'b', sumMs: 20, layers: 7, activationMb: 2, measuredMs: 22 },
      { name: 'c', sumMs: 40, layers: 9, activationMb: 3, measuredMs: 48 },
      { name: 'd', sumMs: 30, layers: 8, activationMb: 3, measuredMs: 31 },
    ];
    const c = fitNetworkCorrection(obs, { forms: ['scale'] });
    const scaleWithout = (name: string) => {
      const rest = obs.filter((o) => o.name !== name);
      const q = rest.map((o) => o.sumMs / o.measuredMs);
      return q.reduce((x, y) => x + y, 0) / q.reduce((x, y) => x + y * y, 0);
    };
    const errors = obs.map((o) => (scaleWithout(o.name) * o.sumMs - o.measuredMs) / o.measuredMs);
    const expected = Math.sqrt(errors.reduce((x, e) => x + e * e, 0) / errors.length);
    expect(c.cvRmspe.scale).toBeCloseTo(expected, 12);
    expect(c.networks).toBe(4);
    expect(c.records).toBe(5);
    // Three networks are too few for a coefficient (four per coefficient): the plain sum only.
    const three = fitNetworkCorrection(
      obs.filter((o) => o.name !== 'd'),
      { forms: ['scale'] },
    );
    expect(three.cvRmspe.scale).toBeUndefined();
    expect(three.form).toBe('identity');
  });

  it('names bad input', () => {
    expect(() => fitNetworkCorrection([])).toThrow(/observations: needs at least one network/);
    expect(() =>
      fitNetworkCorrection([{ name: 'x', sumMs: 1, layers: 3, activationMb: 0, measuredMs: Number.NaN }]),
    ).toThrow(/observations\[0\]\.measuredMs/);
  });
});

describe('network correction file', () => {
  const c = fitNetworkCorrection(overheadNetworks(10, 3, 0.02));

  it('round-trips through JSON unchanged', () => {
    const text = JSON.stringify(serializeNetworkCorrection(c));
    const back = parseNetworkCorrection(JSON.parse(text));
    expect(JSON.stringify(serializeNetworkCorrection(back))).toBe(text);
    const o = overheadNetworks(1, 9, 0)[0]!;
    expect(back.correct(o)).toEqual(c.correct(o));
  });

  it('refuses bad files naming the field', () => {
    const json = serializeNetworkCorrection(c);
    expect(() => parseNetworkCorrection({ ...json, format: 'neuralpower.network-correction/9' })).toThrow(
      /^format: unsupported network correction format/,
    );
    expect(() => parseNetworkCorrection({ ...json, form: 'magic' })).toThrow(
      /^form: must be one of identity/,
    );
    expect(() =>
      parseNetworkCorrection({ ...json, coefficients: { ...json.coefficients, bogus: 1 } }),
    ).toThrow(/^coefficients\.bogus: is not a term/);
    expect(() => parseNetworkCorrection({ ...json, networks: 0 })).toThrow(
      /^networks: must be a finite number ≥ 1/,
    );
  });
});

describe('predictNetwork with a correction', () => {
  const model = fitLayerModel('conv', 'runtime', syntheticConvRows(200, 4, 0.05), { folds: 5 });
  const network = buildNetwork({
    name: 'three-conv',
    batch: 2,
    input: [32, 32, 3],
    nodes: [
      { name: 'c1', spec: conv(16, 3), parents: [] },
      { name: 'c2', spec: conv(32, 3), parents: ['c1'] },
      { name: 'c3', spec: conv(32, 3), parents: ['c2'] },
    ],
  });
  const plain = predictNetwork(network, createModelSet([model]));
  // Networks like this one, each 1 ms per layer slower than its sum.
  const obs = [0.5, 0.8, 1, 1.3, 1.7, 2.2].map((f, i) => {
    const features = networkFeatures(network, plain.totals.runtimeMs * f);
    const layers = features.layers + i;
    return { name: `n${i}`, ...features, layers, measuredMs: features.sumMs + layers * 1 };
  });
  const correction = fitNetworkCorrection(obs);

  it('reports the uncorrected sum, the corrected total and the networks it learned from', () => {
    const p = predictNetwork(network, createModelSet([model], correction));
    expect(p.totals.uncorrectedRuntimeMs).toBe(plain.totals.runtimeMs);
    expect(p.totals.runtimeMs).toBeCloseTo(plain.totals.runtimeMs + 3, 6);
    expect(p.totals.correction).toMatchObject({
      form: correction.form,
      networks: 6,
      applied: true,
      uncorrectedRuntimeMs: plain.totals.runtimeMs,
    });
    expect(p.totals.correction!.cvRmspe).toBeLessThan(p.totals.correction!.identityCvRmspe);
    // The interval comes from the correction's residuals (exact data: a point interval).
    expect(p.totals.correction!.calibratesInterval).toBe(true);
    expect(p.totals.runtimeRangeMs!.low).toBeCloseTo(p.totals.runtimeMs, 6);
    // Layer rows and their shares are the layers' own.
    expect(p.layers.map((l) => l.runtimeMs)).toEqual(plain.layers.map((l) => l.runtimeMs));
  });

  it("keeps the layers' interval when learned from one network (no left-out error)", () => {
    const one = fitNetworkCorrection(obs.slice(0, 1));
    expect(one.interval).toBeNull();
    const p = predictNetwork(network, createModelSet([model], one));
    expect(p.totals.correction).toMatchObject({ form: 'identity', networks: 1, calibratesInterval: false });
    expect(p.totals.runtimeRangeMs).toEqual(plain.totals.runtimeRangeMs);
    expect(p.totals.runtimeMs).toBe(plain.totals.runtimeMs);
  });

  it('is off with correction: null, and absent from plain model sets', () => {
    expect(plain.totals.correction).toBeNull();
    expect(plain.totals.uncorrectedRuntimeMs).toBe(plain.totals.runtimeMs);
    const off = predictNetwork(network, createModelSet([model], correction), { correction: null });
    expect(off.totals).toEqual(plain.totals);
  });
});
