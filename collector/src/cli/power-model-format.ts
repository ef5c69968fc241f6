import type { PowerFamilyChoice, SaturatingPowerJson } from '@neuralpower/core';
import { fmt, pct } from './format.js';

/** `models show`: which power family the fit chose, and both cross-validated errors; null for runtime. */
export function powerFamilyLine(report: unknown): string | null {
  const choice = (report as { powerFamily?: PowerFamilyChoice } | null)?.powerFamily;
  if (!choice) return null;
  const cv = (v: number | null) => (v === null ? 'not fitted' : pct(v));
  return (
    `power family: ${choice.chosen} (${choice.mode}; cross-validated RMSPE polynomial ${cv(choice.cvRmspe.polynomial)}, ` +
    `saturating ${cv(choice.cvRmspe.saturating)} at measured runtimes, ${cv(choice.cvRmspe.saturatingAtPredictedRuntime ?? null)} at predicted ones)` +
    `${choice.notes.length > 0 ? `; ${choice.notes.join('; ')}` : ''}`
  );
}

/** `models show` of a saturating power version: its formula, bounds and out-of-fold errors. */
export function saturatingModelText(v: Record<string, unknown>): string {
  const m = v['model'] as SaturatingPowerJson;
  return [
    `version ${v['version']}: ${m.kind} power (W), saturating, parent ${v['parentVersion'] ?? '-'}${v['current'] ? ', current' : ''}`,
    `created ${v['createdAt']}, ${v['trainingRows']} rows, training set ${v['trainingSetHash']}`,
    `cross-validated: RMSPE ${pct(m.report.rmspe)}, RMSE ${fmt(m.report.rmse)} W, MAPE ${pct(m.report.mape)}`,
    powerFamilyLine(v['report']),
    ...saturatingFormulaLines(m, { idle: 'the platform', limit: 'the platform' }),
  ]
    .filter((line) => line !== null)
    .join('\n');
}

/**
 * A saturating model's formula and where its bounds came from; `given` names the source of a bound
 * that was not chosen by cross-validation (the platform in the collector, a flag in a local fit).
 */
export function saturatingFormulaLines(
  m: SaturatingPowerJson,
  given: { readonly idle: string; readonly limit: string },
): string[] {
  const from = (source: string, givenBy: string) => (source === 'platform' ? givenBy : 'cross-validation');
  return [
    `power = ${fmt(m.idleW)} + (${fmt(m.limitW)} − ${fmt(m.idleW)})·(1 − e^−u) W, ` +
      `u = ${fmt(m.busy, 6)} + ${fmt(m.perMacPerMs, 6)}·MACs/ms + ${fmt(m.perBytePerMs, 6)}·bytes/ms`,
    `idle ${fmt(m.idleW)} W from ${from(m.idleFrom, given.idle)}, limit ${fmt(m.limitW)} W from ${from(m.limitFrom, given.limit)}; ` +
      'predictions take the runtime model’s predicted runtime',
  ];
}
