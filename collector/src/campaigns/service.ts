import { randomBytes } from 'node:crypto';
import type { ModelKind } from '@neuralpower/core';
import { type LeaseRequest, type LeaseResponse, layerConfigKey } from '@neuralpower/protocol';
import type { z } from 'zod';
import type { FitScheduler } from '../fit/scheduler.js';
import { HttpError } from '../http/router.js';
import type { CampaignDetail, CampaignRepository, CampaignSummary, KindErrors } from '../store/campaigns.js';
import type { KindCounts } from '../store/ingest.js';
import type { Store } from '../store/store.js';
import { type HeldOutError, inHeldOutSlice } from './holdout.js';
import { type CampaignOptions, type campaignCreateSchema, resolveOptions } from './options.js';
import { planCampaign } from './plan.js';
import { runProposal } from './run-proposal.js';
import { atTarget } from './stop.js';

/**
 * Campaign logic: creates plans, answers leases, follows ingest (items measured, budget), refits a
 * kind every `refitEvery` new measurements, ends the campaign when every kind is at the target
 * (`stop.ts`), and — adaptive campaigns — proposes the next configurations after each refit and
 * measures the error on the held-out slice (in a worker thread).
 */
export class CampaignService {
  readonly store: CampaignRepository;
  /** measured items of (campaign, kind) at its last refit; in memory: a restart refits once more */
  private readonly atRefit = new Map<string, number>();
  private readonly busy = new Set<string>();
  /** held-out slice keys per (campaign, kind) */
  private readonly slices = new Map<string, ReadonlySet<string>>();
  private readonly cancels = new Set<() => void>();
  private closed = false;
  /** settles when background refits/proposals finish (tests wait on it) */
  private work: Promise<unknown> = Promise.resolve();
  /** the chain of after-commit follow-ups (one at a time, in commit order) */
  private following: Promise<void> = Promise.resolve();

  constructor(
    private readonly backing: Store,
    private readonly fits: FitScheduler,
    private readonly now: () => number = Date.now,
  ) {
    this.store = backing.campaigns;
  }

  /** Brings running campaigns up to date after a start (leases expired, items measured meanwhile). */
  async start(): Promise<void> {
    for (const id of await this.store.ids({ state: 'running' })) await this.store.sync(id, this.now());
  }

  async create(body: z.output<typeof campaignCreateSchema>): Promise<CampaignSummary> {
    const platformId = await this.resolvePlatform(body.platform, body.gpuName);
    const options = resolveOptions(body);
    const id = `c-${randomBytes(4).toString('hex')}`;
    await this.store.create(id, platformId, options, planCampaign(platformId, options));
    return this.summaryOr404(id);
  }

  async list(filter: { platformId?: string; state?: CampaignSummary['state'] }): Promise<CampaignSummary[]> {
    const out: CampaignSummary[] = [];
    for (const id of await this.store.ids(filter)) out.push(await this.summaryOr404(id));
    return out;
  }

  async detail(id: string): Promise<CampaignDetail> {
    await this.store.sync(id, this.now());
    const d = await this.store.detail(id, this.now());
    if (!d) throw new HttpError(404, `unknown campaign ${JSON.stringify(id)}`, 'id');
    return d;
  }

  async stop(id: string, by: string): Promise<CampaignSummary> {
    const s = await this.summaryOr404(id);
    if (s.state === 'running') await this.store.setState(id, 'stopped', `stopped by ${by}`);
    return this.summaryOr404(id);
  }

  async lease(id: string, req: LeaseRequest): Promise<LeaseResponse> {
    const c = await this.summaryOr404(id);
    if (req.platform !== c.platformId) {
      throw new HttpError(
        409,
        `campaign ${id} measures platform ${c.platformId}, not ${req.platform}`,
        'platform',
      );
    }
    const retryAfterMs = Math.min(5000, Math.max(200, Math.round(c.options.leaseTtlMs / 10)));
    if (c.state !== 'running')
      return { campaign: id, state: c.state, reason: c.reason, lease: null, retryAfterMs };
    const nowMs = this.now();
    const outcome = await this.store.lease(id, {
      agentId: req.agentId,
      requestId: req.requestId,
      max: req.max,
      budget: c.options.budget,
      ttlMs: c.options.leaseTtlMs,
      nowMs,
    });
    if (outcome.kind === 'none') {
      await this.checkFinished(id);
      const after = await this.summaryOr404(id);
      return { campaign: id, state: after.state, reason: after.reason, lease: null, retryAfterMs };
    }
    return {
      campaign: id,
      state: 'running',
      reason: null,
      lease: {
        id: outcome.id,
        expiresAt: new Date(outcome.expiresAtMs).toISOString(),
        items: outcome.items.map((it) => ({
          itemId: it.itemId,
          key: it.key,
          spec: it.config.spec,
          inputs: it.config.inputs,
          batch: it.config.batch,
          repeat: it.repeat,
        })),
      },
      retryAfterMs,
    };
  }

