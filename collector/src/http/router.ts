import type { IncomingMessage, ServerResponse } from 'node:http';

/** An HTTP failure the client caused or can act on; becomes `{error: {status, message, field}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface RouteRequest {
  readonly raw: IncomingMessage;
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** the body, at most `maxBodyBytes` (413 beyond) */
  body(): Promise<Buffer>;
  /** the body parsed as JSON (400 if it is not) */
  json(): Promise<unknown>;
}

export type RouteHandler = (req: RouteRequest, res: ServerResponse) => void | Promise<void>;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: string[];
  readonly handler: RouteHandler;
}

/**
 * A small path router: `/v1/platforms/:id/models/:version`. Extra route modules (the dashboard)
 * mount themselves with `router.get('/', …)`; see `http/mounts.ts`.
 */
export class Router {
  private readonly routes: Route[] = [];

  constructor(private readonly maxBodyBytes: number) {}

  get(path: string, handler: RouteHandler): this {
    return this.add('GET', path, handler);
  }

  post(path: string, handler: RouteHandler): this {
    return this.add('POST', path, handler);
  }

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          names.push(seg.slice(1));
          return '([^/]+)';
        }
        if (seg === '*') {
          names.push('rest');
          return '(.*)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** Dispatches; answers 404/405 itself and turns thrown errors into JSON error bodies. */
  async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(raw.url ?? '/', 'http://collector');
    const method = raw.method ?? 'GET';
    let pathMatched = false;
    try {
      for (const route of this.routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => {
          params[name] = decodeURIComponent(m[i + 1]!);
        });
        await route.handler(this.request(raw, method, url, params), res);
        return;
      }
      if (pathMatched) throw new HttpError(405, `${method} is not allowed on ${url.pathname}`);
      throw new HttpError(404, `no route for ${method} ${url.pathname}`);
    } catch (err) {
      if (res.headersSent) {
        res.destroy(err as Error);
        return;
      }
      if (err instanceof HttpError)
        sendJson(res, err.status, { error: { status: err.status, message: err.message, field: err.field } });
      else sendJson(res, 500, { error: { status: 500, message: (err as Error).message, field: null } });
    }
  }

  private request(
    raw: IncomingMessage,
    method: string,
    url: URL,
    params: Record<string, string>,
  ): RouteRequest {
    let cached: Promise<Buffer> | null = null;
    const body = (): Promise<Buffer> => {
      cached ??= readBody(raw, this.maxBodyBytes);
      return cached;
    };
    return {
      raw,
      method,
      path: url.pathname,
      params,
      query: url.searchParams,
      body,
      json: async () => {
        const buf = await body();
        try {
          return JSON.parse(buf.toString('utf8')) as unknown;
        } catch (err) {
          throw new HttpError(400, `request body is not valid JSON: ${(err as Error).message}`);
        }
      },
    };
  }
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
