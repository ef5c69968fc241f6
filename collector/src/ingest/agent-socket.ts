import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AGENTS_PATH,
  type Hello,
  PROTOCOL_VERSION,
  type ProtocolError,
  parseClientMessage,
  type ServerMessage,
} from '@neuralpower/protocol';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { allows } from '../auth/scopes.js';
import { bearerToken, type TokenInfo, type TokenStore } from '../auth/tokens.js';
import type { CollectorLimits } from '../limits.js';
import type { CollectorMetrics } from '../metrics.js';
import type { IngestRepository } from '../store/ingest.js';
import type { StoreIntegrity } from '../store/integrity.js';
import type { BatchQueue } from './batch-queue.js';
import { FrameWatch } from './frame-watch.js';

export interface AgentSocketOptions {
  /** largest accepted frame; bigger ones close the connection with 1009 */
  readonly maxPayloadBytes: number;
  /** ping interval; a connection that missed a whole interval's pong is dropped */
  readonly pingIntervalMs: number;
  /** an agent that does not read its acks cannot make the collector buffer without bound */
  readonly maxBufferedBytes: number;
  readonly limits: Pick<
    CollectorLimits,
    'maxConnections' | 'maxConnectionsPerToken' | 'frameAssemblyMs' | 'maxMessagesPerSecond' | 'authRecheckMs'
  >;
}

/** Errors after which the conversation cannot go on: the connection is closed. */
const FATAL: ReadonlySet<ProtocolError['code']> = new Set([
  'bad_json',
  'binary_frame',
  'bad_message',
  'unknown_type',
  'unsupported_version',
  'hello_required',
  'agent_id_taken',
]);

interface Conn {
  hello: Hello | null;
  platforms: Set<string>;
  tokenId: number;
  alive: boolean;
  /** set once the collector decided to close it: later frames are not processed */
  closing: boolean;
  /** token bucket of the message-rate limit */
  credits: number;
  creditsAt: number;
  readonly frames: FrameWatch;
  /**
   * The frames of one connection are handled one after another (each may wait on the store), so
   * hello is registered before a batch is queued and batches are queued in the order sent.
   */
  work: Promise<void>;
}

/** The `/v1/agents` WebSocket endpoint: authenticates upgrades, validates frames, queues batches. */
export class AgentSocket {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<WebSocket, Conn>();
  private readonly pinger: NodeJS.Timeout;
  private readonly rechecker: NodeJS.Timeout;
  private readonly perToken = new Map<number, number>();
  /** frame handling not finished yet, on any connection: close() waits for it */
  private readonly inFlight = new Set<Promise<void>>();
  private recheckRunning = false;

