/**
 * The named term sets side by side from one set of fold fits, and the set a CV choice would pick:
 * for each held-out fold of run.ts's grouped split, each set is fitted (objective auto, own inner CV)
 * on the other nine folds; "cv-pick" predicts the fold with the set whose inner CV RMSPE was lowest —
 * what a term set chosen by cross-validation inside fitLayerModel would do, at no extra fits.
 * Also the RMSPE without each file's 5 worst rows, to show how much a handful of rows weigh.
 *
 *   npx tsx scripts/bench/accuracy/term-sets.ts [--files neusight,justus2018] [--sets paper,extended,padded]
 */
import { errorMetrics } from '../../../packages/core/src/fit/metrics.js';
import { assignGroupedFolds } from '../../../packages/core/src/fit/prng.js';
import { fitLayerModel, isTermSet, type TermSet } from '../../../packages/core/src/index.js';
import { fp32Files, readDataFile } from './data.js';

const FOLDS = 10;
const SEED = 1;

function arg(name: string, fallback: string[]): string[] {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]!.split(',') : fallback;
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;

/** RMSPE / within ±10 % / RMSPE without the 5 worst rows. */
function cell(predicted: Float64Array, actual: readonly number[]): string {
  const m = errorMetrics(predicted, actual);
  const sq = actual.map((y, i) => ((predicted[i]! - y) / y) ** 2).sort((a, b) => b - a);
  const trimmed = Math.sqrt(sq.slice(5).reduce((s, x) => s + x, 0) / (sq.length - 5));
  return `${pct(m.rmspe)} / ${pct(m.within10Pct)} / ${pct(trimmed)}`;
}

function main(): void {
  const sets = arg('--sets', ['paper', 'extended', 'padded']);
  for (const s of sets) if (!isTermSet(s)) throw new Error(`--sets: unknown term set ${s}`);
  const only = arg('--files', ['neusight', 'justus2018']);
  const names = fp32Files().filter((f) => only.some((s) => f.includes(s)));
  const cols = [...sets, 'cv-pick'];
  process.stdout.write(
    `| file | rows | ${cols.map((c) => `${c}: RMSPE / ±10 % / RMSPE w/o 5 worst`).join(' | ')} | picked |\n`,
  );
  process.stdout.write(`|---|---|${cols.map(() => '---|').join('')}---|\n`);
  for (const name of names) {
    const file = readDataFile(name);
    const actual = file.rows.map((r) => r.value);
    const foldOf = assignGroupedFolds(file.groups, FOLDS, SEED);
    const oof = new Map(cols.map((c) => [c, new Float64Array(file.rows.length)]));
    const picked: string[] = [];
    for (let k = 0; k < FOLDS; k++) {
      const train = file.rows.filter((_, i) => foldOf[i] !== k);
      let best: { set: string; rmspe: number } | undefined;
      for (const set of sets) {
        const model = fitLayerModel(file.kind, 'runtime', train, { termSet: set as TermSet });
        if (best === undefined || model.report.rmspe < best.rmspe) best = { set, rmspe: model.report.rmspe };
        file.rows.forEach((row, i) => {
          if (foldOf[i] === k) oof.get(set)![i] = model.predict(row.config);
        });
      }
      picked.push(best!.set);
      file.rows.forEach((_, i) => {
        if (foldOf[i] === k) oof.get('cv-pick')![i] = oof.get(best!.set)![i]!;
      });
    }
    const counts = sets.map((s) => `${s} ${picked.filter((p) => p === s).length}`).join(', ');
    process.stdout.write(
      `| ${name} | ${file.rows.length} | ${cols.map((c) => cell(oof.get(c)!, actual)).join(' | ')} | ${counts} |\n`,
    );
  }
}

main();
