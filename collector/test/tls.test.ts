import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import WebSocket from 'ws';
import { fcRecord, hello, startTestCollector, tempDir } from './helpers.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)));

it('serves HTTPS and WSS on one port with --tls-cert/--tls-key', async () => {
  const tmp = tempDir();
  const cert = fixture('test-cert.pem');
  const { collector, token } = await startTestCollector(`${tmp.dir}/np.db`, {
    tls: { cert, key: fixture('test-key.pem') },
  });
  try {
    expect(collector.url).toMatch(/^https:/);
    expect(collector.wsUrl).toMatch(/^wss:/);
    const ws = new WebSocket(collector.wsUrl, { ca: cert, headers: { authorization: `Bearer ${token}` } });
    const replies: string[] = [];
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify(hello())));
      ws.on('message', (data) => {
        const m = JSON.parse(data.toString()) as { type: string };
        replies.push(m.type);
        if (m.type === 'welcome')
          ws.send(JSON.stringify({ type: 'measurements', seq: 1, records: [fcRecord(1)] }));
        else ws.close();
      });
      ws.on('close', () => resolve());
      ws.on('error', reject);
    });
    expect(replies).toEqual(['welcome', 'ack']);
    expect(await collector.context.queries.totalMeasurements()).toBe(1);
  } finally {
    await collector.close();
    tmp.cleanup();
  }
});
