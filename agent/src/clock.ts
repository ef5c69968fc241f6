/** Host monotonic clock in milliseconds (never jumps with NTP or wall-clock changes). */
export function nowMs(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Lets the event loop run pending I/O and timers (sampler lines, RAPL polls). CPU backends compute
 * synchronously, so without this a sampler in this thread would only see its samples after the
 * work is done and stamp them late.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
