/**
 * Drops a connection that holds an unfinished message too long (defect: 100 connections each keeping
 * a frame half-sent while answering pings held ~4 MB apiece forever).
 *
 * Byte accounting, no WebSocket internals: bytes read from the socket go up, every complete frame
 * the WebSocket layer hands over goes down by its exact wire size (client frames are always masked:
 * 2 + extended length + 4 bytes of header; the server negotiates no compression). Between messages
 * the balance is 0. Once bytes are outstanding, a message must complete within `limitMs` — pongs
 * and pings do not count as progress, they are what a stalling peer sends to look alive.
 * A message sent in several fragments leaves a few header bytes unaccounted (its size is known only
 * as a whole): such a peer would be cut after `limitMs`. Agents and ws clients never fragment.
 */
export class FrameWatch {
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly limitMs: number,
    private readonly onStalled: () => void,
  ) {}

  received(bytes: number): void {
    this.pending += bytes;
    this.arm();
  }

  /** A control frame (ping/pong) of `payloadBytes` was read. */
  completed(payloadBytes: number): void {
    this.pending -= wireSize(payloadBytes);
    if (this.pending <= 0) this.disarm();
  }

  /** A data message of `payloadBytes` was read: progress, the clock starts again. */
  message(payloadBytes: number): void {
    this.pending -= wireSize(payloadBytes);
    this.disarm();
    this.arm();
  }

  stop(): void {
    this.disarm();
  }

  private arm(): void {
    if (this.timer !== null || this.pending <= 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.pending > 0) this.onStalled();
    }, this.limitMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

function wireSize(payloadBytes: number): number {
  const extended = payloadBytes > 65_535 ? 8 : payloadBytes > 125 ? 2 : 0;
  return 2 + extended + 4 + payloadBytes;
}
