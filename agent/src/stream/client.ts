import {
  AGENTS_PATH,
  type Hello,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
} from '@neuralpower/protocol';
import WebSocket from 'ws';
import { sleep } from '../clock.js';
import { type Outbox, SeqExhaustedError } from '../outbox/outbox.js';
import { backoffDelayMs } from './backoff.js';

export interface StreamLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface StreamOptions {
  /** `ws://HOST:PORT` (the agents path is added) or a full `ws://HOST:PORT/v1/agents` URL. */
  readonly url: string;
  readonly token: string;
  readonly hello: Omit<Hello, 'type' | 'protocolVersion'>;
  readonly outbox: Outbox;
  readonly batchSize?: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long to wait for `welcome` or an `ack` before treating the connection as dead. */
  readonly replyTimeoutMs?: number;
  readonly log?: StreamLogger;
}

/** A refusal that retrying cannot fix (bad token): streaming stops, records stay in the outbox. */
export class FatalStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalStreamError';
  }
}

export function agentsUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.pathname === '' || u.pathname === '/') u.pathname = AGENTS_PATH;
  return u.toString();
}

const HELLO_FATAL: readonly string[] = [
  'unsupported_version',
  'bad_message',
  'unknown_platform',
  'agent_id_taken',
];

/**
 * The collector's answers leave nothing to send under this agent id right now (its last seq is out
 * of range, or it refused a renumbered batch again). Not fatal: logged, then a growing backoff,
 * in case an operator repairs the collector; the outbox is left as it is.
 */
class UnproductiveConnection extends Error {}

const silent: StreamLogger = { info() {}, warn() {}, error() {} };

/**
 * Sends the outbox to the collector, one batch in flight at a time, and deletes a batch only when
 * its ack arrives. Reconnects forever with exponential backoff and jitter; a wrong token is fatal.
 */
export class CollectorStream {
  private stopped = false;
  private wake: (() => void) | undefined;
  private interruptPause: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private socket: WebSocket | undefined;
  private fatal: FatalStreamError | undefined;
  private connectedOnce = false;
  readonly url: string;
  /** Batches acked (new or duplicate) since start. */
  acked = 0;
  duplicates = 0;
  /** Records in acked batches since start (metrics). */
  ackedRecords = 0;
  /** True between `welcome` and the end of that connection (metrics). */
  connected = false;

  constructor(private readonly options: StreamOptions) {
    this.url = agentsUrl(options.url);
  }

  get fatalError(): FatalStreamError | undefined {
    return this.fatal;
  }

  get everConnected(): boolean {
    return this.connectedOnce;
  }

  start(): void {
    if (!this.loop) this.loop = this.run();
  }

  /** New records are in the outbox: send them now rather than at the next poll. */
  notify(): void {
    this.wake?.();
  }

