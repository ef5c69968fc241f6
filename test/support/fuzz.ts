import { parseClientMessage } from '@neuralpower/protocol';
import { hello, syntheticRecord } from './records.js';
import type { Rng } from './rng.js';

export interface FuzzFrame {
  readonly kind: string;
  readonly data: string | Buffer;
  readonly binary: boolean;
  /** sent as the first frame of a fresh connection (no hello) */
  readonly beforeHello: boolean;
}

/** Errors after which the collector must close the connection (docs/protocol.md). */
export const FATAL_CODES: ReadonlySet<string> = new Set([
  'bad_json',
  'binary_frame',
  'bad_message',
  'unknown_type',
  'unsupported_version',
  'hello_required',
  'payload_too_large',
]);

const WEIRD_TOKENS = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-1e999',
  '-0',
  '9007199254740993',
  '00',
  '.5',
  '+1',
];
const WEIRD_VALUES: readonly unknown[] = [
  null,
  -1,
  0,
  1.5,
  -0.0001,
  1e300,
  2 ** 53 + 2,
  '',
  'x',
  '1',
  'x'.repeat(5000),
  true,
  false,
  [],
  [null],
  {},
  { type: 'layer' },
  [[1, 1, 1]],
];

function validSeeds(rng: Rng): unknown[] {
  const n = rng.int(1, 3);
  const start = rng.int(0, 1000);
  return [
    hello(`fuzzer-${rng.int(0, 9)}`),
    {
      type: 'measurements',
      seq: rng.int(1, 10_000),
      records: Array.from({ length: n }, (_, k) => syntheticRecord(50, start + k)),
    },
    { type: 'heartbeat', sentAt: new Date(Date.UTC(2026, 0, 1)).toISOString() },
  ];
}

type Container = Record<string, unknown> | unknown[];

/** Every (container, key) pair reachable in a JSON value: the places a mutation can hit. */
function slots(value: unknown, out: [Container, string | number][] = []): [Container, string | number][] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([value, i]);
      slots(v, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, k]);
      slots(v, out);
    }
  }
  return out;
}

function jsonMutation(rng: Rng): string {
  const value = structuredClone(rng.pick(validSeeds(rng)));
  const places = slots(value);
  const mutations = rng.int(1, 3);
  let tokens: string | undefined;
  for (let m = 0; m < mutations; m++) {
    const [container, key] = rng.pick(places);
    const op = rng.int(0, 3);
    if (op === 0 && !Array.isArray(container)) delete container[key as string];
    else if (op === 1) {
      // A non-JSON number token (NaN, 1e999, …) spliced in as raw text after serialising.
      tokens = rng.pick(WEIRD_TOKENS);
      (container as Record<string | number, unknown>)[key] = '__WEIRD_TOKEN__';
    } else (container as Record<string | number, unknown>)[key] = structuredClone(rng.pick(WEIRD_VALUES));
  }
  const text = JSON.stringify(value);
  return tokens ? text.replace('"__WEIRD_TOKEN__"', tokens) : text;
}

function byteMutation(rng: Rng): string {
  let text = JSON.stringify(rng.pick(validSeeds(rng)));
  const ops = rng.int(1, 4);
  for (let m = 0; m < ops; m++) {
    const at = rng.int(0, text.length);
    switch (rng.int(0, 4)) {
      case 0: // replace one character
        text = text.slice(0, at) + String.fromCharCode(rng.int(0, 0x2fff)) + text.slice(at + 1);
        break;
      case 1: // delete a run
        text = text.slice(0, at) + text.slice(at + rng.int(1, 20));
        break;
      case 2: // insert structural noise
        text =
          text.slice(0, at) +
          rng.pick(['{', '}', '[', ']', ',', ':', '"', '\\', '\u0000', 'null']) +
          text.slice(at);
        break;
      case 3: // duplicate a slice
        text = text.slice(0, at) + text.slice(at, at + rng.int(1, 40)) + text.slice(at);
        break;
      default: // truncate
        text = text.slice(0, at);
    }
  }
  return text;
}

function randomText(rng: Rng): string {
  const n = rng.int(0, 300);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(rng.bool(0.8) ? rng.int(32, 126) : rng.int(0, 0xd7ff));
  return s;
}

/** A frame the protocol must refuse: anything that would validate is drawn again. */
function candidate(rng: Rng): Omit<FuzzFrame, 'beforeHello'> {
  const roll = rng.int(0, 99);
  if (roll < 8) return { kind: 'random-binary', data: rng.bytes(rng.int(0, 400)), binary: true };
  if (roll < 14)
    return {
      kind: 'invalid-utf8-text',
      data: Buffer.concat([rng.bytes(rng.int(0, 50)), Buffer.from([0xc3, 0x28, 0xff])]),
      binary: false,
    };
  if (roll < 24) return { kind: 'random-text', data: randomText(rng), binary: false };
  if (roll < 52) return { kind: 'byte-mutation', data: byteMutation(rng), binary: false };
  if (roll < 90) return { kind: 'json-mutation', data: jsonMutation(rng), binary: false };
  if (roll < 95) {
    const m = validSeeds(rng)[1] as { records: { platform: string }[] };
    for (const r of m.records) r.platform = `cpu-${rng.bytes(8).toString('hex')}`;
    return { kind: 'undeclared-platform', data: JSON.stringify(m), binary: false };
  }
  const m = rng.pick(validSeeds(rng)) as Record<string, unknown>;
  m['type'] = rng.pick(['welcome', 'ack', 'error', 'HELLO', 'measurement', '', 42, null]);
  return { kind: 'type-confusion', data: JSON.stringify(m), binary: false };
}

/** True when the collector would accept the frame (then it is not a fuzz case). */
function acceptable(frame: Omit<FuzzFrame, 'beforeHello'>): boolean {
  if (frame.binary || typeof frame.data !== 'string') return false;
  const parsed = parseClientMessage(frame.data);
  return parsed.ok && frame.kind !== 'undeclared-platform';
}

export function fuzzFrame(rng: Rng): FuzzFrame & { redrawn: number } {
  let redrawn = 0;
  for (;;) {
    const frame = candidate(rng);
    if (!acceptable(frame)) return { ...frame, beforeHello: rng.bool(0.15), redrawn };
    redrawn++;
  }
}
