export interface RuntimeSummary {
  readonly meanMs: number;
  readonly medianMs: number;
  readonly stdMs: number;
  readonly n: number;
}

/** Mean, median and (sample) standard deviation of timed runs. */
export function summarise(samplesMs: readonly number[]): RuntimeSummary {
  const n = samplesMs.length;
  if (n === 0) throw new Error('no timed runs to summarise');
  const mean = samplesMs.reduce((a, b) => a + b, 0) / n;
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const median = n % 2 === 1 ? sorted[n >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const variance = n > 1 ? samplesMs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { meanMs: mean, medianMs: median, stdMs: Math.sqrt(variance), n };
}