  async renew(id: string, leaseId: string, agentId: string) {
    const c = await this.summaryOr404(id);
    await this.ownLease(id, leaseId, agentId);
    const r = await this.store.renew(id, leaseId, c.options.leaseTtlMs, this.now());
    const after = await this.summaryOr404(id);
    return {
      lease: leaseId,
      expiresAt: new Date(r.expiresAtMs).toISOString(),
      state: after.state,
      held: after.state === 'running' ? r.held : [],
    };
  }

  async release(id: string, leaseId: string, agentId: string, items?: readonly number[]) {
    await this.summaryOr404(id);
    await this.ownLease(id, leaseId, agentId);
    return { lease: leaseId, released: await this.store.release(leaseId, items) };
  }

  /**
   * After every committed group of batches: mark items measured, stop at the budget, refit when
   * due. Runs in the background (ingest does not wait), one follow-up at a time.
   */
  onCommitted(counts: KindCounts): void {
    if (this.closed) return;
    const platforms = new Set([...counts.values()].map((c) => c.platformId));
    this.following = this.following
      .then(() => this.follow(platforms))
      .catch((err: unknown) => {
        process.stderr.write(
          `${JSON.stringify({ level: 'error', msg: 'campaign follow-up failed', err: String(err) })}\n`,
        );
      });
    this.work = Promise.all([this.work, this.following]);
  }

  private async follow(platforms: ReadonlySet<string>): Promise<void> {
    for (const platformId of platforms) {
      for (const id of await this.store.ids({ platformId, state: 'running' })) {
        if (this.closed) return;
        await this.store.sync(id, this.now());
        await this.checkFinished(id);
        const c = await this.store.summary(id);
        if (c?.state !== 'running') continue;
        for (const kind of c.options.kinds) await this.maybeRefit(c, kind);
      }
    }
  }

  /** Waits for background refits and proposals (tests, shutdown). */
  async settled(): Promise<void> {
    let seen: Promise<unknown> | undefined;
    while (seen !== this.work) {
      seen = this.work;
      await seen.catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.cancels) cancel();
    await this.settled();
  }

  private async maybeRefit(c: CampaignSummary, kind: ModelKind): Promise<void> {
    const k = `${c.id}\u0000${kind}`;
    if (this.busy.has(k)) return;
    const measured = (await this.store.progress(c.id, Number.POSITIVE_INFINITY, kind)).measured;
    if (this.busy.has(k)) return;
    if (measured - (this.atRefit.get(k) ?? 0) < c.options.refitEvery) return;
    this.busy.add(k);
    this.atRefit.set(k, measured);
    const job = this.refit(c, kind).finally(() => this.busy.delete(k));
    this.work = Promise.all([this.work, job]);
  }

  private async refit(c: CampaignSummary, kind: ModelKind): Promise<void> {
    const [outcome] = await this.fits.fitNow(c.platformId, [kind]);
    if (this.closed) return;
    if (outcome?.error) return;
    await this.recordErrors(c.id, c.platformId, c.options);
    await this.checkFinished(c.id);
    const now = await this.store.summary(c.id);
    if (now?.state !== 'running' || c.options.strategy !== 'adaptive') return;
    const pool = (await this.store.pool(c.id, kind)).map((item) => ({
      ...item,
      key: layerConfigKey(c.platformId, item.config),
    }));
    if (pool.length === 0) return;
    const count = Math.min(pool.length, 2 * c.options.refitEvery);
    // The random share comes from the held-out slice, in plan order (a uniform sample of the plan).
    const slice = this.heldOutSlice(c, kind);
    const sliceItems = pool.filter((item) => slice.has(item.key));
    const randomPicks = sliceItems.slice(0, Math.round(count * c.options.randomShare)).map((i) => i.itemId);
    const job = runProposal({
      storeLocator: this.backing.locator,
      platformId: c.platformId,
      kind,
      candidates: pool
        .filter((item) => !slice.has(item.key))
        .map(({ itemId, config }) => ({ itemId, config })),
      count: count - randomPicks.length,
      heldOutKeys: [...slice],
      seed: c.options.seed * 7919 + now.progress.measured,
    });
    this.cancels.add(job.cancel);
    try {
      const { itemIds, heldOut } = await job.result;
      if (this.closed) return;
      await this.store.prioritise(c.id, [...randomPicks, ...itemIds]);
      if (heldOut !== null) {
        await this.recordHeldOut(c.id, kind, heldOut);
        await this.checkFinished(c.id);
      }
    } catch (err) {
      if (!this.closed) throw err;
    } finally {
      this.cancels.delete(job.cancel);
    }
  }

  private async recordHeldOut(id: string, kind: ModelKind, heldOut: HeldOutError): Promise<void> {
    const errors = (await this.store.summary(id))?.errors ?? {};
    await this.store.setErrors(id, { ...errors, [kind]: { rows: 0, ...errors[kind], heldOut } });
  }

