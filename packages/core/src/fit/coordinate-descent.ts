import type { LassoProblem } from './problem.js';

/**
 * Coordinate descent on strongly correlated columns (polynomial terms are) meets its per-coordinate
 * tolerance well before the optimum. So once CD has converged on a support, one Newton step solves that
 * support's smooth problem exactly (signs fixed) and a last sweep confirms it: exact solutions at about
 * the cost of a few sweeps. More Newton steps per λ cost more flops than the sweeps they save.
 */
const MAX_NEWTON_PER_LAMBDA = 1;
/**
 * Relative ridge on the Newton system's diagonal: exactly duplicated or nearly dependent columns (the
 * conv term set has both) make G_NN singular; the ridge splits their weight evenly, which is optimal for
 * the Lasso too, at a bias far below the convergence tolerance.
 */
const RIDGE = 1e-10;
/** A Cholesky pivot below this fraction of its diagonal: that column keeps its value (moves to the rhs). */
const MIN_PIVOT = 1e-12;

/**
 * Warm-startable coordinate descent for one LassoProblem (covariance form, as glmnet's "covariance
 * updates"). The inner sweeps visit only the ever-active set and keep its gradient r = c − G·b current
 * through a compact copy of G restricted to that set, so one coordinate update costs O(|A|), not O(p);
 * the gradient of the other columns is recomputed only for the KKT check, O(p·nnz) per check.
 */
export class CdState {
  readonly b: Float64Array;
  /** Active columns, in the order they entered. */
  readonly activeList: Int32Array;
  nActive = 0;
  /** Total sweeps over all λ so far (for diagnostics and benchmarks). */
  sweeps = 0;
  /** λ values at which maxIter was hit before convergence. */
  unconverged = 0;

  private readonly isActive: Uint8Array;
  /** Compact G over the active set: gA[t·p + s] = G[A_t, A_s] (row stride p so the set can grow). */
  private readonly gA: Float64Array;
  /** Gradient of the active columns, rA[t] = c[A_t] − (G·b)[A_t]. */
  private readonly rA: Float64Array;
  private readonly nz: Int32Array;
  /** Newton scratch: Cholesky factor, solution, solved and frozen active positions. */
  private readonly chol: Float64Array;
  private readonly x: Float64Array;
  private readonly idx: Int32Array;
  private readonly frozen: Int32Array;

  constructor(readonly problem: LassoProblem) {
    const p = problem.p;
    this.b = new Float64Array(p);
    this.activeList = new Int32Array(p);
    this.isActive = new Uint8Array(p);
    this.gA = new Float64Array(p * p);
    this.rA = new Float64Array(p);
    this.nz = new Int32Array(p);
    this.chol = new Float64Array(p * p);
    this.x = new Float64Array(p);
    this.idx = new Int32Array(p);
    this.frozen = new Int32Array(p);
  }

  /**
   * On the non-zero active columns N with signs s, the Lasso objective is the quadratic
   * ½bᵀG_NN b − (c_N − λs)ᵀb; its minimiser x solves G_NN x = c_N − λs (Cholesky). Columns that are
   * numerically dependent on earlier ones (duplicates, tiny pivots) keep their current value and move to
   * the right-hand side. If x keeps the signs it is the exact solution on that support; otherwise step
   * from b towards x up to the first sign change and zero that coordinate. Either way the objective does
   * not increase (up to the tiny ridge), and the sweeps that follow check the result. Returns 'failed'
   * when nothing could be solved (CD carries on alone).
   */
  private newtonStep(lambda: number): 'exact' | 'partial' | 'failed' {
    const p = this.problem.p;
    const c = this.problem.c;
    const { b, activeList, gA, rA, chol: L, x, idx, frozen } = this;
    const nA = this.nActive;
    let m = 0;
    let nFrozen = 0;
    // Cholesky G_NN = L·Lᵀ row by row (L row-major, stride p), skipping dependent columns.
    for (let t = 0; t < nA; t++) {
      if (b[activeList[t]!] === 0) continue;
      const rt = t * p;
      const li = m * p;
      let ok = true;
      for (let k = 0; k <= m; k++) {
        let sum = k === m ? gA[rt + t]! * (1 + RIDGE) : gA[rt + idx[k]!]!;
        const lk = k * p;
        for (let l = 0; l < k; l++) sum -= L[li + l]! * L[lk + l]!;
        if (k === m) {
          if (sum > MIN_PIVOT * gA[rt + t]!) L[li + m] = Math.sqrt(sum);
          else ok = false;
        } else {
          L[li + k] = sum / L[lk + k]!;
        }
      }
      if (ok) idx[m++] = t;
      else frozen[nFrozen++] = t;
    }
    if (m === 0) return 'failed';
    // Forward then back substitution; frozen columns contribute through the right-hand side.
    for (let i = 0; i < m; i++) {
      const t = idx[i]!;
      const j = activeList[t]!;
      let sum = c[j]! - (b[j]! > 0 ? lambda : -lambda);
      for (let f = 0; f < nFrozen; f++) {
        const tf = frozen[f]!;
        sum -= gA[t * p + tf]! * b[activeList[tf]!]!;
      }
      for (let l = 0; l < i; l++) sum -= L[i * p + l]! * x[l]!;
      x[i] = sum / L[i * p + i]!;
    }
    for (let i = m - 1; i >= 0; i--) {
      let sum = x[i]!;
      for (let l = i + 1; l < m; l++) sum -= L[l * p + i]! * x[l]!;
      x[i] = sum / L[i * p + i]!;
    }
    // Largest step α ≤ 1 that keeps every sign.
    let alpha = 1;
    let blocking = -1;
    for (let i = 0; i < m; i++) {
      const bi = b[activeList[idx[i]!]!]!;
      const xi = x[i]!;
      if (bi > 0 ? xi <= 0 : xi >= 0) {
        const a = bi / (bi - xi);
        if (a < alpha) {
          alpha = a;
          blocking = i;
        }
      }
    }
    for (let i = 0; i < m; i++) {
      const j = activeList[idx[i]!]!;
      b[j] = i === blocking ? 0 : alpha === 1 ? x[i]! : b[j]! + alpha * (x[i]! - b[j]!);
    }
    // Fresh gradient of the active set from the new coefficients.
    for (let t = 0; t < nA; t++) {
      const row = t * p;
      let r = c[activeList[t]!]!;
      for (let k = 0; k < nA; k++) {
        const bk = b[activeList[k]!]!;
        if (bk !== 0) r -= gA[row + k]! * bk;
      }
      rA[t] = r;
    }
    return blocking < 0 ? 'exact' : 'partial';
  }

