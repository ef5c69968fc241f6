/**
 * A loopback TCP forwarder standing in for a Kubernetes Service in front of collector replicas:
 * each new connection goes to the first upstream that accepts it, so once a replica is dead (its
 * port refuses), reconnecting agents land on the next one. Established connections are piped
 * both ways and closed together. Bytes are not inspected: TLS or WebSocket pass through as is.
 * `holdReplies` models a network that loses the replies: from then on nothing the replicas send
 * reaches the clients (acks of committed batches included), while requests still get through.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** connections forwarded so far, per upstream port */
  readonly forwarded: ReadonlyMap<number, number>;
  /** Drops every byte from the replicas to the clients until `releaseReplies`. */
  holdReplies(): void;
  releaseReplies(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(upstreamPorts: readonly number[]): Promise<TcpProxy> {
  const forwarded = new Map<number, number>();
  const open = new Set<Socket>();
  let holding = false;
  const dial = (client: Socket, index: number) => {
    if (index >= upstreamPorts.length || client.destroyed) {
      client.destroy();
      return;
    }
    const port = upstreamPorts[index]!;
    const upstream = connect({ host: '127.0.0.1', port });
    open.add(upstream);
    upstream.once('close', () => open.delete(upstream));
    const refused = () => dial(client, index + 1);
    upstream.once('error', refused);
    upstream.once('connect', () => {
      upstream.off('error', refused);
      forwarded.set(port, (forwarded.get(port) ?? 0) + 1);
      client.pipe(upstream);
      upstream.on('data', (chunk: Buffer) => {
        if (!holding) client.write(chunk);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', end);
      upstream.on('close', end);
      client.on('error', end);
      client.on('close', end);
      client.resume();
    });
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    dial(client, 0);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as { port: number }).port,
    forwarded,
    holdReplies: () => {
      holding = true;
    },
    releaseReplies: () => {
      holding = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
