/**
 * Solver cross-check against scikit-learn (needs Debian's python3-sklearn):
 *   npx tsx scripts/sklearn/crosscheck.ts
 * For each data set and objective: our fitLassoCv, then sklearn LassoCV on the same standardised matrix
 * (weighted standardisation and sample_weight = 1/y² for `relative`) with the same folds, and sklearn
 * Lasso at OUR chosen λ on all rows. Prints both chosen λ, and at our λ the Lasso objective of both
 * solutions and their largest coefficient difference (standardised scale). Equal objectives (to ~1e-9)
 * mean both solvers found the optimum; coefficients may still differ where columns are collinear.
 */
import { fitLassoCv, type Objective } from '../../packages/core/src/fit/index.js';
import { assignFolds, mulberry32 } from '../../packages/core/src/fit/prng.js';
import { convDataset } from '../bench/fit/conv-data.js';
import { runSklearn, sklearnVersion, standardiseColumns } from '../bench/fit/sklearn.js';

interface Data {
  name: string;
  X: number[][];
  y: number[];
}

function additive(n: number): Data {
  const rand = mulberry32(3);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [1 + 9 * rand(), 1 + 9 * rand(), 1 + 9 * rand()];
    X.push([a, b, c, a * a, a * b, a * c, b * b, b * c, c * c, rand()]);
    y.push(50 + 4 * a + 2 * a * b + 0.5 * c * c + (rand() - 0.5) * 2);
  }
  return { name: `additive degree-2 (${n}×10)`, X, y };
}

/** ½ Σ w̃ (y − a − Zb)² + λ‖b‖₁ with Σw̃ = 1 and the optimal intercept a. */
function lassoObjective(
  Z: Float64Array,
  p: number,
  y: readonly number[],
  w: readonly number[],
  b: readonly number[],
  lambda: number,
): number {
  const n = y.length;
  const wSum = w.reduce((s, v) => s + v, 0);
  const fitted = new Float64Array(n);
  let a = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += Z[i * p + j]! * b[j]!;
    fitted[i] = s;
    a += (w[i]! * (y[i]! - s)) / wSum;
  }
  let loss = 0;
  for (let i = 0; i < n; i++) loss += (w[i]! * (y[i]! - a - fitted[i]!) ** 2) / wSum;
  return 0.5 * loss + lambda * b.reduce((s, v) => s + Math.abs(v), 0);
}

function main(): void {
  const version = sklearnVersion();
  if (!version) {
    console.log(
      'scikit-learn not installed for /usr/bin/python3 (apt-get install -y python3-sklearn); nothing to compare',
    );
    return;
  }
  console.log(`scikit-learn ${version}`);
  const conv = convDataset(2000, 7);
  const sets: Data[] = [additive(2000), { name: 'conv runtime (2000×127)', X: conv.X, y: conv.runtimeMs }];
  for (const data of sets) {
    for (const objective of ['squared', 'relative'] as Objective[]) {
      const fit = fitLassoCv(data.X, data.y, { objective, seed: 1 });
      const w = objective === 'relative' ? data.y.map((v) => 1 / (v * v)) : data.y.map(() => 1);
      const { Z, scale } = standardiseColumns(data.X, w);
      const p = scale.length;
      const sk = runSklearn({
        Z,
        p,
        y: data.y,
        folds: assignFolds(data.y.length, 10, 1),
        eps: 1e-4,
        nAlphas: 100,
        weights: objective === 'relative' ? 'relative' : 'none',
        timeoutMs: 600_000,
        alpha: fit.report.lambda,
      });
      if ('error' in sk) {
        console.log(`${data.name} ${objective}: sklearn failed: ${sk.error}`);
        continue;
      }
      const ours = fit.coefficients.map((c, j) => c * scale[j]!);
      const theirs = sk.coefAtAlpha!;
      const objOurs = lassoObjective(Z, p, data.y, w, ours, fit.report.lambda);
      const objTheirs = lassoObjective(Z, p, data.y, w, theirs, fit.report.lambda);
      const maxDiff = Math.max(...ours.map((c, j) => Math.abs(c - theirs[j]!)));
      const maxCoef = Math.max(...ours.map(Math.abs));
      console.log(
        `${data.name}, ${objective}: λ ours ${fit.report.lambda.toPrecision(6)} / sklearn LassoCV α ${sk.alpha.toPrecision(6)} ` +
          `(α max ${sk.alphaMax.toPrecision(6)}); at our λ: objective ours ${objOurs.toPrecision(12)} vs sklearn ${objTheirs.toPrecision(12)} ` +
          `(rel. diff ${((objOurs - objTheirs) / objTheirs).toExponential(2)}), max |Δb| ${maxDiff.toExponential(2)} of max |b| ${maxCoef.toPrecision(4)}; ` +
          `model size ours ${fit.report.modelSize}, sklearn ${theirs.filter((c) => c !== 0).length + 1}`,
      );
    }
  }
}

main();
