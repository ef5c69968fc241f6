import type { LayerConfig } from '@neuralpower/core';
import { sleep } from '../clock.js';
import type { SweepItem } from '../sweep/plan.js';
import type { LeaseClient } from './lease-client.js';

export type ItemOutcome = 'measured' | 'failed' | 'crashed';

export interface CampaignRunDeps {
  readonly client: LeaseClient;
  /** Configurations per lease (small: a lease is held while every one of them is measured). */
  readonly leaseBatch: number;
  /** True when this agent already measured the key (its outbox); a non-repeat is then skipped. */
  readonly alreadyMeasured: (key: string) => boolean;
  readonly measure: (item: SweepItem & { type: 'layer' }) => Promise<ItemOutcome>;
  readonly signal?: AbortSignal;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export interface CampaignRunResult {
  readonly leases: number;
  readonly measured: number;
  readonly skipped: number;
  readonly failed: number;
  /** `done`/`stopped` with the collector's reason, `aborted`, or `crashed` (engine trap). */
  readonly ended: string;
}

/**
 * Works for a campaign: lease a few configurations, and for each one renew the lease (heartbeat)
 * and measure it only if the lease still holds it; records go through the outbox as in a sweep,
 * and the collector marks items measured when it stores them. Stops when the campaign is over, on
 * abort (giving back what is left), or when the engine crashes.
 */
export async function runCampaign(deps: CampaignRunDeps): Promise<CampaignRunResult> {
  const { client, log } = deps;
  let leases = 0;
  let measured = 0;
  let skipped = 0;
  let failed = 0;
  for (;;) {
    if (deps.signal?.aborted) return { leases, measured, skipped, failed, ended: 'aborted' };
    const answer = await client.lease(deps.leaseBatch);
    if (!answer.lease) {
      if (answer.state !== 'running') {
        return { leases, measured, skipped, failed, ended: `${answer.state}: ${answer.reason ?? ''}`.trim() };
      }
      await sleepUnlessAborted(answer.retryAfterMs, deps.signal);
      continue;
    }
    leases++;
    const lease = answer.lease;
    log.info({ campaign: client.campaignId, lease: lease.id, items: lease.items.length }, 'lease');
    for (let i = 0; i < lease.items.length; i++) {
      const item = lease.items[i]!;
      if (deps.signal?.aborted) {
        await client.release(lease.id).catch(() => 0);
        return { leases, measured, skipped, failed, ended: 'aborted' };
      }
      const renewed = await client.renew(lease.id);
      if (renewed.state !== 'running') break;
      if (!renewed.held.includes(item.itemId)) {
        skipped++;
        continue;
      }
      if (!item.repeat && deps.alreadyMeasured(item.key)) {
        skipped++;
        continue;
      }
      const config: LayerConfig = { spec: item.spec, inputs: item.inputs, batch: item.batch };
      const outcome = await deps.measure({
        type: 'layer',
        key: item.key,
        config,
        origin: `campaign:${client.campaignId}${item.repeat ? ' (repeat)' : ''}`,
      });
      if (outcome === 'measured') measured++;
      else failed++;
      if (outcome === 'crashed') {
        await client
          .release(
            lease.id,
            lease.items.slice(i + 1).map((it) => it.itemId),
          )
          .catch(() => 0);
        return { leases, measured, skipped, failed, ended: 'crashed' };
      }
    }
  }
}

function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return sleep(ms);
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
