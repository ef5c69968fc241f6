/**
 * Indices of the design-matrix columns worth offering the fitter: not constant, and not an exact
 * affine copy of an earlier kept column on these rows. Real measurement sets alias many candidate
 * terms (with N fixed, N·Hout is 10·Hout; the paper's N·Hin·Cin special term repeats a cubic
 * monomial). The Lasso solution is not unique among such copies, and coordinate descent crawls on
 * them, so the first of each group (the simplest term, in candidate order) stands for the group and
 * the rest get coefficient 0. The fitted values are unchanged.
 */
export function distinctColumns(X: readonly (readonly number[])[], p: number): number[] {
  const n = X.length;
  const standardised: Float64Array[] = [];
  const kept: number[] = [];
  for (let j = 0; j < p; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[i]![j]!;
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (X[i]![j]! - mean) ** 2;
    const sd = Math.sqrt(ss / n);
    if (!(sd > 1e-12 * Math.abs(mean)) || sd === 0) continue;
    const z = new Float64Array(n);
    for (let i = 0; i < n; i++) z[i] = (X[i]![j]! - mean) / sd;
    let duplicate = false;
    for (const other of standardised) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += z[i]! * other[i]!;
      // |correlation| = 1 up to rounding: one column is an affine function of the other.
      if (Math.abs(dot / n) > 1 - 1e-9) {
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    standardised.push(z);
    kept.push(j);
  }
  return kept;
}
