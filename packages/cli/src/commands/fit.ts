import { fmt, pct } from '@neuralpower/collector/format';
import { powerFamilyLine, saturatingFormulaLines } from '@neuralpower/collector/power-model-format';
import {
  type FitReport,
  fitLayerModel,
  isModelKind,
  type KindModel,
  type LassoCvOptions,
  MODEL_KINDS,
  type ModelKind,
  POWER_FAMILY_MODES,
  type PowerFamilyChoice,
  type PowerFamilyMode,
  type SaturatingPowerModel,
  TARGET_UNITS,
  type Target,
  TERM_SETS,
  type TermSet,
} from '@neuralpower/core';
import { DATASET_FORMATS, type DatasetFormat, loadDataset, trainingRows } from '@neuralpower/datasets';
import type { Argv, CommandModule } from 'yargs';
import { fitLocalPower } from './fit-power.js';
import { writeModelFile } from './model-files.js';

interface FitArgs {
  data: string;
  format?: DatasetFormat;
  kind: string;
  target: Target;
  folds?: number;
  objective: 'auto' | 'squared' | 'relative';
  selection: 'min' | '1se';
  seed: number;
  lambdas: number;
  terms: TermSet;
  'power-model': PowerFamilyMode;
  'idle-w'?: number;
  'limit-w'?: number;
  out: string;
  json: boolean;
}

const DEFAULT_FOLDS = 10;

/**
 * K-fold CV needs 2·K rows. Without --folds the default (10) shrinks to fit small data sets;
 * an explicit --folds that does not fit is an error naming the largest that would.
 */
export function chooseFolds(requested: number | undefined, rows: number, what: string): number {
  if (requested !== undefined) {
    if (!Number.isInteger(requested) || requested < 2) {
      throw new Error(`--folds must be an integer ≥ 2 (got ${requested})`);
    }
    if (2 * requested > rows) {
      throw new Error(
        `--folds ${requested} needs at least ${2 * requested} rows; ${what} has ${rows}` +
          (rows >= 4 ? `: use --folds ${Math.floor(rows / 2)} or fewer` : ''),
      );
    }
    return requested;
  }
  const folds = Math.min(DEFAULT_FOLDS, Math.floor(rows / 2));
  if (folds < 2) throw new Error(`${what} has ${rows} rows; cross-validation needs at least 4`);
  return folds;
}

function reportText(kind: ModelKind, target: Target, report: FitReport): string[] {
  const unit = TARGET_UNITS[target];
  const byObjective = Object.entries(report.cvRmspeByObjective)
    .map(([o, v]) => `${o} ${pct(v ?? Number.NaN)}`)
    .join(', ');
  return [
    `${kind} ${target} model: ${report.n} rows, ${report.folds}-fold cross-validation (seed ${report.seed})`,
    `objective: ${report.objective}${report.objectiveMode === 'auto' ? ` (auto; out-of-fold RMSPE ${byObjective})` : ''}`,
    `lambda: ${fmt(report.lambda)} (${report.selection === 'min' ? 'minimum CV error' : 'one standard error'})`,
    `model size: ${report.modelSize} (${report.nonZeroTerms} of ${report.candidateTerms} terms + intercept)`,
    `out-of-fold: RMSPE ${pct(report.rmspe)}, RMSE ${fmt(report.rmse)} ${unit}, MAPE ${pct(report.mape)}, within ±10 % ${pct(report.within10Pct)}`,
  ];
}

function saturatingReportText(kind: ModelKind, m: SaturatingPowerModel): string[] {
  const r = m.report;
  return [
    `${kind} power model: saturating work-rate, ${r.n} rows, ${r.folds}-fold cross-validation (seed ${r.seed})`,
    ...saturatingFormulaLines(m, { idle: '--idle-w', limit: '--limit-w' }),
    `out-of-fold: RMSPE ${pct(r.rmspe)}, RMSE ${fmt(r.rmse)} W, MAPE ${pct(r.mape)}, within ±10 % ${pct(r.within10Pct)}` +
      (r.predictedRuntimeRmspe === null
        ? ''
        : `; at predicted runtimes RMSPE ${pct(r.predictedRuntimeRmspe)}`),
  ];
}

/** A power bound flag: absent, or a finite number of watts > 0. */
function wattsFlag(name: string, value: number | undefined): number | null {
  if (value === undefined) return null;
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`--${name} must be a number of watts > 0 (got ${value})`);
  return value;
}

