/** Host monotonic clock in milliseconds (never jumps with NTP or wall-clock changes). */
export function nowMs(): number {
  return performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