  /** The held-out error on every measured slice row, without a proposal (a campaign that ended). */
  private async finalHeldOut(c: CampaignSummary): Promise<void> {
    for (const kind of c.options.kinds) {
      const job = runProposal({
        storeLocator: this.backing.locator,
        platformId: c.platformId,
        kind,
        candidates: [],
        count: 0,
        heldOutKeys: [...this.heldOutSlice(c, kind)],
        seed: c.options.seed,
      });
      this.cancels.add(job.cancel);
      try {
        const { heldOut } = await job.result;
        if (this.closed) return;
        if (heldOut !== null) await this.recordHeldOut(c.id, kind, heldOut);
      } catch (err) {
        if (!this.closed) throw err;
      } finally {
        this.cancels.delete(job.cancel);
      }
    }
  }

  /** Keys of the campaign's held-out slice of a kind (first copies; the plan is pure, so cached). */
  private heldOutSlice(c: CampaignSummary, kind: ModelKind): ReadonlySet<string> {
    const k = `${c.id}\u0000${kind}`;
    let slice = this.slices.get(k);
    if (slice === undefined) {
      slice = new Set(
        planCampaign(c.platformId, c.options)
          .filter((i) => i.kind === kind && i.copy === 0 && inHeldOutSlice(i.key, c.options.randomShare))
          .map((i) => i.key),
      );
      this.slices.set(k, slice);
    }
    return slice;
  }

  /** The current models' out-of-fold RMSPE per kind of the campaign. */
  private async recordErrors(id: string, platformId: string, options: CampaignOptions): Promise<void> {
    const errors: KindErrors = {};
    const current = await this.backing.models.current(platformId);
    const previous = (await this.store.summary(id))?.errors ?? {};
    for (const kind of options.kinds) {
      const rows = (await this.store.progress(id, Number.POSITIVE_INFINITY, kind)).measured;
      // The held-out error is the proposal's to update: kept across refits.
      const heldOut = previous[kind]?.heldOut;
      const entry: KindErrors[string] = { rows, ...(heldOut ? { heldOut } : {}) };
      for (const v of current) {
        if (v.kind !== kind) continue;
        const rmspe = (v.report as { rmspe?: number }).rmspe;
        if (typeof rmspe !== 'number') continue;
        entry[v.target] = rmspe;
        if (v.target === 'runtime') {
          entry.rows = v.trainingRows;
          entry.version = v.version;
        }
      }
      errors[kind] = entry;
    }
    await this.store.setErrors(id, errors);
  }

  /** Ends a running campaign at its target, its budget, or when its plan is used up. */
  private async checkFinished(id: string): Promise<void> {
    const c = await this.store.summary(id);
    if (c?.state !== 'running') return;
    const o = c.options;
    if (atTarget(o, c.errors)) {
      const estimate = o.strategy === 'adaptive' ? 'held-out RMSPE' : 'RMSPE';
      await this.store.setState(id, 'done', `target reached (${estimate} ≤ ${o.targetRmspe})`);
      return;
    }
    if (c.progress.measured >= o.budget)
      await this.store.setState(id, 'done', `budget reached (${o.budget} measurements)`);
    else if (c.progress.measured >= c.progress.planned) await this.store.setState(id, 'done', 'plan used up');
    else return;
    // Ended by its size, not its error: the error it reports is that of models fitted on everything
    // (and, adaptive, on every measured slice row: the last proposal's may lag far behind).
    const final = this.fits.fitNow(c.platformId, o.kinds).then(async () => {
      // The held-out one first: once the CV error is current, everything is.
      if (!this.closed && o.strategy === 'adaptive') await this.finalHeldOut(c);
      if (!this.closed) await this.recordErrors(id, c.platformId, o);
    });
    this.work = Promise.all([this.work, final]);
  }

  private async ownLease(id: string, leaseId: string, agentId: string): Promise<void> {
    const owner = await this.store.leaseOwner(id, leaseId);
    if (owner === null)
      throw new HttpError(404, `campaign ${id} has no lease ${JSON.stringify(leaseId)}`, 'lease');
    if (owner !== agentId) throw new HttpError(403, `lease ${leaseId} belongs to another agent`, 'agentId');
  }

  private async summaryOr404(id: string): Promise<CampaignSummary> {
    const s = await this.store.summary(id);
    if (!s) throw new HttpError(404, `unknown campaign ${JSON.stringify(id)}`, 'id');
    return s;
  }

  private async resolvePlatform(platform: string | undefined, gpuName: string | undefined): Promise<string> {
    if (platform !== undefined) {
      if (!(await this.backing.queries.platformExists(platform))) {
        throw new HttpError(
          404,
          `unknown platform ${JSON.stringify(platform)}: start an agent on it first`,
          'platform',
        );
      }
      return platform;
    }
    const rows = (await this.backing.queries.platforms())
      .filter((p) => (p.input as { gpuName?: string } | null)?.gpuName === gpuName)
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (rows.length === 1) return rows[0]!.id;
    if (rows.length === 0) {
      throw new HttpError(
        404,
        `no platform has GPU ${JSON.stringify(gpuName)}: start an agent on it first`,
        'gpuName',
      );
    }
    throw new HttpError(
      409,
      `${rows.length} platforms have GPU ${JSON.stringify(gpuName)} (${rows.map((r) => r.id).join(', ')}): give --platform`,
      'gpuName',
    );
  }
}
