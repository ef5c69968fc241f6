import { describe, expect, it } from 'vitest';
import { FitError, fitLassoCv, type LassoCvOptions } from '../src/index.js';

function clean(n = 30, p = 3): { X: number[][]; y: number[] } {
  const X = Array.from({ length: n }, (_, i) =>
    Array.from({ length: p }, (_, j) => ((i * 7 + j * 3) % 11) + j),
  );
  const y = X.map((r) => 1 + r[0]! + 2 * r[1]!);
  return { X, y };
}

function fieldOf(X: unknown, y: unknown, options?: LassoCvOptions): string {
  try {
    fitLassoCv(X as number[][], y as number[], options);
  } catch (e) {
    expect(e).toBeInstanceOf(FitError);
    return (e as FitError).field;
  }
  throw new Error('expected a FitError');
}

describe('fitLassoCv rejects bad input naming the field', () => {
  it('NaN and ±∞ in X or y', () => {
    const { X, y } = clean();
    X[3]![2] = Number.NaN;
    expect(fieldOf(X, y)).toBe('X[3][2]');
    const b = clean();
    b.X[5]![0] = Number.POSITIVE_INFINITY;
    expect(fieldOf(b.X, b.y)).toBe('X[5][0]');
    const c = clean();
    c.y[17] = Number.NaN;
    expect(fieldOf(c.X, c.y)).toBe('y[17]');
    const d = clean();
    d.y[2] = Number.NEGATIVE_INFINITY;
    expect(fieldOf(d.X, d.y)).toBe('y[2]');
  });

  it('non-positive targets', () => {
    const { X, y } = clean();
    y[4] = 0;
    expect(fieldOf(X, y)).toBe('y[4]');
    y[4] = -1;
    expect(() => fitLassoCv(X, y)).toThrow(/y\[4\].*positive/);
    y[4] = 1e-200; // 1/y² overflows: no usable relative weight
    expect(fieldOf(X, y)).toBe('y[4]');
  });

  it('ragged rows, missing columns, row count mismatch', () => {
    const { X, y } = clean();
    X[9] = [1, 2];
    expect(fieldOf(X, y)).toBe('X[9]');
    expect(fieldOf(clean().X, clean().y.slice(1))).toBe('rows');
    expect(
      fieldOf(
        Array.from({ length: 30 }, () => []),
        clean().y,
      ),
    ).toBe('X[0]');
  });

  it('fewer than 2·K rows and K < 2', () => {
    const { X, y } = clean(19);
    expect(fieldOf(X, y)).toBe('rows');
    expect(() => fitLassoCv(X, y)).toThrow(/at least 20 rows/);
    expect(fitLassoCv(X, y, { folds: 5 }).report.folds).toBe(5);
    expect(fieldOf(X, y, { folds: 1 })).toBe('folds');
    expect(fieldOf(X, y, { folds: 2.5 })).toBe('folds');
  });

  it('bad options', () => {
    const { X, y } = clean();
    expect(fieldOf(X, y, { nLambdas: 0 })).toBe('nLambdas');
    expect(fieldOf(X, y, { lambdaMinRatio: 1 })).toBe('lambdaMinRatio');
    expect(fieldOf(X, y, { objective: 'cubic' as 'auto' })).toBe('objective');
    expect(fieldOf(X, y, { selection: 'max' as 'min' })).toBe('selection');
    expect(fieldOf(X, y, { seed: 0.5 })).toBe('seed');
    expect(fieldOf(X, y, { tol: 0 })).toBe('tol');
    expect(fieldOf(X, y, { maxIter: 0 })).toBe('maxIter');
  });

  it('accepts constant columns and a constant target', () => {
    const { X, y } = clean();
    for (const r of X) r.push(5);
    const fit = fitLassoCv(X, y, { objective: 'squared' });
    expect(fit.coefficients[3]).toBe(0);
    const flat = fitLassoCv(
      X,
      X.map(() => 2),
    );
    expect(flat.coefficients.every((c) => c === 0)).toBe(true);
    expect(flat.intercept).toBeCloseTo(2, 12);
  });
});
