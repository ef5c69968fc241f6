/** Exponential backoff with full jitter: a random delay in [0, min(max, initial × 2^attempt)]. */
export function backoffDelayMs(
  attempt: number,
  initialMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(random() * cap);
}
