import { describe, expect, it } from 'vitest';
import {
  candidateTerms,
  compileTerms,
  conv,
  defaultTermSet,
  describeLayer,
  fc,
  kindFeatures,
  MODEL_KINDS,
  parseTerm,
  pool,
  rawFeatureRecord,
  TermError,
  termSet,
  UnknownModelKindError,
} from '../src/index.js';

describe('candidate term sets', () => {
  it('has the paper counts: conv 127/127, fc 21/65, pool 86/93', () => {
    expect(candidateTerms('conv', 'runtime')).toHaveLength(127);
    expect(candidateTerms('conv', 'power')).toHaveLength(127);
    expect(candidateTerms('fc', 'runtime')).toHaveLength(21);
    expect(candidateTerms('fc', 'power')).toHaveLength(65);
    expect(candidateTerms('pool', 'runtime')).toHaveLength(86);
    expect(candidateTerms('pool', 'power')).toHaveLength(93);
  });

  it('every kind has unique, canonical, parseable names for both targets', () => {
    for (const kind of MODEL_KINDS) {
      const def = kindFeatures(kind);
      for (const target of ['runtime', 'power'] as const) {
        const names = def.candidates[target];
        expect(names.length).toBeGreaterThan(0);
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) expect(parseTerm(name, def.rawFeatures).name).toBe(name);
      }
    }
  });

  it('follows the paper column order: linear, then i<=j, then i<=j<=k, then the special terms', () => {
    const runtime = candidateTerms('conv', 'runtime');
    expect(runtime.slice(0, 8)).toEqual(['N', 'Hout', 'Wout', 'kw', 'Cin', 'Cout', 'Hin', 'N^2']);
    expect(runtime[34]).toBe('Hin^2');
    expect(runtime[35]).toBe('N^3');
    expect(runtime[118]).toBe('Hin^3');
    expect(runtime[120]).toBe('N*Hout*Wout*kw*Cin*Cout*kh#macs');
    expect(runtime).toContain('N*Hout*Cin');
    expect(runtime).toContain('N^2*Cin');
    // The paper's N·H_in·C_in special term repeats a cubic monomial; the tag keeps both.
    expect(runtime).toContain('N*Cin*Hin');
    expect(runtime).toContain('N*Cin*Hin#input-rows');
    const power = candidateTerms('conv', 'power');
    expect(power).toContain('log2(Cout)');
    expect(power).toContain('Hout*log2(Cin)');
    expect(power).toContain('log2(N)^2');
    expect(power).not.toContain('N^3');
  });
});

