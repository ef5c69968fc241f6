import { parseServerMessage, type ServerMessage } from '@neuralpower/protocol';
import WebSocket from 'ws';

export interface Closed {
  readonly type: 'closed';
  readonly code: number;
  readonly reason: string;
}

/**
 * A bare protocol client over a real WebSocket: sends whatever it is given (valid or not) and
 * queues what the collector answers, so a test can assert on every reply and on the close.
 */
export class ProtocolClient {
  private readonly queue: (ServerMessage | Closed)[] = [];
  private readonly waiters: ((m: ServerMessage | Closed) => void)[] = [];
  /** frames from the collector that did not validate as server messages (must stay empty) */
  readonly invalidReplies: string[] = [];
  closed: Closed | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const text = data.toString();
      const parsed = parseServerMessage(text);
      if (!parsed.ok) {
        this.invalidReplies.push(text);
        return;
      }
      this.deliver(parsed.message);
    });
    ws.on('close', (code, reason) => {
      this.closed = { type: 'closed', code, reason: reason.toString() };
      this.deliver(this.closed);
    });
    // Errors are followed by 'close'; the close is what tests look at.
    ws.on('error', () => undefined);
  }

  private deliver(m: ServerMessage | Closed): void {
    const w = this.waiters.shift();
    if (w) w(m);
    else this.queue.push(m);
  }

  static connect(url: string, token: string | null, timeoutMs = 15_000): Promise<ProtocolClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, {
        headers: token === null ? {} : { authorization: `Bearer ${token}` },
        handshakeTimeout: timeoutMs,
      });
      const client = new ProtocolClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        reject(new Error(`upgrade refused with HTTP ${res.statusCode}`));
      });
      ws.once('error', reject);
    });
  }

  /** Sends text (a string or raw bytes flagged as text) or a binary frame. */
  send(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  /** The next reply, or the close if the connection ends first. */
  next(timeoutMs = 15_000): Promise<ServerMessage | Closed> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const waiter = (m: ServerMessage | Closed) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no reply from the collector within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for the close (skipping replies that come before it). */
  async waitClosed(timeoutMs = 15_000): Promise<Closed> {
    for (;;) {
      const m = await this.next(timeoutMs);
      if (m.type === 'closed') return m;
    }
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.terminate();
  }
}

/** The HTTP status and body with which the collector answers an upgrade it refuses. */
export function upgradeRefusal(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('open', () => {
      ws.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    ws.once('error', () => undefined);
  });
}
