import type { NetworkCorrectionJson } from '@neuralpower/core';
import { fmt, pct } from './format.js';

/** `models show` of a network-correction version: its form, coefficients and left-out errors. */
export function networkCorrectionText(v: Record<string, unknown>): string {
  const c = v['model'] as NetworkCorrectionJson;
  const cv = Object.entries(c.cvRmspe)
    .map(([form, e]) => `${form} ${pct(e)}`)
    .join(', ');
  const terms = Object.entries(c.coefficients)
    .map(([t, k]) => `${fmt(k, 6)}·${t}`)
    .join(' + ');
  const fixed = c.form === 'identity' || c.form === 'overhead' ? 'Σ layers' : '';
  return [
    `version ${v['version']}: network correction (${c.form}), parent ${v['parentVersion'] ?? '-'}${v['current'] ? ', current' : ''}`,
    `created ${v['createdAt']}, learned from ${c.networks} networks (${c.records} end-to-end records), inputs ${v['trainingSetHash']}`,
    `runtime = ${[fixed, terms].filter((x) => x !== '').join(' + ') || 'Σ layers'} (ms)`,
    `leave-one-network-out RMSPE by form: ${cv}`,
    c.interval
      ? `90 % interval: ×${fmt(c.interval.lowRatio)}–×${fmt(c.interval.highRatio)} of the corrected total (${c.interval.n} records)`
      : 'no interval (fewer than 2 networks)',
  ].join('\n');
}