  /** Largest |c_j|: the smallest λ at which all coefficients are zero. */
  lambdaMax(): number {
    const { c, usable, p } = this.problem;
    let max = 0;
    for (let j = 0; j < p; j++) if (usable[j] && Math.abs(c[j]!) > max) max = Math.abs(c[j]!);
    return max;
  }

  /**
   * Solves at λ from the current (warm) state: adds every column violating the KKT condition
   * |r_j| ≤ λ, then sweeps the active set until a sweep keeps the support and changes the loss by no
   * more than tolAbs per coordinate; then a Newton polish on that support and a confirming sweep.
   * Repeats until a converged active set has no KKT violators, or maxIter sweeps.
   */
  solve(lambda: number, tolAbs: number, maxIter: number): void {
    let sweeps = 0;
    let newtonTries = 0;
    let first = true;
    for (;;) {
      const added = this.addViolators(lambda);
      if (added === 0 && !first) break;
      first = false;
      if (this.nActive === 0) break;
      let polished = false;
      while (sweeps < maxIter) {
        const supportChanged = this.sweep(lambda);
        sweeps++;
        if (supportChanged) {
          polished = false;
          continue;
        }
        if (this.maxChange > tolAbs) continue;
        if (polished || newtonTries >= MAX_NEWTON_PER_LAMBDA) break;
        newtonTries++;
        const step = this.newtonStep(lambda);
        polished = step === 'exact';
      }
      if (sweeps >= maxIter) {
        this.unconverged++;
        break;
      }
    }
    this.sweeps += sweeps;
  }

  /** Largest loss change G_jj·Δb_j² of the last sweep. */
  private maxChange = 0;

  /** One cyclic pass over the active set; returns whether any coefficient became or left zero. */
  private sweep(lambda: number): boolean {
    const p = this.problem.p;
    const { b, activeList, gA, rA } = this;
    const nA = this.nActive;
    let maxChange = 0;
    let supportChanged = false;
    for (let t = 0; t < nA; t++) {
      const j = activeList[t]!;
      const row = t * p;
      const gjj = gA[row + t]!;
      const bj = b[j]!;
      const u = rA[t]! + gjj * bj;
      const nb = u > lambda ? (u - lambda) / gjj : u < -lambda ? (u + lambda) / gjj : 0;
      if (nb !== bj) {
        const d = nb - bj;
        if (nb === 0 || bj === 0) supportChanged = true;
        b[j] = nb;
        for (let s = 0; s < nA; s++) rA[s] = rA[s]! - gA[row + s]! * d;
        const change = gjj * d * d;
        if (change > maxChange) maxChange = change;
      }
    }
    this.maxChange = maxChange;
    return supportChanged;
  }

  /** Gradient of every inactive usable column; each one with |r_j| > λ joins the active set. */
  private addViolators(lambda: number): number {
    const { G, c, usable, p } = this.problem;
    const { b, isActive, activeList, gA, rA, nz } = this;
    let nnz = 0;
    for (let j = 0; j < p; j++) if (b[j] !== 0) nz[nnz++] = j;
    let added = 0;
    for (let j = 0; j < p; j++) {
      if (isActive[j] || !usable[j]) continue;
      const row = j * p;
      let r = c[j]!;
      for (let s = 0; s < nnz; s++) {
        const k = nz[s]!;
        r -= G[row + k]! * b[k]!;
      }
      if (Math.abs(r) <= lambda) continue;
      const t = this.nActive++;
      isActive[j] = 1;
      activeList[t] = j;
      rA[t] = r;
      for (let s = 0; s <= t; s++) {
        const g = G[row + activeList[s]!]!;
        gA[t * p + s] = g;
        gA[s * p + t] = g;
      }
      added++;
    }
    return added;
  }
}
