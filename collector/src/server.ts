import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { TokenStore } from './auth/tokens.js';
import { IngestStore } from './db/ingest-store.js';
import { ModelStore } from './db/models-store.js';
import { openDatabase, type Synchronous } from './db/open.js';
import { QueryStore } from './db/query-store.js';
import type { FitOptions } from './fit/fit-job.js';
import { FitScheduler } from './fit/scheduler.js';
import type { CollectorContext } from './http/context.js';
import { ROUTE_MOUNTS, type RouteMount } from './http/mounts.js';
import { Router } from './http/router.js';
import { AgentSocket } from './ingest/agent-socket.js';
import { BatchQueue } from './ingest/batch-queue.js';
import { CollectorMetrics } from './metrics.js';
import { ModelCache } from './predict/model-cache.js';
import { PredictService } from './predict/predict-service.js';

export interface CollectorOptions {
  /** SQLite file; created with the schema if missing */
  readonly dbPath: string;
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 7070; 0 picks a free port */
  readonly port?: number;
  /** PEM certificate and key: serve HTTPS and WSS */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** default `full`; see db/open.ts */
  readonly synchronous?: Synchronous;
  /** fit a (platform, kind) after this many new measurements; 0 = only on request (default 200) */
  readonly fitEvery?: number;
  readonly fit?: FitOptions;
  /** largest WebSocket frame, default 8 MiB */
  readonly maxPayloadBytes?: number;
  /** largest HTTP request body, default 64 MiB (ONNX files travel as base64) */
  readonly maxBodyBytes?: number;
  /** WebSocket ping interval, default 30 s */
  readonly pingIntervalMs?: number;
  /** extra route modules, mounted before the built-in ones */
  readonly mounts?: readonly RouteMount[];
  /** Node process metrics on /metrics (default true) */
  readonly processMetrics?: boolean;
}

export interface RunningCollector {
  /** `http://host:port` (or https) */
  readonly url: string;
  /** `ws://host:port/v1/agents` (or wss) */
  readonly wsUrl: string;
  readonly port: number;
  readonly context: CollectorContext;
  /** Flushes pending batches (acking them), closes agents, stops fits, closes the database. */
  close(): Promise<void>;
}

/** Starts a collector; resolves once it listens. */
export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const dbPath = resolve(options.dbPath);
  const db = openDatabase(dbPath, { synchronous: options.synchronous ?? 'full' });
  const metrics = new CollectorMetrics({ defaultMetrics: options.processMetrics ?? true });
  const tokens = new TokenStore(db);
  const ingest = new IngestStore(db);
  const models = new ModelStore(db);
  const queries = new QueryStore(db);
  const fits = new FitScheduler(db, dbPath, models, metrics, options.fitEvery ?? 200, options.fit ?? {});
  const queue = new BatchQueue(ingest, metrics, (counts) => fits.onCommitted(counts));
  const agents = new AgentSocket(tokens, ingest, queue, metrics, {
    maxPayloadBytes: options.maxPayloadBytes ?? 8 * 1024 * 1024,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    maxBufferedBytes: 4 * 1024 * 1024,
  });
  const platformExists = db.prepare('SELECT 1 FROM platforms WHERE id = ?').pluck();
  const predict = new PredictService(
    models,
    new ModelCache(models),
    (id) => platformExists.get(id) !== undefined,
  );
  const context: CollectorContext = {
    db,
    dbPath,
    tokens,
    models,
    queries,
    fits,
    predict,
    metrics,
    agents,
    startedAt: new Date(),
  };
  const router = new Router(options.maxBodyBytes ?? 64 * 1024 * 1024);
  for (const mount of [...(options.mounts ?? []), ...ROUTE_MOUNTS]) mount(router, context);

  const handler = (req: Parameters<Router['handle']>[0], res: Parameters<Router['handle']>[1]) => {
    void router.handle(req, res);
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(handler);
  server.on('upgrade', (req, socket, head) => agents.handleUpgrade(req, socket, head));
  server.on('clientError', (_err, socket) => socket.destroy());

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 7070, options.host ?? '127.0.0.1', () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    await fits.close();
    db.close();
    throw new Error(
      `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 7070}: ${(err as Error).message}`,
    );
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const scheme = options.tls ? 'https' : 'http';
  const url = `${scheme}://${host}:${address.port}`;
  let closing: Promise<void> | null = null;

  return {
    url,
    wsUrl: `${options.tls ? 'wss' : 'ws'}://${host}:${address.port}/v1/agents`,
    port: address.port,
    context,
    close: () => {
      closing ??= (async () => {
        const stopped = new Promise<void>((ok) => server.close(() => ok()));
        queue.flush();
        server.closeIdleConnections();
        await Promise.all([agents.close(), fits.close()]);
        // Batches that arrived during the close handshake: stored now; their acks may not reach
        // the agent, which then resends and gets a duplicate ack.
        queue.flush();
        await Promise.race([stopped, new Promise((ok) => setTimeout(ok, 2000).unref())]);
        server.closeAllConnections();
        db.close();
      })();
      return closing;
    },
  };
}
