import Database from 'better-sqlite3';
import { agentBaseArgs } from './agent-cli.js';
import { type Proc, spawnCli } from './processes.js';

/** `neuralpower agent` working for a campaign: wasm backend, no power, few timed runs; info logs (one `measured` line per record). */
export function spawnCampaignAgent(
  collectorPort: number,
  token: string,
  stateDir: string,
  extra: readonly string[] = [],
  runs = 3,
): Proc {
  return spawnCli(
    [
      'agent',
      ...agentBaseArgs(collectorPort, token, stateDir, { backend: 'wasm', runs }),
      '--budget-ms',
      '2000',
      ...extra,
    ],
    { NEURALPOWER_LOG: 'info' },
  );
}

/** A one-configuration sweep (agent token) so the collector knows the wasm platform; its id (read with `readToken`). */
export async function registerPlatform(
  collectorPort: number,
  token: string,
  stateDir: string,
  readToken: string,
): Promise<string> {
  const p = spawnCli(
    [
      'agent',
      'sweep',
      ...agentBaseArgs(collectorPort, token, stateDir, { backend: 'wasm' }),
      '--kinds',
      'globalpool',
      '--count',
      '1',
      '--ranges',
      'tiny',
      '--json',
    ],
    { NEURALPOWER_LOG: 'warn' },
  );
  const exit = await p.exited;
  if (exit.code !== 0) throw new Error(`platform registration failed\n${p.tail()}`);
  const res = await fetch(`http://127.0.0.1:${collectorPort}/v1/platforms`, {
    headers: { authorization: `Bearer ${readToken}` },
  });
  const body = (await res.json()) as { platforms: { id: string }[] };
  return body.platforms[0]!.id;
}

export async function createCampaign(
  url: string,
  token: string,
  body: Record<string, unknown>,
): Promise<{ id: string }> {
  const res = await fetch(`${url}/v1/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`create campaign: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

export interface CampaignView {
  state: string;
  kinds: Record<string, { measured: number }>;
  reason: string | null;
  progress: { planned: number; measured: number; leased: number; left: number };
  errors: Record<string, { runtime?: number; rows: number; heldOut?: { runtime: number; rows: number } }>;
  leases: { id: string; agentId: string; items: number }[];
}

export async function campaignView(url: string, id: string, readToken: string): Promise<CampaignView> {
  const res = await fetch(`${url}/v1/campaigns/${id}`, { headers: { authorization: `Bearer ${readToken}` } });
  return (await res.json()) as CampaignView;
}

export interface StoredKeys {
  /** measurements per natural key of the campaign's items, and by how many distinct agents */
  readonly keys: { key: string; n: number; agents: number; copies: number }[];
  /** stored more often than the plan has copies of it */
  readonly duplicates: number;
  readonly byAgent: Record<string, number>;
  /** |a − b| / mean of the two runtimes of every planned repeat measured twice */
  readonly repeatSpread: number[];
}

/** What the collector's database holds for a campaign's planned keys (opened read-only beside it). */
export function storedKeys(dbPath: string, campaignId: string): StoredKeys {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const keys = db
      .prepare(
        `SELECT i.natural_key AS key, MAX(i.copy) + 1 AS copies,
           (SELECT COUNT(*) FROM measurements m WHERE m.natural_key = i.natural_key) AS n,
           (SELECT COUNT(DISTINCT agent_id) FROM measurements m WHERE m.natural_key = i.natural_key) AS agents
         FROM campaign_items i WHERE i.campaign_id = ? GROUP BY i.natural_key`,
      )
      .all(campaignId) as { key: string; n: number; agents: number; copies: number }[];
    const byAgent: Record<string, number> = {};
    for (const r of db
      .prepare(
        `SELECT agent_id, COUNT(*) AS n FROM measurements WHERE natural_key IN
           (SELECT natural_key FROM campaign_items WHERE campaign_id = ?) GROUP BY agent_id`,
      )
      .all(campaignId) as { agent_id: string; n: number }[]) {
      byAgent[r.agent_id] = r.n;
    }
    // Repeatability: relative difference of the two runtimes of each key measured twice.
    const repeatSpread = (
      db
        .prepare(
          `SELECT MIN(runtime_mean_ms) AS lo, MAX(runtime_mean_ms) AS hi FROM measurements WHERE natural_key IN
             (SELECT natural_key FROM campaign_items WHERE campaign_id = ? AND copy = 1)
           GROUP BY natural_key HAVING COUNT(*) = 2`,
        )
        .all(campaignId) as { lo: number; hi: number }[]
    ).map((r) => (r.hi - r.lo) / ((r.hi + r.lo) / 2));
    return {
      keys,
      duplicates: keys.reduce((a, k) => a + Math.max(0, k.n - k.copies), 0),
      byAgent,
      repeatSpread,
    };
  } finally {
    db.close();
  }
}
