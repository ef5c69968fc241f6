/** λ path: nLambdas values log-spaced from λmax down to λmax·ratio (λmax first, as warm starts want). */
export function lambdaGrid(lambdaMax: number, nLambdas: number, ratio: number): Float64Array {
  // All-zero covariance (constant y or no usable column): any positive λ gives the null model.
  const top = lambdaMax > 0 ? lambdaMax : 1;
  const grid = new Float64Array(nLambdas);
  if (nLambdas === 1) {
    grid[0] = top;
    return grid;
  }
  const logTop = Math.log(top);
  const step = Math.log(ratio) / (nLambdas - 1);
  for (let k = 0; k < nLambdas; k++) grid[k] = Math.exp(logTop + k * step);
  grid[0] = top;
  return grid;
}

/** Index of the chosen λ: the minimum mean CV error, or (1-SE) the largest λ within one SE of it. */
export function chooseLambda(cvMean: Float64Array, cvSe: Float64Array, selection: 'min' | '1se'): number {
  let best = 0;
  for (let k = 1; k < cvMean.length; k++) if (cvMean[k]! < cvMean[best]!) best = k;
  if (selection === 'min') return best;
  const limit = cvMean[best]! + cvSe[best]!;
  for (let k = 0; k < best; k++) if (cvMean[k]! <= limit) return k;
  return best;
}
