import { fmt, pct } from './format.js';

/**
 * One line on how a runtime version's rows were weighted by their measured precision
 * (report.selection, report.weighted: collector/src/fit/training-set.ts); null for versions fitted
 * unweighted or before weighting existed.
 */
export function weightingText(report: Record<string, unknown>): string | null {
  const selection = report['selection'] as
    | {
        weighting?: string;
        imprecise?: number;
        withoutInterval?: number;
        minWeight?: number;
        effectiveRows?: number;
      }
    | undefined;
  const weighted = report['weighted'] as { rmspe?: number } | undefined;
  if (selection?.weighting !== 'ci-half-width') return null;
  const untimed = selection.withoutInterval ? `, ${selection.withoutInterval} without an interval` : '';
  return (
    `weighted by measured precision: ${selection.imprecise ?? 0} row(s) missed the target${untimed}; ` +
    `weights ${fmt(selection.minWeight, 3)}..1, ${fmt(selection.effectiveRows, 3)} effective rows; ` +
    `weighted RMSPE ${pct(weighted?.rmspe)}`
  );
}
