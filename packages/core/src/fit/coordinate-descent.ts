import type { LassoProblem } from './problem.js';

/**
 * Warm-startable coordinate-descent state for one LassoProblem: coefficients b, the gradient
 * r = c − G·b kept current for every column (so the KKT check of inactive columns is O(p)), and the
 * ever-active set that the inner sweeps visit.
 */
export class CdState {
  readonly b: Float64Array;
  readonly r: Float64Array;
  readonly active: Uint8Array;
  readonly activeList: Int32Array;
  nActive = 0;
  /** Total sweeps over all λ so far (for diagnostics and benchmarks). */
  sweeps = 0;
  /** λ values at which maxIter was hit before convergence. */
  unconverged = 0;

  constructor(readonly problem: LassoProblem) {
    const p = problem.p;
    this.b = new Float64Array(p);
    this.r = Float64Array.from(problem.c);
    this.active = new Uint8Array(p);
    this.activeList = new Int32Array(p);
  }

  /** Largest |c_j|: the smallest λ at which all coefficients are zero. */
  lambdaMax(): number {
    const { c, usable, p } = this.problem;
    let max = 0;
    for (let j = 0; j < p; j++) if (usable[j] && Math.abs(c[j]!) > max) max = Math.abs(c[j]!);
    return max;
  }

  /**
   * Solves at λ from the current (warm) state. Sweeps the active set until no update changes the loss by
   * more than tolAbs, then adds every column violating the KKT condition |r_j| ≤ λ and repeats; stops
   * when a converged active set has no violators (the full check) or after maxIter sweeps.
   */
  solve(lambda: number, tolAbs: number, maxIter: number): void {
    const { G, usable, p } = this.problem;
    const { b, r, active, activeList } = this;
    let sweeps = 0;
    let first = true;
    for (;;) {
      let added = 0;
      for (let j = 0; j < p; j++) {
        if (!active[j] && usable[j] && Math.abs(r[j]!) > lambda) {
          active[j] = 1;
          activeList[this.nActive++] = j;
          added++;
        }
      }
      if (added === 0 && !first) break;
      first = false;
      let maxChange = Number.POSITIVE_INFINITY;
      while (maxChange > tolAbs && sweeps < maxIter) {
        maxChange = 0;
        const nA = this.nActive;
        for (let t = 0; t < nA; t++) {
          const j = activeList[t]!;
          const row = j * p;
          const gjj = G[row + j]!;
          const bj = b[j]!;
          const u = r[j]! + gjj * bj;
          const nb = u > lambda ? (u - lambda) / gjj : u < -lambda ? (u + lambda) / gjj : 0;
          if (nb !== bj) {
            const d = nb - bj;
            b[j] = nb;
            for (let k = 0; k < p; k++) r[k] = r[k]! - G[row + k]! * d;
            const change = gjj * d * d;
            if (change > maxChange) maxChange = change;
          }
        }
        sweeps++;
      }
      if (sweeps >= maxIter) {
        this.unconverged++;
        break;
      }
    }
    this.sweeps += sweeps;
  }
}