export const fitCommand: CommandModule<object, FitArgs> = {
  command: 'fit',
  describe: 'Fit a per-layer runtime or power model (Lasso, cross-validated) from a measurement file',
  builder: (y: Argv) =>
    y
      .option('data', {
        type: 'string',
        demandOption: true,
        describe: 'Measurement CSV (docs/dataset-format.md) or a paper row file (res_conv.txt, ...)',
      })
      .option('format', {
        choices: DATASET_FORMATS,
        describe: 'Data format (default: from the header, file name or column count)',
      })
      .option('kind', {
        type: 'string',
        demandOption: true,
        describe: `Layer model kind: ${MODEL_KINDS.join(', ')}`,
      })
      .option('target', {
        choices: ['runtime', 'power'] as const,
        demandOption: true,
        describe: 'What to predict',
      })
      .option('folds', {
        type: 'number',
        describe: `Cross-validation folds (default ${DEFAULT_FOLDS}, fewer when the data has under ${2 * DEFAULT_FOLDS} rows)`,
      })
      .option('objective', {
        choices: ['auto', 'squared', 'relative'] as const,
        default: 'auto' as const,
        describe:
          'squared error (the paper), relative error (1/y² weights), or auto (lower out-of-fold RMSPE)',
      })
      .option('selection', {
        choices: ['min', '1se'] as const,
        default: 'min' as const,
        describe: 'λ at minimum CV error, or the largest within one standard error',
      })
      .option('seed', { type: 'number', default: 1, describe: 'Seed of the fold assignment' })
      .option('lambdas', { type: 'number', default: 100, describe: 'Length of the λ path' })
      .option('terms', {
        choices: TERM_SETS,
        describe:
          "Candidate terms: extended (the paper's + work × log2(size) for conv and fc runtime), padded (extended + work on dimensions rounded up to 8, 32, 128) or the paper's set; default padded for fc, extended otherwise",
      })
      .option('power-model', {
        choices: POWER_FAMILY_MODES,
        default: 'auto' as const,
        describe:
          "Power only: auto = the lower out-of-fold RMSPE of the paper's polynomial and the saturating work-rate model (judged at a runtime model's out-of-fold runtimes, as the collector does), or one of them",
      })
      .option('idle-w', {
        type: 'number',
        describe:
          "Power only: the GPU's idle power (W), the saturating model's floor (default: chosen by cross-validation)",
      })
      .option('limit-w', {
        type: 'number',
        describe:
          "Power only: the board's power limit (W), the saturating model's ceiling (default: chosen by cross-validation)",
      })
      .option('out', {
        type: 'string',
        demandOption: true,
        describe: 'Model file to write (a directory gets <kind>-<target>.json)',
      })
      .option('json', {
        type: 'boolean',
        default: false,
        describe: 'Print the report as JSON',
      }) as unknown as Argv<FitArgs>,
  handler: async (args) => {
    if (!isModelKind(args.kind)) {
      throw new Error(
        `--kind: unknown model kind ${JSON.stringify(args.kind)}; known: ${MODEL_KINDS.join(', ')}`,
      );
    }
    const kind = args.kind;
    if (!Number.isFinite(args.seed)) throw new Error(`--seed must be a number (got ${args.seed})`);
    if (!Number.isInteger(args.lambdas) || args.lambdas < 2) {
      throw new Error(`--lambdas must be an integer ≥ 2 (got ${args.lambdas})`);
    }
    const measurements = await loadDataset(args.data, args.format ? { format: args.format } : {});
    const selection = trainingRows(measurements, kind, args.target);
    if (selection.rows.length === 0) {
      const why =
        selection.withoutPower > 0 ? ` (${selection.withoutPower} ${kind} rows have no power reading)` : '';
      throw new Error(`${args.data}: no ${kind} rows with a ${args.target} value${why}`);
    }
    const folds = chooseFolds(args.folds, selection.rows.length, `${args.data} (${kind} ${args.target})`);
    const options: LassoCvOptions = {
      folds,
      objective: args.objective,
      selection: args.selection,
      seed: args.seed,
      nLambdas: args.lambdas,
    };
    let model: KindModel;
    let powerFamily: PowerFamilyChoice | null = null;
    if (args.target === 'power') {
      const idleW = wattsFlag('idle-w', args['idle-w']);
      const limitW = wattsFlag('limit-w', args['limit-w']);
      if (idleW !== null && limitW !== null && idleW >= limitW) {
        throw new Error(`--idle-w (${idleW} W) must be below --limit-w (${limitW} W)`);
      }
      let runtimeFolds: number | null = null;
      try {
        runtimeFolds = chooseFolds(undefined, selection.rows.length + selection.withoutPower, 'runtime');
      } catch {
        // Too few rows for a runtime model: the saturating model is judged at measured runtimes.
      }
      const fitted = fitLocalPower(measurements, kind, {
        mode: args['power-model'],
        lasso: { ...options, folds, termSet: args.terms },
        runtimeFolds,
        idleW,
        limitW,
      });
      model = fitted.model;
      powerFamily = fitted.choice;
    } else {
      model = fitLayerModel(kind, args.target, selection.rows, { ...options, termSet: args.terms });
    }
    const file = await writeModelFile(args.out, model);
    if (args.json) {
      const out = {
        data: args.data,
        out: file,
        kind,
        target: args.target,
        unit: model.unit,
        skipped: { otherKinds: selection.otherKinds, withoutPower: selection.withoutPower },
        report: model.report,
        ...(powerFamily !== null && { family: model.family, powerFamily }),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const skipped: string[] = [];
    if (selection.otherKinds > 0) skipped.push(`${selection.otherKinds} rows of other kinds`);
    if (selection.withoutPower > 0) skipped.push(`${selection.withoutPower} rows without power`);
    const lines = [
      `data: ${args.data}${skipped.length > 0 ? ` (skipped ${skipped.join(', ')})` : ''}`,
      ...(model.family === 'saturating'
        ? saturatingReportText(kind, model)
        : reportText(kind, args.target, model.report)),
      ...(powerFamily === null ? [] : [powerFamilyLine({ powerFamily })!]),
      `wrote ${file}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
};
