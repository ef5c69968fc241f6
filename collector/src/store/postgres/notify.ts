import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The channel every replica LISTENs on; the payload names the platform whose pointers moved. */
export const VERSION_CHANNEL = 'neuralpower_model_versions';

const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 10_000;

interface Payload {
  /** platform id */
  readonly p: string;
  /** the store instance that made the change: it told its own listeners already */
  readonly o: string;
}

export interface ListenerEvents {
  /** another process moved a pointer of `platformId` */
  changed(platformId: string): void;
  /**
   * The connection was lost and is back: notifications sent meanwhile are gone, so every cached
   * platform must be treated as changed (ModelVersionChange with platformId null).
   */
  resynced(): void;
  log(message: string): void;
}

/**
 * A dedicated connection (outside the pool: LISTEN is per session) that receives version-change
 * notifications. If it drops, it reconnects with backoff (250 ms doubling to 10 s) and reports a
 * resync, so no replica keeps serving a stale model after a network blip.
 */
export class VersionListener {
  /** tags this process's notifications, so its own listeners are not told twice */
  readonly origin = randomBytes(6).toString('hex');
  private client: pg.Client | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private delayMs = RECONNECT_MIN_MS;
  connected = false;
  reconnects = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly events: ListenerEvents,
  ) {}

  /** Connects and LISTENs; rejects if the first attempt fails (the store does not open). */
  async start(): Promise<void> {
    await this.connect();
  }

  payload(platformId: string): string {
    return JSON.stringify({ p: platformId, o: this.origin } satisfies Payload);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(this.config);
    client.on('notification', (msg) => {
      if (msg.channel !== VERSION_CHANNEL || !msg.payload) return;
      try {
        const payload = JSON.parse(msg.payload) as Payload;
        if (payload.o !== this.origin && typeof payload.p === 'string') this.events.changed(payload.p);
      } catch {
        this.events.log(`ignored a malformed ${VERSION_CHANNEL} notification`);
      }
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    try {
      await client.query(`LISTEN ${VERSION_CHANNEL}`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.connected = true;
    this.delayMs = RECONNECT_MIN_MS;
  }

  private lost(client: pg.Client, err: Error): void {
    if (this.client !== client || this.stopped) return;
    this.client = null;
    this.connected = false;
    client.end().catch(() => undefined);
    this.events.log(`version listener lost its connection (${err.message}); reconnecting`);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connect().then(
        () => {
          if (this.stopped) return;
          this.reconnects++;
          this.events.log('version listener reconnected');
          this.events.resynced();
        },
        (err: Error) => {
          this.events.log(`version listener could not reconnect: ${err.message}`);
          this.delayMs = Math.min(RECONNECT_MAX_MS, this.delayMs * 2);
          this.schedule();
        },
      );
    }, this.delayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const c = this.client;
    this.client = null;
    this.connected = false;
    if (c) await c.end().catch(() => undefined);
  }
}
