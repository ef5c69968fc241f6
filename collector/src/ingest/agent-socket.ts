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
import { bearerToken, type TokenStore } from '../auth/tokens.js';
import type { IngestStore } from '../db/ingest-store.js';
import type { CollectorMetrics } from '../metrics.js';
import type { BatchQueue } from './batch-queue.js';

export interface AgentSocketOptions {
  /** largest accepted frame; bigger ones close the connection with 1009 */
  readonly maxPayloadBytes: number;
  /** ping interval; a connection that missed a whole interval's pong is dropped */
  readonly pingIntervalMs: number;
  /** an agent that does not read its acks cannot make the collector buffer without bound */
  readonly maxBufferedBytes: number;
}

/** Errors after which the conversation cannot go on: the connection is closed. */
const FATAL: ReadonlySet<ProtocolError['code']> = new Set([
  'bad_json',
  'binary_frame',
  'bad_message',
  'unknown_type',
  'unsupported_version',
  'hello_required',
]);

interface Conn {
  hello: Hello | null;
  platforms: Set<string>;
  tokenId: number;
  alive: boolean;
}

/** The `/v1/agents` WebSocket endpoint: authenticates upgrades, validates frames, queues batches. */
export class AgentSocket {
  private readonly wss: WebSocketServer;
  private readonly conns = new Map<WebSocket, Conn>();
  private readonly pinger: NodeJS.Timeout;

  constructor(
    private readonly tokens: TokenStore,
    private readonly store: IngestStore,
    private readonly queue: BatchQueue,
    private readonly metrics: CollectorMetrics,
    private readonly options: AgentSocketOptions,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxPayloadBytes,
      clientTracking: false,
    });
    this.pinger = setInterval(() => this.ping(), options.pingIntervalMs);
    this.pinger.unref();
  }

  get connected(): number {
    return this.conns.size;
  }

  /** `server.on('upgrade')`: refuses with 401 before any WebSocket exists when the token is wrong. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path !== AGENTS_PATH) {
      refuse(socket, 404, 'Not Found', `WebSocket endpoint is ${AGENTS_PATH}`);
      return;
    }
    const secret = bearerToken(req.headers.authorization);
    let token: ReturnType<TokenStore['verify']>;
    try {
      token = secret === null ? null : this.tokens.verify(secret);
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
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, token.id));
  }

  private accept(ws: WebSocket, tokenId: number): void {
    const conn: Conn = { hello: null, platforms: new Set(), tokenId, alive: true };
    this.conns.set(ws, conn);
    ws.on('pong', () => {
      conn.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      conn.alive = true;
      try {
        this.onMessage(ws, conn, data, isBinary);
      } catch (err) {
        // A bug or store failure on one connection must not take the collector down.
        this.sendError(ws, { code: 'internal', message: (err as Error).message, field: null }, null);
      }
    });
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (conn.hello) this.metrics.agentsConnected.dec();
      this.conns.delete(ws);
    });
  }

  private onMessage(ws: WebSocket, conn: Conn, data: RawData, isBinary: boolean): void {
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
        this.store.registerAgent(msg, conn.tokenId);
        conn.hello = msg;
        conn.platforms = new Set(msg.platforms.map((p) => p.id));
        this.metrics.agentsConnected.inc();
        this.send(ws, {
          type: 'welcome',
          protocolVersion: PROTOCOL_VERSION,
          agentId: msg.agentId,
          lastSeq: this.store.lastSeq(msg.agentId),
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
    const open = [...this.conns.keys()];
    const closed = open.map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
    for (const ws of open) ws.close(1001, 'collector shutting down');
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    for (const ws of this.conns.keys()) ws.terminate();
    this.conns.clear();
    this.wss.close();
  }
}

function refuse(socket: Duplex, status: number, reason: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Best effort: the seq of an invalid batch, so the error can name it. */
function seqOf(text: string): number | null {
  const m = /"seq"\s*:\s*(\d{1,15})/.exec(text);
  return m ? Number(m[1]) : null;
}
