/**
 * Expected squared relative error a measurement at each candidate would remove from a held-out set
 * drawn like the plan: (committee variance + nearby out-of-bag error²) × how representative the
 * candidate is, plus the extrapolation variance (σ² × leverage on the kept terms), all × how common
 * such layers are in real networks. Variance alone (plain query by committee) chases rare, extreme
 * layers whose spread is large but which few held-out layers resemble; the out-of-bag term finds
 * where the model is wrong with confidence (its bias), which a committee's spread cannot see. The
 * extrapolation term is not scaled by density: the few layers the polynomial extrapolates badly are
 * rare in the plan, yet they are what dominates a held-out RMSPE.
 */
export function expectedErrorScores(parts: {
  readonly disagreement: readonly number[];
  readonly nearbyError: readonly number[];
  readonly density: readonly number[];
  readonly weights: readonly number[];
  /** σ²·h per candidate (`relativeLeverage` × the model's squared relative error); default none. */
  readonly extrapolation?: readonly number[];
}): number[] {
  const n = parts.disagreement.length;
  for (const [name, v] of Object.entries(parts)) {
    if (v !== undefined && v.length !== n) throw new RangeError(`${n} disagreements but ${v.length} ${name}`);
  }
  return parts.disagreement.map(
    (d, i) =>
      ((d * d + parts.nearbyError[i]! ** 2) * parts.density[i]! + (parts.extrapolation?.[i] ?? 0)) *
      parts.weights[i]!,
  );
}
