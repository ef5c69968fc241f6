/**
 * A real campaign on this machine: a collector and two `neuralpower agent` processes on the same
 * wasm platform (the CLI exactly as users run it), an adaptive campaign with a target RMSPE and a
 * budget. Prints wall time, measurements, duplicates, repeats and the final cross-validated error
 * per kind (adaptive: and the error on its held-out slice, which stops it). CPU-bound: two agents share the machine's cores with the collector's refits. Defaults:
 * conv layers of the `small` ranges (0.1–100 ms on wasm, so timing noise is a small share of them),
 * 30 timed runs each; on a shared machine run it as `nice -n -20` (root) so other work disturbs the
 * timings less.
 *
 *   npx tsx scripts/bench/sampling/campaign.ts [--target 0.25] [--budget 300] [--kinds conv] [--ranges small]
 *     [--strategy adaptive|random] [--cooldown-ms 0] [--runs 30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  campaignView,
  createCampaign,
  registerPlatform,
  spawnCampaignAgent,
  storedKeys,
} from '../../../test/support/campaign.js';
import { spawnCollector } from '../../../test/support/processes.js';
import { createToken } from '../../../test/support/store.js';

function parseArgs(argv: readonly string[]) {
  const a = {
    target: 0.25,
    budget: 300,
    kinds: 'conv',
    ranges: 'small',
    strategy: 'adaptive',
    cooldownMs: 0,
    runs: 30,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--target') a.target = Number(v);
    else if (k === '--budget') a.budget = Number(v);
    else if (k === '--kinds') a.kinds = v;
    else if (k === '--ranges') a.ranges = v;
    else if (k === '--strategy') a.strategy = v;
    else if (k === '--cooldown-ms') a.cooldownMs = Number(v);
    else if (k === '--runs') a.runs = Number(v);
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const args = parseArgs(process.argv.slice(2));
const dir = mkdtempSync(path.join(tmpdir(), 'np-campaign-bench-'));
const dbPath = path.join(dir, 'collector.db');
const token = await createToken(dbPath, 'bench', ['agent']);
const admin = await createToken(dbPath, 'bench-admin', ['admin']);
const collector = await spawnCollector(dbPath, 0);
try {
  const platform = await registerPlatform(collector.port, token, path.join(dir, 'setup'), admin);
  const { id } = await createCampaign(collector.url, admin, {
    platform,
    kinds: args.kinds.split(','),
    ranges: args.ranges,
    strategy: args.strategy,
    targetRmspe: args.target,
    budget: args.budget,
    repeatShare: 0.05,
  });
  const started = performance.now();
  const extra = ['--lease-batch', '2', '--cooldown-ms', String(args.cooldownMs)];
  const agents = ['a', 'b'].map((n) =>
    spawnCampaignAgent(collector.port, token, path.join(dir, n), extra, args.runs),
  );
  const exits = await Promise.all(agents.map((p) => p.exited));
  const wallS = (performance.now() - started) / 1000;
  exits.forEach((e, i) => {
    if (e.code !== 0) throw new Error(`agent ${i} exited ${e.code}\n${agents[i]!.tail()}`);
  });
  // Ended by the budget: the collector refits every kind once more; wait for that error.
  let view = await campaignView(collector.url, id, admin);
  for (let i = 0; i < 600; i++) {
    const current = Object.entries(view.kinds).every(([k, p]) => view.errors[k]?.rows === p.measured);
    if (current || /target/.test(view.reason ?? '')) break;
    await new Promise((r) => setTimeout(r, 200));
    view = await campaignView(collector.url, id, admin);
  }
  const stored = storedKeys(dbPath, id);
  const repeats = stored.keys.filter((k) => k.copies === 2 && k.n === 2);
  console.log(
    `campaign ${id}: ${args.strategy}, kinds ${args.kinds} (${args.ranges}), target RMSPE ${args.target}, budget ${args.budget}`,
  );
  console.log(`state: ${view.state} (${view.reason})`);
  console.log(`wall time: ${wallS.toFixed(1)} s (two agents, first lease to both exited)`);
  console.log(
    `measurements: ${view.progress.measured} (per agent: ${Object.values(stored.byAgent).join(' / ')})`,
  );
  console.log(`duplicates beyond the plan: ${stored.duplicates}`);
  console.log(
    `planned repeats measured: ${repeats.length}, on two different agents: ${repeats.filter((k) => k.agents === 2).length}`,
  );
  const spread = [...stored.repeatSpread].sort((x, y) => x - y);
  if (spread.length > 0) {
    const median = spread[Math.floor(spread.length / 2)]!;
    console.log(
      `repeatability: median |a − b| / mean of repeated runtimes ${(100 * median).toFixed(1)} % (max ${(100 * spread[spread.length - 1]!).toFixed(1)} %)`,
    );
  }
  for (const [kind, e] of Object.entries(view.errors)) {
    console.log(
      `  ${kind}: CV runtime RMSPE ${e.runtime === undefined ? '—' : `${(100 * e.runtime).toFixed(1)} %`} on ${e.rows} rows` +
        (e.heldOut
          ? `; held-out slice ${(100 * e.heldOut.runtime).toFixed(1)} % on ${e.heldOut.rows} rows (what stops an adaptive campaign)`
          : ''),
    );
  }
} finally {
  await collector.proc.stop();
  rmSync(dir, { recursive: true, force: true });
}
