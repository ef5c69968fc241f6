import type { Rng } from './rng.js';

/** One fuzzed HTTP request: raw bytes, and what was drawn (for the failure message and the tally). */
export interface FuzzRequest {
  readonly kind: string;
  readonly method: string;
  readonly target: string;
  readonly bytes: Buffer;
}

export interface FuzzTokens {
  readonly agent: string;
  readonly read: string;
  readonly admin: string;
}

const ROUTES = [
  '/',
  '/healthz',
  '/metrics',
  '/v1/openapi.json',
  '/v1/platforms',
  '/v1/platforms/:id',
  '/v1/platforms/:id/keys',
  '/v1/platforms/:id/models',
  '/v1/platforms/:id/models/:version',
  '/v1/platforms/:id/models/rollback',
  '/v1/platforms/:id/fit',
  '/v1/platforms/:id/validation',
  '/v1/predict',
  '/v1/measurements.csv',
  '/dashboard/app.js',
  '/dashboard/api/zoo',
  '/dashboard/api/platforms/:id/fit-points',
  '/dashboard/vendor/chart.umd.js',
  '/v1/agents',
];

const ODD_SEGMENTS = [
  '',
  '.',
  '..',
  '%',
  '%2',
  '%zz',
  '%E0%A4%A',
  '%C0%AF',
  '%00',
  '%2F..%2F',
  '..%2f..%2fetc%2fpasswd',
  'ü',
  '%F0%9F%92%A9',
  'a'.repeat(300),
  '-1',
  '0',
  '1e999',
  '9007199254740993',
  'NaN',
  '__proto__',
  'constructor',
];

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'XYZ'];

const WEIRD_VALUES: unknown[] = [
  null,
  true,
  -1,
  0,
  1e308,
  -1e308,
  1.5,
  2 ** 53,
  '',
  'x'.repeat(1000),
  [],
  {},
  [[[[[]]]]],
  { zoo: 'vgg16' },
  { native: {} },
  { keras: { config: { layers: [{}] } } },
  { paleo: { layers: { a: {} } } },
  { onnx: 'AAAA' },
  { onnx: '!!not base64!!' },
  'alexnet',
  'no-such-net',
];

/** Valid-ish bodies for the POST routes, mutated below. */
function baseBody(route: string, platformId: string): Record<string, unknown> {
  if (route.endsWith('/rollback')) return { kind: 'fc', target: 'runtime', to: 1 };
  if (route.endsWith('/fit')) return { kinds: ['fc'] };
  return {
    platform: platformId,
    network: {
      native: {
        name: 'tiny',
        input: [1, 1, 8],
        nodes: [
          { name: 'fc1', spec: { kind: 'fc', units: 4 }, parents: ['input'] },
          { name: 'fc2', spec: { kind: 'fc', units: 2 }, parents: ['fc1'] },
        ],
      },
    },
    batch: 2,
  };
}

function mutate(rng: Rng, value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') {
    return rng.bool(0.3) ? rng.pick(WEIRD_VALUES) : value;
  }
  if (Array.isArray(value)) {
    const out = value.map((v) => (rng.bool(0.3) ? mutate(rng, v, depth + 1) : v));
    if (rng.bool(0.1)) out.push(rng.pick(WEIRD_VALUES));
    if (rng.bool(0.1)) out.splice(0, 1);
    return out;
  }
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const k of Object.keys(out)) {
    if (rng.bool(0.15)) delete out[k];
    else if (rng.bool(0.3)) out[k] = mutate(rng, out[k], depth + 1);
  }
  if (rng.bool(0.1))
    out[rng.pick(['extra', '__proto__', 'version', 'input', 'runtimeFloorMs'])] = rng.pick(WEIRD_VALUES);
  return out;
}

