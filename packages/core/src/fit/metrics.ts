/** Accuracy of predictions against positive targets: RMSPE, RMSE, MAPE and share within ±10 %. */
export interface ErrorMetrics {
  rmspe: number;
  rmse: number;
  mape: number;
  within10Pct: number;
}

export function errorMetrics(predicted: ArrayLike<number>, actual: ArrayLike<number>): ErrorMetrics {
  const n = actual.length;
  let sq = 0;
  let sqRel = 0;
  let absRel = 0;
  let within = 0;
  for (let i = 0; i < n; i++) {
    const y = actual[i]!;
    const e = predicted[i]! - y;
    const rel = e / y;
    sq += e * e;
    sqRel += rel * rel;
    absRel += Math.abs(rel);
    // Tiny slack so a prediction exactly 10 % off is not lost to rounding.
    if (Math.abs(rel) <= 0.1 + 1e-12) within++;
  }
  return {
    rmspe: Math.sqrt(sqRel / n),
    rmse: Math.sqrt(sq / n),
    mape: absRel / n,
    within10Pct: within / n,
  };
}
