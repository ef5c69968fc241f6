// The platform's measurement precision in one line (no DOM: unit-tested under node).
import { percent, sig } from './format.js';

function driftText(label, d) {
  return d
    ? `; ${label} on ${d.revisits} revisit(s): median ${percent(d.medianAbsRel)}, max ${percent(d.maxAbsRel)}`
    : '';
}

/**
 * How precisely the platform's runtimes were measured (block timing protocol): intervals, outliers,
 * sync overhead, and the drift of revisits within one run apart from that between agent processes
 * (a resumed sweep), which is what repeatability is judged by.
 */
export function precisionText(p) {
  if (!p) return 'Measurement precision: no record carries an interval (timed run by run).';
  const sync = p.syncOverheadMs === null ? '' : `; sync overhead ${sig(p.syncOverheadMs * 1000)} µs`;
  return (
    `Measurement precision (${p.clock ?? 'wall'} clock): target reached on ${p.targetReached}/${p.records}; ` +
    `median interval ±${percent(p.ciHalfWidthRel.median)}, p90 ±${percent(p.ciHalfWidthRel.p90)}; ` +
    `${p.outlierBlocks} outlier block(s) of ${p.blocks}${sync}` +
    driftText('drift within a run', p.drift) +
    driftText('drift between processes', p.processDrift)
  );
}