describe('term evaluation', () => {
  // 10 images of 32x32x16, 3x3 stride 1 SAME conv to 12 channels: the first row of res_conv.txt's layout.
  const layer = describeLayer({ spec: conv(12, 3), inputs: [[32, 32, 16]], batch: 10 });

  it('extracts the raw features of a layer', () => {
    expect(rawFeatureRecord('conv', layer)).toEqual({
      N: 10,
      Hout: 32,
      Wout: 32,
      kw: 3,
      Cin: 16,
      Cout: 12,
      Hin: 32,
      kh: 3,
      Win: 32,
      sh: 1,
      sw: 1,
    });
  });

  it('evaluates hand-computed terms', () => {
    const names = [
      'N*Hout*Cin',
      'N^2*Cin',
      'log2(Cout)',
      'Hout*log2(Cin)',
      'N*Hout*Wout*kw*Cin*Cout*kh#macs',
      'kw*Cin*Cout*kh#filter',
    ];
    const terms = compileTerms('conv', names);
    expect(terms.row(terms.raw(layer))).toEqual([
      10 * 32 * 16,
      100 * 16,
      Math.log2(12),
      32 * 4,
      10 * layer.macsPerExample,
      3 * 3 * 16 * 12,
    ]);
    const f = describeLayer({ spec: fc(100), inputs: [[4, 4, 8]], batch: 2 });
    const fcTerms = compileTerms('fc', ['N*units*Hin*Win*Cin#macs', 'log2(N)*log2(units)', 'units^2']);
    expect(fcTerms.row(fcTerms.raw(f))).toEqual([2 * f.macsPerExample, Math.log2(100), 10_000]);
    const p = describeLayer({ spec: pool('max', 3, 1), inputs: [[8, 8, 448]], batch: 10 });
    const poolTerms = compileTerms('pool', ['N*Hout*Wout*C*kh*kw#ops', 'N*C*Hin*Win#input', 'C*kh*Hin']);
    expect(poolTerms.row(poolTerms.raw(p))).toEqual([10 * 6 * 6 * 448 * 9, 10 * 448 * 64, 448 * 3 * 8]);
  });

  it('rejects unknown, non-canonical and duplicated term names clearly', () => {
    const bad = (kind: string, names: string[], pattern: RegExp) => {
      try {
        compileTerms(kind, names);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TermError);
        expect((e as Error).message).toMatch(pattern);
      }
    };
    bad('conv', ['N*Foo'], /unknown raw feature "Foo"/);
    bad('conv', ['Cin*N'], /write it as "N\*Cin"/);
    bad('conv', ['N*N'], /write it as "N\^2"/);
    bad('conv', ['exp(N)'], /cannot read factor/);
    bad('conv', ['N', 'N'], /listed twice/);
    bad('fc', ['N#Macs'], /tag/);
    bad('fc', ['pad1(N)'], /multiple must be at least 2/);
    bad('fc', ['pad8(N)*units'], /write it as "units\*pad8\(N\)"/);
    bad('fc', ['pad32(N)*pad8(N)'], /write it as "pad8\(N\)\*pad32\(N\)"/);
    expect(() => compileTerms('winograd', ['N'])).toThrow(UnknownModelKindError);
  });

  it('padM(x) rounds x up to a multiple of M; repeats become powers', () => {
    const f = describeLayer({ spec: fc(130), inputs: [[1, 1, 64]], batch: 3 });
    const terms = compileTerms('fc', ['units*pad8(N)', 'pad32(units)^2', 'N*log2(Cin)*pad8(units)']);
    expect(terms.row(terms.raw(f))).toEqual([130 * 8, 160 * 160, 3 * 6 * 136]);
    expect(parseTerm('pad32(units)^2', kindFeatures('fc').rawFeatures).factors).toEqual([
      { variable: 1, log: false, multiple: 32, power: 2 },
    ]);
  });

  it('fails on a term that is not finite rather than returning it', () => {
    const terms = compileTerms('dropout', ['log2(N)', 'rate']);
    expect(() => terms.row([0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0.5])).toThrow(/log2\(N\)": is not finite/);
  });
});

describe('named term sets', () => {
  it('extended adds work × log2(size) terms to conv and fc runtime, and every name is canonical', () => {
    expect(termSet('conv', 'runtime', 'paper')).toEqual(candidateTerms('conv', 'runtime'));
    expect(termSet('conv', 'runtime', 'extended')).toHaveLength(127 + 35);
    expect(termSet('fc', 'runtime', 'extended')).toHaveLength(21 + 27);
    expect(termSet('pool', 'runtime', 'extended')).toEqual(candidateTerms('pool', 'runtime'));
    expect(termSet('conv', 'power', 'extended')).toEqual(candidateTerms('conv', 'power'));
    for (const kind of ['conv', 'fc'] as const) {
      expect(() => compileTerms(kind, termSet(kind, 'runtime', 'extended'))).not.toThrow();
    }
    expect(termSet('conv', 'runtime', 'extended')).toContain('N*Hout*Wout*kw*Cin*Cout*kh*log2(Cin)');
  });

  it('padded adds the work and sizes on dimensions rounded up to 8, 32 and 128 to extended', () => {
    expect(termSet('conv', 'runtime', 'padded')).toEqual([
      ...termSet('conv', 'runtime', 'extended'),
      ...termSet('conv', 'runtime', 'padded').slice(162),
    ]);
    expect(termSet('conv', 'runtime', 'padded')).toHaveLength(162 + 15);
    expect(termSet('fc', 'runtime', 'padded')).toHaveLength(48 + 27);
    expect(termSet('conv', 'power', 'padded')).toEqual(candidateTerms('conv', 'power'));
    for (const kind of ['conv', 'fc'] as const) {
      expect(() => compileTerms(kind, termSet(kind, 'runtime', 'padded'))).not.toThrow();
    }
    expect(termSet('fc', 'runtime', 'padded')).toContain('Hin*Win*Cin*pad32(N)*pad32(units)');
  });

  it('defaults to padded for fc and extended for every other kind', () => {
    expect(defaultTermSet('fc')).toBe('padded');
    expect(defaultTermSet('conv')).toBe('extended');
    expect(defaultTermSet('pool')).toBe('extended');
  });
});
