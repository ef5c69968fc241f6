/** A one-line progress bar (done/total, rate, ETA) for a TTY; callers use logs instead elsewhere. */
export class ProgressBar {
  private readonly startMs = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, label: string, force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = 24;
    const frac = this.total === 0 ? 1 : Math.min(1, done / this.total);
    const filled = Math.round(frac * width);
    const elapsedS = (now - this.startMs) / 1000;
    const etaS = done > 0 ? (elapsedS / done) * (this.total - done) : Number.NaN;
    const eta = Number.isFinite(etaS) ? formatDuration(etaS) : '--';
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ETA ${eta} ${label}`;
    const columns = this.stream.columns ?? 100;
    this.stream.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
  }

  finish(message: string): void {
    this.stream.write(`\r${' '.repeat((this.stream.columns ?? 100) - 1)}\r${message}\n`);
  }
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