  private get log(): StreamLogger {
    return this.options.log ?? silent;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped && !this.fatal) {
      const welcomed = await this.connection().catch((err: unknown) => {
        if (err instanceof FatalStreamError) this.fatal = err;
        else if (err instanceof UnproductiveConnection)
          this.log.error({ err: err.message, url: this.url }, 'cannot continue on this connection');
        else this.log.warn({ err: (err as Error).message, url: this.url }, 'collector connection lost');
        return false;
      });
      if (this.stopped || this.fatal) break;
      // Only a connection that was welcomed and not refused resets the backoff: a refusal that
      // repeats on every connection must not become a tight reconnect loop.
      attempt = welcomed ? 0 : attempt + 1;
      const delay = backoffDelayMs(
        attempt,
        this.options.initialBackoffMs ?? 250,
        this.options.maxBackoffMs ?? 10_000,
      );
      await this.pause(delay);
    }
    if (this.fatal) this.log.error({ err: this.fatal.message }, 'streaming stopped');
  }

  /** Sleeps, but wakes early on stop(). */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Only stop() cuts a backoff short; new records (notify) wait for the reconnect.
      const done = () => {
        clearTimeout(timer);
        this.interruptPause = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interruptPause = done;
    });
  }

  /** One connection's life; resolves true if it got as far as `welcome`. */
  private connection(): Promise<boolean> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, {
        headers: { authorization: `Bearer ${this.options.token}` },
        handshakeTimeout: this.options.replyTimeoutMs ?? 10_000,
      });
      this.socket = ws;
      let welcomed = false;
      let inflight: number | undefined;
      // One renumber per connection: a second seq_backwards means another sender raises this agent
      // id's seq as we go, and renumbering again would chase it (an fsync per turn).
      let renumbered = false;
      let replyTimer: NodeJS.Timeout | undefined;
      let finished = false;
      const finish = (err?: Error) => {
        if (finished) return;
        finished = true;
        this.connected = false;
        if (replyTimer) clearTimeout(replyTimer);
        this.wake = undefined;
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
        if (err && !welcomed) reject(err);
        else if (err instanceof FatalStreamError || err instanceof UnproductiveConnection) reject(err);
        else {
          if (err) this.log.warn({ err: err.message }, 'collector connection lost');
          resolve(welcomed);
        }
      };
      const expectReply = () => {
        if (replyTimer) clearTimeout(replyTimer);
        replyTimer = setTimeout(
          () => finish(new Error('collector did not answer in time')),
          this.options.replyTimeoutMs ?? 30_000,
        );
      };
      const sendNext = () => {
        if (finished || inflight !== undefined || this.stopped) return;
        let batch: ReturnType<Outbox['nextBatch']>;
        try {
          batch = this.options.outbox.nextBatch(this.options.batchSize ?? 500);
        } catch (err) {
          if (!(err instanceof SeqExhaustedError)) throw err;
          finish(new UnproductiveConnection(err.message));
          return;
        }
        if (!batch) {
          // Nothing to send: wait for notify() (or poll again in a second).
          const timer = setTimeout(sendNext, 1000);
          this.wake = () => {
            clearTimeout(timer);
            sendNext();
          };
          return;
        }
        inflight = batch.seq;
        ws.send(JSON.stringify({ type: 'measurements', seq: batch.seq, records: batch.records }));
        expectReply();
      };
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        if (status === 401 || status === 403) {
          finish(new FatalStreamError(`the collector at ${this.url} refused the token (HTTP ${status})`));
        } else finish(new Error(`the collector answered the upgrade with HTTP ${status}`));
      });
      ws.on('error', (err) => finish(err));
      ws.on('close', (code, reason) =>
        finish(new Error(`closed (${code}${reason.length ? ` ${reason}` : ''})`)),
      );
      ws.on('open', () => {
        const hello: Hello = { type: 'hello', protocolVersion: PROTOCOL_VERSION, ...this.options.hello };
        ws.send(JSON.stringify(hello));
        expectReply();
      });
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const parsed = parseServerMessage(data.toString());
        if (!parsed.ok) {
          this.log.warn({ err: parsed.error.message }, 'unreadable message from the collector');
          return;
        }
        const msg: ServerMessage = parsed.message;
        switch (msg.type) {
          case 'welcome':
            welcomed = true;
            this.connectedOnce = true;
            this.connected = true;
            if (replyTimer) clearTimeout(replyTimer);
            try {
              this.options.outbox.observeLastSeq(msg.lastSeq);
            } catch (err) {
              if (!(err instanceof SeqExhaustedError)) throw err;
              welcomed = false;
              finish(
                new UnproductiveConnection(
                  `${err.message} (agent id ${this.options.hello.agentId}); the collector's operator must repair it — nothing was renumbered, the records stay in the outbox`,
                ),
              );
              return;
            }
            this.log.info({ url: this.url, lastSeq: msg.lastSeq }, 'connected to the collector');
            sendNext();
            return;
          case 'ack':
            if (msg.seq !== inflight) return;
            this.ackedRecords += this.options.outbox.ack(msg.seq);
            this.acked++;
            if (msg.duplicate) this.duplicates++;
            inflight = undefined;
            if (replyTimer) clearTimeout(replyTimer);
            sendNext();
            return;
          case 'error': {
            const seq = msg.seq ?? undefined;
            if (seq !== undefined && seq === inflight) {
              if (msg.code === 'seq_backwards') {
                if (renumbered) {
                  welcomed = false;
                  finish(
                    new UnproductiveConnection(
                      `the collector refused renumbered batch ${seq} as seq_backwards again: another sender is using agent id ${this.options.hello.agentId}`,
                    ),
                  );
                  return;
                }
                renumbered = true;
                let fresh: number;
                try {
                  fresh = this.options.outbox.renumber(seq);
                } catch (err) {
                  if (!(err instanceof SeqExhaustedError)) throw err;
                  welcomed = false;
                  finish(new UnproductiveConnection(err.message));
                  return;
                }
                this.log.warn({ seq, fresh }, 'collector had a higher seq; batch renumbered');
              } else if (msg.code === 'invalid_record' || msg.code === 'unknown_platform') {
                const n = this.options.outbox.reject(seq, `${msg.code}: ${msg.message}`);
                this.log.error({ seq, code: msg.code, field: msg.field, records: n }, msg.message);
              } else {
                finish(new Error(`collector error ${msg.code}: ${msg.message}`));
                return;
              }
              inflight = undefined;
              if (replyTimer) clearTimeout(replyTimer);
              sendNext();
              return;
            }
            // A refused hello will be refused again on every reconnect: stop and say why.
            if (msg.code === 'unauthorized' || (!welcomed && HELLO_FATAL.includes(msg.code))) {
              finish(new FatalStreamError(`the collector refused this agent: ${msg.code}: ${msg.message}`));
            } else finish(new Error(`collector error ${msg.code}: ${msg.message}`));
            return;
          }
          case 'heartbeat':
            return;
        }
      });
    });
  }

  /** Resolves when the outbox is empty, streaming stopped fatally, or the deadline passed. */
  async drain(deadlineMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    const start = Date.now();
    while (this.options.outbox.pendingCount() > 0) {
      if (this.fatal || this.stopped || Date.now() - start > deadlineMs) return false;
      this.notify();
      await sleep(50);
    }
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.interruptPause?.();
    this.socket?.close();
    await this.loop;
  }
}
