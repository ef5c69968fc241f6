import { connect } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { RunningCollector } from '../src/index.js';
import { fcRecord, startTestCollector, TestAgent, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let collector: RunningCollector;
let token: string;
beforeEach(async () => {
  tmp = tempDir();
  ({ collector, token } = await startTestCollector(`${tmp.dir}/np.db`));
});
afterEach(async () => {
  await collector.close();
  tmp.cleanup();
});

it('keeps serving other agents while one client dribbles a frame byte by byte', async () => {
  const { port } = collector;
  // A raw client: valid upgrade, then a masked text frame announcing 60 kB that arrives 1 byte per 20 ms.
  const slow = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => slow.once('connect', () => resolve()));
  slow.write(
    'GET /v1/agents HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${token}\r\n\r\n`,
  );
  const upgraded = await new Promise<string>((resolve) => slow.once('data', (d) => resolve(d.toString())));
  expect(upgraded).toMatch(/^HTTP\/1.1 101/);
  slow.write(Buffer.from([0x81, 0xfe, 0xea, 0x60, 1, 2, 3, 4]));
  let dribbled = 0;
  const dribble = setInterval(() => {
    slow.write(Buffer.from([0x7b ^ 1]));
    dribbled++;
  }, 20);
  try {
    const good = await TestAgent.connect(collector.wsUrl, token);
    await good.hello('good');
    for (let seq = 1; seq <= 10; seq++) {
      good.send({ type: 'measurements', seq, records: [fcRecord(seq)] });
      expect(await good.next()).toMatchObject({ type: 'ack', seq, stored: 1 });
    }
    good.close();
    expect(dribbled).toBeGreaterThan(0);
    expect(await collector.context.queries.totalMeasurements()).toBe(10);
  } finally {
    clearInterval(dribble);
    slow.destroy();
  }
});
