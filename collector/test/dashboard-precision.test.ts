import { describe, expect, it } from 'vitest';

// The dashboard's browser module (plain JS without types): loaded by URL so TypeScript leaves it alone.
const moduleUrl = new URL('../src/dashboard/static/precision.js', import.meta.url).href;
const { precisionText } = (await import(moduleUrl)) as { precisionText: (p: unknown) => string };

const summary = {
  records: 40,
  targetReached: 12,
  ciHalfWidthRel: { median: 0.05, p90: 0.3 },
  blocks: 800,
  outlierBlocks: 9,
  clock: 'process-cpu',
  syncOverheadMs: 0.0076,
  drift: { revisits: 2, medianAbsRel: 0.03, maxAbsRel: 0.08 },
  processDrift: { revisits: 3, medianAbsRel: 0.2, maxAbsRel: 0.41 },
};

describe('dashboard precision line', () => {
  it('shows drift within a run apart from drift between agent processes', () => {
    expect(precisionText(summary)).toBe(
      'Measurement precision (process-cpu clock): target reached on 12/40; median interval ±5.0 %, p90 ±30.0 %; ' +
        '9 outlier block(s) of 800; sync overhead 7.6 µs; ' +
        'drift within a run on 2 revisit(s): median 3.0 %, max 8.0 %; ' +
        'drift between processes on 3 revisit(s): median 20.0 %, max 41.0 %',
    );
    const onlyProcess = precisionText({ ...summary, drift: null, syncOverheadMs: null });
    expect(onlyProcess).not.toContain('within a run');
    expect(onlyProcess).not.toContain('sync overhead');
    expect(onlyProcess).toMatch(/drift between processes on 3 revisit\(s\)/);
    expect(precisionText({ ...summary, processDrift: null })).not.toContain('between processes');
    expect(precisionText(null)).toBe(
      'Measurement precision: no record carries an interval (timed run by run).',
    );
  });
});