function body(rng: Rng, route: string, platformId: string): { kind: string; data: Buffer } {
  const r = rng.next();
  if (r < 0.08) return { kind: 'empty', data: Buffer.alloc(0) };
  if (r < 0.16) return { kind: 'random bytes', data: rng.bytes(rng.int(1, 400)) };
  if (r < 0.22) return { kind: 'invalid utf-8', data: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) };
  if (r < 0.28) {
    const depth = rng.int(100, 20_000);
    return { kind: 'deep nesting', data: Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`) };
  }
  if (r < 0.34) {
    const text = JSON.stringify(baseBody(route, platformId));
    const at = rng.int(0, text.length - 1);
    return { kind: 'cut JSON', data: Buffer.from(text.slice(0, at)) };
  }
  if (r < 0.4) {
    const text = JSON.stringify(baseBody(route, platformId)).replace(
      /\d+/,
      rng.pick(['NaN', '1e999', '-0', '0x10', '']),
    );
    return { kind: 'bad number', data: Buffer.from(text) };
  }
  return {
    kind: 'mutated JSON',
    data: Buffer.from(JSON.stringify(mutate(rng, baseBody(route, platformId)))),
  };
}

function target(rng: Rng, platformId: string): { kind: string; target: string } {
  const route = rng.pick(ROUTES);
  const fill = (seg: string) => {
    if (seg === ':id') return rng.bool(0.6) ? platformId : rng.pick(ODD_SEGMENTS);
    if (seg === ':version') return rng.pick(['1', '2', ...ODD_SEGMENTS]);
    return seg;
  };
  let path = route.split('/').map(fill).join('/');
  const r = rng.next();
  let kind = 'route';
  if (r < 0.15) {
    kind = 'odd segment';
    path = `${path}/${rng.pick(ODD_SEGMENTS)}`;
  } else if (r < 0.25) {
    kind = 'slashes';
    path = rng.pick(['//', '///', '//x/y', `/${path}`, `${path}//`, '/.//..//']);
  } else if (r < 0.3) {
    kind = 'non-path target';
    path = rng.pick(['*', 'http://127.0.0.1/healthz', 'https://a/b', 'http://[::1/', 'http://x:99999/']);
  } else if (r < 0.35) {
    kind = 'random target';
    path = `/${encodeURI(rng.bytes(rng.int(1, 40)).toString('latin1')).replace(/%25/g, '%')}`;
  }
  if (rng.bool(0.3)) {
    const q = rng.pick([
      'platform=%',
      `platform=${encodeURIComponent('a"; filename="b')}`,
      'from=yesterday',
      'to=2026-13-45',
      'kind=%00',
      'download',
      'a=1&a=2&a=%zz',
      `platform=${'p'.repeat(500)}`,
    ]);
    path += `?${q}`;
  }
  return { kind, target: path };
}

function authorization(rng: Rng, tokens: FuzzTokens): string | null {
  const r = rng.next();
  if (r < 0.25) return null;
  if (r < 0.4) return `Bearer ${tokens.read}`;
  if (r < 0.5) return `Bearer ${tokens.admin}`;
  if (r < 0.6) return `Bearer ${tokens.agent}`;
  return rng.pick([
    'Bearer',
    'Bearer ',
    `Bearer ${tokens.read}x`,
    `bearer ${tokens.read}`,
    `Bearer  ${tokens.read}  `,
    'Basic dXNlcjpwYXNz',
    `Bearer np_${'A'.repeat(43)}`,
    `Bearer ${'x'.repeat(5000)}`,
    'Bearer np_',
    'Bearer \u00ff\u00fe',
  ]);
}

/** A request the collector must answer with a 2xx or a 4xx JSON error, never a 5xx or silence. */
export function fuzzRequest(rng: Rng, platformId: string, tokens: FuzzTokens): FuzzRequest {
  const method = rng.pick(METHODS);
  const { kind: targetKind, target: path } = target(rng, platformId);
  const headers: string[] = ['Host: 127.0.0.1', 'Connection: close'];
  const auth = authorization(rng, tokens);
  if (auth !== null) headers.push(`Authorization: ${auth}`);
  let kind = targetKind;
  let payload: Buffer = Buffer.alloc(0);
  if (method === 'POST' || (method !== 'GET' && method !== 'HEAD' && rng.bool(0.3))) {
    const b = body(rng, path.split('?')[0]!, platformId);
    payload = b.data;
    kind = `${kind} + ${b.kind} body`;
    headers.push(
      `Content-Type: ${rng.pick(['application/json', 'text/plain', 'application/json; charset=latin1', '', 'x/y'])}`,
    );
    if (rng.bool(0.15)) {
      kind += ' (chunked)';
      headers.push('Transfer-Encoding: chunked');
      const chunks =
        payload.length === 0 ? '' : `${payload.length.toString(16)}\r\n${payload.toString('latin1')}\r\n`;
      payload = Buffer.from(`${chunks}0\r\n\r\n`, 'latin1');
    } else headers.push(`Content-Length: ${payload.length}`);
  }
  if (rng.bool(0.1)) {
    kind += ' + odd headers';
    headers.push(
      rng.pick([
        `X-Long: ${'v'.repeat(rng.int(100, 12_000))}`,
        'Accept: */*, text/html;q=abc',
        'Expect: 100-continue',
        'Upgrade: websocket',
        'Content-Encoding: gzip',
        'Cookie: a=b; c',
      ]),
    );
  }
  const head = `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
  return { kind, method, target: path, bytes: Buffer.concat([Buffer.from(head, 'latin1'), payload]) };
}
