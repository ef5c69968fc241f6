import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** HTTP status, or null when the connection closed without a status line */
  readonly status: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Sends `request` byte for byte (no client library normalises the target or headers) and reads the
 * answer until the server closes or `timeoutMs` passes. `Connection: close` is the caller's to add.
 */
export function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(chunks).toString('latin1')));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', done);
    socket.on('close', done);
    socket.write(request);
  });
}

function parseAnswer(answer: string): RawAnswer {
  let text = answer;
  // Interim answers (100 Continue) come before the final one.
  while (/^HTTP\/1\.[01] 1\d\d /.test(text) && text.includes('\r\n\r\n')) {
    text = text.slice(text.indexOf('\r\n\r\n') + 4);
  }
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text);
  if (!m) return { status: null, headers: {}, body: text };
  const end = text.indexOf('\r\n\r\n');
  const headers: Record<string, string> = {};
  for (const line of text.slice(m[0].length, end).split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = end < 0 ? '' : text.slice(end + 4);
  if (headers['transfer-encoding'] === 'chunked') body = unchunk(body);
  return { status: Number(m[1]), headers, body };
}

function unchunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    if (nl < 0) return out;
    const size = Number.parseInt(rest.slice(0, nl), 16);
    if (!(size > 0)) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}

/** A GET with the given target and headers, the connection closed after the answer. */
export function rawGet(
  port: number,
  target: string,
  headers: Record<string, string> = {},
): Promise<RawAnswer> {
  const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return rawRequest(port, `${lines.join('\r\n')}\r\n\r\n`);
}

/**
 * A WebSocket client that writes frames by hand, to do what well-behaved clients cannot: hold a
 * message unfinished, flood. Frames are masked, as a client's must be.
 */
export class RawWebSocket {
  closed = false;
  received = '';
  private constructor(readonly socket: Socket) {
    socket.on('close', () => {
      this.closed = true;
    });
    socket.on('error', () => undefined);
  }

  static open(port: number, token: string): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let head = '';
      const onData = (d: Buffer) => {
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        if (!head.startsWith('HTTP/1.1 101')) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
          return;
        }
        const ws = new RawWebSocket(socket);
        ws.received += head.slice(end + 4);
        socket.on('data', (more: Buffer) => {
          ws.received += more.toString('latin1');
          ws.answerPings(more);
        });
        resolve(ws);
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.write(
        [
          'GET /v1/agents HTTP/1.1',
          'Host: 127.0.0.1',
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          `Authorization: Bearer ${token}`,
          '',
          '',
        ].join('\r\n'),
      );
    });
  }

  /** A frame: `fin` false leaves the message unfinished; opcode 1 text, 0 continuation, 0xA pong. */
  frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
    const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
    const len = data.length;
    const ext = len > 65_535 ? 8 : len > 125 ? 2 : 0;
    const header = Buffer.alloc(2 + ext + 4);
    header[0] = (fin ? 0x80 : 0) | opcode;
    header[1] = 0x80 | (ext === 8 ? 127 : ext === 2 ? 126 : len);
    if (ext === 2) header.writeUInt16BE(len, 2);
    if (ext === 8) header.writeBigUInt64BE(BigInt(len), 2);
    const mask = randomBytes(4);
    mask.copy(header, 2 + ext);
    const masked = Buffer.alloc(len);
    for (let i = 0; i < len; i++) masked[i] = data[i]! ^ mask[i % 4]!;
    return Buffer.concat([header, masked]);
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Answers server pings with pongs, as a peer that wants to look alive does. */
  private answerPings(chunk: Buffer): void {
    // Server frames are unmasked; a ping is 0x89 <len> <payload>. Good enough for short pings.
    for (let i = 0; i + 1 < chunk.length; i++) {
      if (chunk[i] === 0x89 && chunk[i + 1]! <= 125) {
        this.write(this.frame(0xa, chunk.subarray(i + 2, i + 2 + chunk[i + 1]!)));
      }
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
