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

  constructor(
    private readonly maxBodyBytes: number,
    /** unexpected (non-HttpError) failures: a bug, logged with the request line */
    private readonly onError: (err: unknown, req: IncomingMessage) => void = logError,
  ) {}

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

  /**
   * Dispatches; answers 404/405 itself and turns thrown errors into JSON error bodies. Never
   * rejects: whatever the request target, headers or body, the answer is a response (4xx for what
   * the client sent, 500 plus a log line for a bug) and the process keeps serving.
   */
  async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = raw.method ?? 'GET';
    try {
      const url = parseTarget(raw.url);
      const path = decodePath(url.pathname);
      let pathMatched = false;
      for (const route of this.routes) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        pathMatched = true;
        if (route.method !== method && !(route.method === 'GET' && method === 'HEAD')) continue;
        const params: Record<string, string> = {};
        route.names.forEach((name, i) => {
          params[name] = decodeSegment(m[i + 1]!, name);
        });
        await route.handler(this.request(raw, method, url, path, params), res);
        return;
      }
      if (pathMatched) throw new HttpError(405, `${method} is not allowed on ${path}`);
      throw new HttpError(404, `no route for ${method} ${path}`);
    } catch (err) {
      this.fail(raw, res, err);
    }
  }

  private fail(raw: IncomingMessage, res: ServerResponse, err: unknown): void {
    try {
      if (!(err instanceof HttpError)) this.onError(err, raw);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (err instanceof HttpError)
        sendJson(res, err.status, { error: { status: err.status, message: err.message, field: err.field } });
      else sendJson(res, 500, { error: { status: 500, message: 'internal error (logged)', field: null } });
    } catch {
      // The socket is gone or the response half-written: nothing more can be said to this client.
      res.destroy();
    }
  }

  private request(
    raw: IncomingMessage,
    method: string,
    url: URL,
    path: string,
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
      path,
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

/**
 * The request target as a URL: origin-form (`/a/b?c`) or absolute-form (`http://h/a/b?c`). `//`,
 * `//host/x` and asterisk-form (`*`) are refused with 400 rather than resolved against something
 * (`new URL('//', base)` throws: that was the crash).
 */
function parseTarget(target: string | undefined): URL {
  const text = target ?? '/';
  if (/^https?:\/\//i.test(text)) {
    // Absolute-form (what a client sends through a proxy): its path and query are the target.
    let absolute: URL;
    try {
      absolute = new URL(text);
    } catch {
      throw new HttpError(400, `request target is not a valid URL: ${show(text)}`);
    }
    return parseTarget(absolute.pathname + absolute.search);
  }
  if (!text.startsWith('/') || text.startsWith('//')) {
    throw new HttpError(400, `request target must be a path starting with a single / (got ${show(text)})`);
  }
  try {
    return new URL(text, 'http://collector');
  } catch {
    throw new HttpError(400, `request target is not a valid path: ${show(text)}`);
  }
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    throw new HttpError(400, `request path has a malformed % escape: ${show(pathname)}`);
  }
}

function decodeSegment(segment: string, name: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, `${name} has a malformed % escape: ${show(segment)}`, name);
  }
}

/** A client-chosen string in an error message: quoted and cut, so an answer stays small. */
function show(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** One JSON line on stderr per unexpected request failure. */
export function logError(err: unknown, req: IncomingMessage): void {
  const line = JSON.stringify({
    level: 'error',
    msg: 'request failed',
    method: req.method,
    target: (req.url ?? '').slice(0, 200),
    err: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  process.stderr.write(`${line}\n`);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const tooLarge = (what: string) => {
      // Keep reading (and dropping) the rest, so the client gets its 413 instead of a reset socket.
      req.removeAllListeners('data');
      req.resume();
      reject(new HttpError(413, `request body ${what} exceeds the limit of ${limit} bytes (--max-body-mb)`));
    };
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      tooLarge(`of ${declared} bytes`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge('sent');
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
