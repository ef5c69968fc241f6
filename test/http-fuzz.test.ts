import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { GoodAgent } from './support/good-agent.js';
import { fuzzRequest } from './support/http-fuzz.js';
import { spawnCollector } from './support/processes.js';
import { rawRequest } from './support/raw-http.js';
import { platform } from './support/records.js';
import { Rng } from './support/rng.js';
import { createToken } from './support/store.js';

// The HTTP side of the collector as test/fuzz.test.ts does the WebSocket side: random and mutated
// request targets, methods, headers and bodies against a real collector process that has no
// process-level error handler. Every request must get a 2xx or a 4xx JSON error; never a 5xx,
// never silence; the process stays up and a good agent beside it keeps getting acks.

const SEED = 14;
const REQUESTS = 800;
const PARALLEL = 4;
const dir = mkdtempSync(path.join(tmpdir(), 'np-http-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`${REQUESTS} fuzzed HTTP requests: no 5xx, no silence, the process keeps serving`, async () => {
  const dbPath = path.join(dir, 'collector.db');
  const tokens = {
    agent: await createToken(dbPath, 'fuzz-agent'),
    read: await createToken(dbPath, 'fuzz-read', ['read']),
    admin: await createToken(dbPath, 'fuzz-admin', ['admin']),
  };
  const collector = await spawnCollector(dbPath, 0, {
    collector: { limits: { maxBodyBytes: 256 * 1024, maxPredictNodes: 500 } },
  });
  try {
    // A platform with fitted fc models, so predictions reach the network importers and the core.
    const good = await GoodAgent.connect(collector.wsUrl, tokens.agent, 5);
    for (let i = 0; i < 6; i++) await good.ok(8);
    const fit = await fetch(`${collector.url}/v1/platforms/${platform.id}/fit`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.admin}` },
    });
    expect(fit.status).toBe(200);

    const rng = new Rng(SEED);
    const requests = Array.from({ length: REQUESTS }, () => fuzzRequest(rng, platform.id, tokens));
    const statuses = new Map<string, number>();
    const violations: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const req = requests[i]!;
        const answer = await rawRequest(collector.port, req.bytes, 20_000);
        const shown = `#${i} ${req.kind}: ${req.method} ${req.target.slice(0, 120)} → ${answer.status} ${answer.body.slice(0, 200)}`;
        const status = answer.status;
        statuses.set(String(status), (statuses.get(String(status)) ?? 0) + 1);
        if (status === null || status >= 500 || (status >= 300 && status < 400)) {
          violations.push(shown);
          continue;
        }
        if (status >= 400 && req.method !== 'HEAD') {
          try {
            const json = JSON.parse(answer.body) as { error?: { status?: number; message?: string } };
            if (json.error?.status !== status || !json.error.message)
              violations.push(`bad error body: ${shown}`);
          } catch {
            violations.push(`not JSON: ${shown}`);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    await good.ok();
    console.log(
      `http fuzz (seed ${SEED}): ${REQUESTS} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`,
    );
    expect(violations).toEqual([]);
    expect(collector.proc.exit).toBeNull();
    expect((await fetch(`${collector.url}/healthz`)).status).toBe(200);
    good.close();
  } finally {
    await collector.proc.stop();
  }
  expect(collector.proc.exit).toEqual({ code: 0, signal: null });
}, 240_000);