  constructor(
    private readonly tokens: TokenStore,
    private readonly store: IngestRepository,
    private readonly queue: BatchQueue,
    private readonly metrics: CollectorMetrics,
    private readonly integrity: StoreIntegrity,
    private readonly options: AgentSocketOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      clientTracking: false,
    });
    this.pinger = setInterval(() => this.ping(), options.pingIntervalMs);
    this.pinger.unref();
    this.rechecker = setInterval(() => this.recheckTokens(), options.limits.authRecheckMs);
    this.rechecker.unref();
  }

  get connected(): number {
    return this.conns.size;
  }

  /**
   * `server.on('upgrade')`: refuses before any WebSocket exists when the token is wrong (401), lacks
   * the `agent` scope (403), or a connection limit is reached (429 per token, 503 in total).
   */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== AGENTS_PATH) {
      refuse(socket, 404, 'Not Found', `WebSocket endpoint is ${AGENTS_PATH}`);
      return;
    }
    const secret = bearerToken(req.headers.authorization);
    let token: TokenInfo | null;
    try {
      token = secret === null ? null : await this.tokens.verify(secret);
    } catch (err) {
      // The store is unavailable (e.g. shutting down): refuse rather than crash the process.
      refuse(socket, 503, 'Service Unavailable', `cannot check the token: ${(err as Error).message}`);
      return;
    }
    if (token === null) {
      this.metrics.authFailures.inc();
      refuse(
        socket,
        401,
        'Unauthorized',
        secret === null ? 'missing Authorization: Bearer <token>' : 'invalid or revoked token',
      );
      return;
    }
    if (!allows(token.scopes, 'agent')) {
      this.metrics.authFailures.inc();
      refuse(
        socket,
        403,
        'Forbidden',
        `token "${token.name}" has scope ${token.scopes.join(',')}; streaming measurements needs scope agent`,
      );
      return;
    }
    const { maxConnections, maxConnectionsPerToken } = this.options.limits;
    if (this.conns.size >= maxConnections) {
      this.metrics.limitRejections.inc({ limit: 'connections' });
      refuse(
        socket,
        503,
        'Service Unavailable',
        `the collector has ${maxConnections} agent connections, its limit (--max-connections); retry later`,
      );
      return;
    }
    if ((this.perToken.get(token.id) ?? 0) >= maxConnectionsPerToken) {
      this.metrics.limitRejections.inc({ limit: 'connections_per_token' });
      refuse(
        socket,
        429,
        'Too Many Requests',
        `token "${token.name}" already has ${maxConnectionsPerToken} open connections, its limit (--max-connections-per-token)`,
      );
      return;
    }
    const tokenId = token.id;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, socket, tokenId));
  }

  private accept(ws: WebSocket, socket: Duplex, tokenId: number): void {
    const { maxMessagesPerSecond, frameAssemblyMs } = this.options.limits;
    const conn: Conn = {
      hello: null,
      platforms: new Set(),
      tokenId,
      alive: true,
      closing: false,
      credits: 2 * maxMessagesPerSecond,
      creditsAt: Date.now(),
      work: Promise.resolve(),
      frames: new FrameWatch(frameAssemblyMs, () => {
        this.metrics.limitRejections.inc({ limit: 'frame_time' });
        // The peer is mid-frame: an error frame could not even be parsed by it. Cut the connection.
        ws.terminate();
      }),
    };
    this.conns.set(ws, conn);
    this.perToken.set(tokenId, (this.perToken.get(tokenId) ?? 0) + 1);
    socket.on('data', (chunk: Buffer) => conn.frames.received(chunk.length));
    ws.on('ping', (data) => conn.frames.completed(data.length));
    ws.on('pong', (data) => {
      conn.alive = true;
      conn.frames.completed(data.length);
    });
    ws.on('message', (data, isBinary) => {
      conn.frames.message(byteLength(data));
      if (conn.closing) return;
      conn.alive = true;
      if (!this.takeCredit(conn)) {
        this.metrics.limitRejections.inc({ limit: 'message_rate' });
        this.fail(
          ws,
          {
            code: 'bad_message',
            message: `more than ${maxMessagesPerSecond} messages per second on one connection (--max-messages-per-s); closing`,
            field: null,
          },
          null,
        );
        conn.closing = true;
        // A flooding peer does not get the close handshake's 30 s: cut it shortly after the error —
        // 2 s, so a peer whose event loop is slow (a loaded host) still reads the error before the cut.
        setTimeout(() => ws.terminate(), 2000).unref();
        return;
      }
      const handled = conn.work.then(async () => {
        if (conn.closing) return;
        try {
          await this.onMessage(ws, conn, data, isBinary);
        } catch (err) {
          // A bug or store failure on one connection must not take the collector down.
          this.sendError(ws, { code: 'internal', message: (err as Error).message, field: null }, null);
        }
      });
      conn.work = handled;
      this.inFlight.add(handled);
      void handled.finally(() => this.inFlight.delete(handled));
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      conn.frames.stop();
      if (conn.hello) this.metrics.agentsConnected.dec();
      this.conns.delete(ws);
      const left = (this.perToken.get(tokenId) ?? 1) - 1;
      if (left > 0) this.perToken.set(tokenId, left);
      else this.perToken.delete(tokenId);
    });
  }

  /** Token bucket: `maxMessagesPerSecond` a second, bursts of two seconds' worth. */
  private takeCredit(conn: Conn): boolean {
    const rate = this.options.limits.maxMessagesPerSecond;
    const now = Date.now();
    conn.credits = Math.min(2 * rate, conn.credits + ((now - conn.creditsAt) / 1000) * rate);
    conn.creditsAt = now;
    if (conn.credits < 1) return false;
    conn.credits -= 1;
    return true;
  }

  /** Revocation reaches open connections: each token in use is re-checked every few seconds. */
  private async recheckTokens(): Promise<void> {
    if (this.recheckRunning) return; // a slow store: the previous check is still going
    this.recheckRunning = true;
    try {
      await this.recheckOnce();
    } finally {
      this.recheckRunning = false;
    }
  }

  private async recheckOnce(): Promise<void> {
    const verdict = new Map<number, boolean>();
    for (const [ws, conn] of [...this.conns]) {
      if (conn.closing) continue;
      let active = verdict.get(conn.tokenId);
      if (active === undefined) {
        try {
          active = await this.tokens.isActive(conn.tokenId);
        } catch {
          continue; // the store is unavailable: decide at the next check
        }
        verdict.set(conn.tokenId, active);
      }
      if (conn.closing) continue;
      if (!active) {
        conn.closing = true;
        this.fail(
          ws,
          { code: 'unauthorized', message: 'the token of this connection was revoked', field: null },
          null,
        );
      }
    }
  }

  private async onMessage(ws: WebSocket, conn: Conn, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) {
      this.fail(
        ws,
        { code: 'binary_frame', message: 'frames must be JSON text, not binary', field: null },
        null,
      );
      return;
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      if (FATAL.has(parsed.error.code)) this.fail(ws, parsed.error, null);
      else this.sendError(ws, parsed.error, seqOf(text));
      return;
    }
    const msg = parsed.message;
    if (conn.hello === null && msg.type !== 'hello') {
      this.fail(
        ws,
        { code: 'hello_required', message: 'the first message must be hello', field: 'type' },
        null,
      );
      return;
    }
    switch (msg.type) {
      case 'hello': {
        if (conn.hello !== null) {
          this.fail(
            ws,
            { code: 'bad_message', message: 'hello was already sent on this connection', field: 'type' },
            null,
          );
          return;
        }
        if (!this.integrity.acceptsWrites) {
          this.sendError(ws, this.corruptError(), null);
          conn.closing = true;
          ws.close(1011, 'database failed its integrity check');
          return;
        }
        const registered = await this.store.registerAgent(msg, conn.tokenId);
        if (registered.status === 'taken') {
          this.fail(
            ws,
            {
              code: 'agent_id_taken',
              message: `agent id ${JSON.stringify(msg.agentId)} is registered to another token; each agent keeps its own id (and state dir)`,
              field: 'agentId',
            },
            null,
          );
          return;
        }
        const lastSeq = await this.store.lastSeq(msg.agentId);
        if (ws.readyState !== ws.OPEN) return; // closed while the store answered: never counted
        conn.hello = msg;
        conn.platforms = new Set(msg.platforms.map((p) => p.id));
        this.metrics.agentsConnected.inc();
        this.send(ws, {
          type: 'welcome',
          protocolVersion: PROTOCOL_VERSION,
          agentId: msg.agentId,
          lastSeq,
          serverTime: new Date().toISOString(),
        });
        return;
      }
      case 'heartbeat':
        this.send(ws, { type: 'heartbeat', sentAt: new Date().toISOString() });
        return;
      case 'measurements': {
        const undeclared = msg.records.findIndex((r) => !conn.platforms.has(r.platform));
        if (undeclared >= 0) {
          const field = `records[${undeclared}].platform`;
          this.sendError(
            ws,
            {
              code: 'unknown_platform',
              message: `${field}: platform ${JSON.stringify(msg.records[undeclared]!.platform)} was not declared in hello`,
              field,
            },
            msg.seq,
          );
          return;
        }
        if (!this.integrity.acceptsWrites) {
          this.sendError(ws, this.corruptError(), msg.seq);
          return;
        }
        const agentId = conn.hello!.agentId;
        this.queue.enqueue({
          agentId,
          seq: msg.seq,
          records: msg.records,
          done: (outcome) => {
            if (outcome.status === 'stored')
              this.send(ws, { type: 'ack', seq: msg.seq, stored: outcome.stored, duplicate: false });
            else if (outcome.status === 'duplicate')
              this.send(ws, { type: 'ack', seq: msg.seq, stored: 0, duplicate: true });
            else if (outcome.status === 'backwards') {
              this.sendError(
                ws,
                {
                  code: 'seq_backwards',
                  message: `seq ${msg.seq} is below the last committed seq ${outcome.lastSeq} of agent ${agentId} and was never received`,
                  field: 'seq',
                },
                msg.seq,
              );
            } else this.sendError(ws, { code: 'internal', message: outcome.message, field: null }, msg.seq);
          },
        });
        return;
      }
    }
  }

  private corruptError(): ProtocolError {
    return {
      code: 'internal',
      message: `the collector's database failed its integrity check (${this.integrity.state.detail}); nothing is acknowledged until an operator repairs it — keep the records and retry later`,
      field: null,
    };
  }

  private send(ws: WebSocket, message: ServerMessage): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.options.maxBufferedBytes) {
      // The peer stopped reading; dropping it keeps memory bounded. Unacked batches are resent by the agent.
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(message));
  }

  private sendError(ws: WebSocket, error: ProtocolError, seq: number | null): void {
    this.metrics.protocolErrors.inc({ code: error.code });
    this.send(ws, { type: 'error', code: error.code, message: error.message, field: error.field, seq });
  }

  /** Sends the error, then closes with 1008 (policy violation) or 1003 (binary). */
  private fail(ws: WebSocket, error: ProtocolError, seq: number | null): void {
    this.sendError(ws, error, seq);
    ws.close(error.code === 'binary_frame' ? 1003 : 1008, error.code);
  }

  private ping(): void {
    for (const [ws, conn] of this.conns) {
      if (!conn.alive) {
        ws.terminate();
        continue;
      }
      conn.alive = false;
      ws.ping();
    }
  }

  /**
   * Closes every agent connection with 1001 (going away) after the acks already queued on it, waits
   * up to `graceMs` for the peers to answer, then cuts the rest. Agents reconnect and resend what
   * was not acked.
   */
  async close(graceMs = 1000): Promise<void> {
    clearInterval(this.pinger);
    clearInterval(this.rechecker);
    const open = [...this.conns.keys()];
    const closed = open.map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
    for (const ws of open) ws.close(1001, 'collector shutting down');
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    for (const ws of this.conns.keys()) ws.terminate();
    this.conns.clear();
    this.wss.close();
    // Frames received before the close are still handled (queued batches get stored).
    await Promise.all([...this.inFlight]);
  }
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function byteLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** Best effort: the seq of an invalid batch, so the error can name it. */
function seqOf(text: string): number | null {
  const m = /"seq"\s*:\s*(\d{1,15})/.exec(text);
  return m ? Number(m[1]) : null;
}
