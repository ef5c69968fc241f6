import type { AddressInfo } from 'node:net';
import { type ClientMessage, parseClientMessage } from '@neuralpower/protocol';
import { WebSocketServer } from 'ws';

/**
 * A minimal collector for stream tests: checks the bearer token, answers hello with welcome,
 * stores each new seq once and acks it. `dropBeforeAck(n)` makes it commit the next n batches and
 * then cut the connection instead of acking (the "ack lost" case).
 */
export class FakeCollector {
  readonly batches = new Map<number, ClientMessage & { type: 'measurements' }>();
  readonly received: number[] = [];
  hellos = 0;
  private drop = 0;
  private constructor(
    private readonly wss: WebSocketServer,
    readonly token: string,
  ) {}

  static async start(token = 'secret', port = 0): Promise<FakeCollector> {
    const wss = new WebSocketServer({
      port,
      host: '127.0.0.1',
      verifyClient: (info, cb) => cb(info.req.headers.authorization === `Bearer ${token}`, 401),
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    const fc = new FakeCollector(wss, token);
    wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const parsed = parseClientMessage(data.toString());
        if (!parsed.ok) {
          ws.send(JSON.stringify({ type: 'error', ...parsed.error }));
          return;
        }
        const m = parsed.message;
        if (m.type === 'hello') {
          fc.hellos++;
          const seqs = [...fc.batches.keys()];
          ws.send(
            JSON.stringify({
              type: 'welcome',
              protocolVersion: 1,
              agentId: m.agentId,
              lastSeq: seqs.length ? Math.max(...seqs) : null,
              serverTime: new Date().toISOString(),
            }),
          );
        } else if (m.type === 'measurements') {
          fc.received.push(m.seq);
          const duplicate = fc.batches.has(m.seq);
          if (!duplicate) fc.batches.set(m.seq, m);
          if (fc.drop > 0) {
            fc.drop--;
            ws.terminate();
            return;
          }
          ws.send(
            JSON.stringify({ type: 'ack', seq: m.seq, stored: duplicate ? 0 : m.records.length, duplicate }),
          );
        }
      });
    });
    return fc;
  }

  get port(): number {
    return (this.wss.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  dropBeforeAck(n: number): void {
    this.drop = n;
  }

  /** Every stored record, in seq order. */
  records(): unknown[] {
    return [...this.batches.entries()].sort(([a], [b]) => a - b).flatMap(([, m]) => m.records);
  }

  close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    return new Promise((r) => this.wss.close(() => r()));
  }
}
