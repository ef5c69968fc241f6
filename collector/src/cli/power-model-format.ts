import type { SaturatingPowerJson } from '@neuralpower/core';
import type { PowerFamilyChoice } from '../fit/power-family.js';
import { fmt, pct } from './format.js';

const from = (source: string | null) => (source === 'platform' ? 'the platform' : 'cross-validation');

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
    `power = ${fmt(m.idleW)} + (${fmt(m.limitW)} − ${fmt(m.idleW)})·(1 − e^−u) W, ` +
      `u = ${fmt(m.busy, 6)} + ${fmt(m.perMacPerMs, 6)}·MACs/ms + ${fmt(m.perBytePerMs, 6)}·bytes/ms`,
    `idle ${fmt(m.idleW)} W from ${from(m.idleFrom)}, limit ${fmt(m.limitW)} W from ${from(m.limitFrom)}; ` +
      'predictions take the runtime model’s predicted runtime',
  ]
    .filter((line) => line !== null)
    .join('\n');
}
