import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { TokenStore } from './auth/tokens.js';
import { CampaignService } from './campaigns/service.js';
import type { FitOptions } from './fit/fit-job.js';
import { watchNetworkCorrection } from './fit/network-correction-watch.js';
import { FitScheduler } from './fit/scheduler.js';
import type { CollectorContext } from './http/context.js';
import { ROUTE_MOUNTS, type RouteMount } from './http/mounts.js';
import { logError, Router } from './http/router.js';
import { AgentSocket } from './ingest/agent-socket.js';
import { BatchQueue } from './ingest/batch-queue.js';
import { type CollectorLimits, DEFAULT_LIMITS } from './limits.js';
import { CollectorMetrics } from './metrics.js';
import { ModelCache } from './predict/model-cache.js';
import { PredictService } from './predict/predict-service.js';
import { openStore } from './store/registry.js';
import type { Synchronous } from './store/store.js';

export interface CollectorOptions {
  /** the database: a SQLite file path (created with the schema if missing) or a postgres:// URL (store/registry.ts) */
  readonly db: string;
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 7070; 0 picks a free port */
  readonly port?: number;
  /** PEM certificate and key: serve HTTPS and WSS */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** SQLite only, default `full`; see store/store.ts */
  readonly synchronous?: Synchronous;
  /** fit a (platform, kind) after this many new measurements; 0 = only on request (default 200) */
  readonly fitEvery?: number;
  readonly fit?: FitOptions;
  /** largest WebSocket frame, default 8 MiB */
  readonly maxPayloadBytes?: number;
  /** largest HTTP request body, default 64 MiB (ONNX files travel as base64); same as `limits.maxBodyBytes` */
  readonly maxBodyBytes?: number;
  /** connection, rate and size limits; see limits.ts for the defaults */
  readonly limits?: Partial<CollectorLimits>;
  /** queries, export, predictions and the dashboard's data need no token (default false) */
  readonly publicRead?: boolean;
  /** SQLite: PRAGMA quick_check at start: how long to wait for it before serving (default 10 s; it goes on in the background) */
  readonly integrityTimeoutMs?: number;
  /** skip the start-up integrity check (default false) */
  readonly skipIntegrityCheck?: boolean;
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
  /** Flushes pending batches (acking them), closes agents, stops fits, closes the store. */
  close(): Promise<void>;
}

/** Starts a collector; resolves once it listens. */
export async function startCollector(options: CollectorOptions): Promise<RunningCollector> {
  const limits: CollectorLimits = {
    ...DEFAULT_LIMITS,
    ...(options.maxBodyBytes !== undefined && { maxBodyBytes: options.maxBodyBytes }),
    ...options.limits,
  };
  const store = await openStore(options.db, {
    exclusive: true,
    synchronous: options.synchronous ?? 'full',
    integrityCheck: options.skipIntegrityCheck ? 'skip' : { timeoutMs: options.integrityTimeoutMs ?? 10_000 },
  });
  const metrics = new CollectorMetrics({ defaultMetrics: options.processMetrics ?? true });
  store.registerMetrics(metrics.registry);
  const integrity = store.integrity;
  integrity.onChange((state) => {
    for (const status of ['ok', 'corrupt', 'checking', 'skipped'] as const)
      metrics.dbIntegrity.set({ status }, state.status === status ? 1 : 0);
    if (state.status === 'corrupt') {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: 'database integrity check failed: nothing will be acknowledged', db: store.description, detail: state.detail })}\n`,
      );
    }
  });
  const tokens = new TokenStore(store.tokens);
  const fits = new FitScheduler(store, metrics, options.fitEvery ?? 200, options.fit ?? {});
  const campaigns = new CampaignService(store, fits);
  const queue = new BatchQueue(
    store.ingest,
    metrics,
    (counts) => {
      fits.onCommitted(counts);
      campaigns.onCommitted(counts);
    },
    integrity,
  );
  const agents = new AgentSocket(tokens, store.ingest, queue, metrics, integrity, {
    maxPayloadBytes: options.maxPayloadBytes ?? 8 * 1024 * 1024,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    maxBufferedBytes: 4 * 1024 * 1024,
    limits,
  });
  const modelCache = new ModelCache(store.models);
  const unsubscribe = store.onModelVersionChange(modelCache.invalidate);
  watchNetworkCorrection(fits, {
    models: store.models,
    cache: modelCache,
    networkRecords: (id) => store.queries.networkRecords(id),
  });
  const predict = new PredictService(
    store.models,
    modelCache,
    (id) => store.queries.platformExists(id),
    limits,
  );
  const context: CollectorContext = {
    store,
    tokens,
    models: store.models,
    queries: store.queries,
    fits,
    predict,
    metrics,
    agents,
    integrity,
    limits,
    publicRead: options.publicRead ?? false,
    campaigns,
    startedAt: new Date(),
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all([fits.close(), agents.close(0), campaigns.close()]);
    unsubscribe();
    await store.close();
  };
  try {
    await fits.start();
    await campaigns.start();
  } catch (err) {
    await stopAll();
    throw err;
  }
  const router = new Router(limits.maxBodyBytes, (err, req) => {
    integrity.observe(err);
    logError(err, req);
  });
  for (const mount of [...(options.mounts ?? []), ...ROUTE_MOUNTS]) mount(router, context);

  const handler = (req: Parameters<Router['handle']>[0], res: Parameters<Router['handle']>[1]) => {
    // handle() answers every failure itself; this catch is the last line, never the plan.
    router.handle(req, res).catch((err: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: 'unhandled request failure', err: String(err) })}\n`,
      );
      res.destroy();
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createHttpServer(handler);
  server.on('upgrade', (req, socket, head) => {
    agents.handleUpgrade(req, socket, head).catch((err: unknown) => {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', msg: 'upgrade failed', err: String(err) })}\n`,
      );
      socket.destroy();
    });
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket));

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(options.port ?? 7070, options.host ?? '127.0.0.1', () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (err) {
    await stopAll();
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
        const flushed = queue.flush();
        server.closeIdleConnections();
        await Promise.all([flushed, agents.close(), fits.close(), campaigns.close()]);
        // Batches that arrived during the close handshake: stored now; their acks may not reach
        // the agent, which then resends and gets a duplicate ack.
        await queue.flush();
        await Promise.race([stopped, new Promise((ok) => setTimeout(ok, 2000).unref())]);
        server.closeAllConnections();
        unsubscribe();
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * A request Node's HTTP parser refused (malformed line or header, headers too large, timeout): a
 * JSON error like every other answer, then the connection closes.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, 'Bad Request'];
  const body = JSON.stringify({
    error: { status, message: `malformed HTTP request: ${err.code ?? err.message}`, field: null },
  });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
