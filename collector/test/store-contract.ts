import {
  BOUNDS,
  type LayerRecord,
  layerConfigKey,
  type NetworkRecord,
  type Precision,
} from '@neuralpower/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashToken } from '../src/auth/tokens.js';
import type { CampaignOptions } from '../src/campaigns/options.js';
import type { PlannedItem } from '../src/campaigns/plan.js';
import type { BatchToWrite } from '../src/store/ingest.js';
import type { ModelVersionChange, NewModelVersion, Target } from '../src/store/models.js';
import type { Store } from '../src/store/store.js';
import { fcRecord, hello, platform } from './helpers.js';

/** A fresh, empty database behind a store, and how to dispose of it. */
export interface StoreFixture {
  readonly store: Store;
  /**
   * Opens another store on the same database (another replica, or the CLI beside a collector):
   * used for concurrent version allocation and batch resends through a second connection.
   */
  openAnother(): Promise<Store>;
  /**
   * Whether the store is made for several processes on one database: `onModelVersionChange` and
   * `withFitLock` then also reach stores from `openAnother()` (PostgreSQL: true; SQLite: false,
   * one collector per file).
   */
  readonly replicas: boolean;
  /** closes every store it opened and removes the database */
  cleanup(): Promise<void>;
}

const other = { ...platform, id: `${platform.id}-other` };

function batch(
  agentId: string,
  seq: number,
  records: readonly LayerRecord[] | readonly NetworkRecord[],
): BatchToWrite {
  return { agentId, seq, records };
}

function version(kind: string, target: Target, rmspe = 0.1, platformId = platform.id): NewModelVersion {
  return {
    platformId,
    kind,
    target,
    trainingRows: 10,
    trainingSetHash: `${kind}-${target}-${rmspe}`,
    report: { rmspe, rmse: 1, mape: 0.1, lambda: 0.01 },
    modelJson: JSON.stringify({ kind, target, rmspe }),
  };
}

function networkRecord(): NetworkRecord {
  return {
    type: 'network',
    platform: platform.id,
    network: { name: 'AlexNet', zoo: 'alexnet' },
    batch: 2,
    runtime: { meanMs: 30, medianMs: 30, stdMs: 1, n: 10 },
    power: { meanW: 60, samples: 40, windowMs: 2000, source: 'rapl' },
    energyMj: 1800,
    startedAt: '2026-02-01T00:00:00.000Z',
    endedAt: '2026-02-01T00:00:02.000Z',
  };
}

const campaignOptions: CampaignOptions = {
  kinds: ['fc'],
  preset: 'small',
  strategy: 'random',
  targetRmspe: 0.05,
  budget: 4,
  seed: 1,
  poolSize: 6,
  repeatShare: 0,
  randomShare: 1,
  leaseTtlMs: 60_000,
  refitEvery: 100,
  minRows: 8,
};

/** Plan items for the fcRecord(i) configurations: measuring record i measures item i. */
function plannedItems(n: number): PlannedItem[] {
  return Array.from({ length: n }, (_, i) => {
    const r = fcRecord(i);
    const config = { spec: r.spec, inputs: r.inputs, batch: r.batch };
    return { kind: 'fc', key: layerConfigKey(platform.id, config), config, copy: 0, priority: n - i };
  });
}

/**
 * The behaviour every store must have, as a vitest suite: call it from
 * `store-contract-<name>.test.ts` with a factory that makes a fresh database per test.
 */
export function describeStoreContract(name: string, fresh: () => Promise<StoreFixture>): void {
  describe(`store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    beforeEach(async () => {
      fixture = await fresh();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    /** Registers agent-a (and its platform) and stores `records` as its batch `seq`. */
    async function ingest(records: readonly LayerRecord[], seq = 1, agentId = 'agent-a'): Promise<void> {
      await store.ingest.registerAgent(hello(agentId), null);
      const written = await store.ingest.writeBatches([batch(agentId, seq, records)]);
      expect(written.outcomes).toEqual([{ status: 'stored', stored: records.length }]);
    }

    it('says which store it is and that the database answers', async () => {
      const health = await store.health();
      expect(health.store).toBe(store.kind);
      expect(health.ok).toBe(true);
      expect(health.detail.length).toBeGreaterThan(0);
    });

    it('keeps token rows: insert, look-up by hash, list, revoke by name or id, touch, active', async () => {
      const at = '2026-01-01T00:00:00.000Z';
      const a = await store.tokens.insert({
        name: 'rack-1',
        hash: hashToken('a'),
        scopes: 'agent',
        createdAt: at,
      });
      const b = await store.tokens.insert({
        name: 'ops',
        hash: hashToken('b'),
        scopes: 'agent,admin',
        createdAt: at,
      });
      expect(b).toBeGreaterThan(a);
      await expect(
        store.tokens.insert({ name: 'dup', hash: hashToken('a'), scopes: 'agent', createdAt: at }),
      ).rejects.toThrow();
      expect(await store.tokens.byHash(hashToken('b'))).toEqual({
        id: b,
        name: 'ops',
        hash: hashToken('b'),
        scopes: 'agent,admin',
        createdAt: at,
        revokedAt: null,
        lastUsedAt: null,
      });
      expect(await store.tokens.byHash(hashToken('nope'))).toBeNull();
      await store.tokens.touch(a, '2026-01-02T00:00:00.000Z');
      expect((await store.tokens.list()).map((t) => [t.id, t.name, t.lastUsedAt])).toEqual([
        [a, 'rack-1', '2026-01-02T00:00:00.000Z'],
        [b, 'ops', null],
      ]);
      expect(await store.tokens.isActive(a)).toBe(true);
      expect(await store.tokens.revoke(String(a), '2026-01-03T00:00:00.000Z')).toBe(1);
      expect(await store.tokens.revoke('rack-1', '2026-01-03T00:00:00.000Z')).toBe(0);
      expect(await store.tokens.isActive(a)).toBe(false);
      expect((await store.tokens.byHash(hashToken('a')))?.revokedAt).toBe('2026-01-03T00:00:00.000Z');
      expect(await store.tokens.revoke('ops', '2026-01-03T00:00:00.000Z')).toBe(1);
      expect(await store.tokens.isActive(9999)).toBe(false);
    });

    it('binds an agent id to the token that registered it; a revoked token passes it on', async () => {
      const at = '2026-01-01T00:00:00.000Z';
      const first = await store.tokens.insert({
        name: 'a',
        hash: hashToken('a'),
        scopes: 'agent',
        createdAt: at,
      });
      const second = await store.tokens.insert({
        name: 'b',
        hash: hashToken('b'),
        scopes: 'agent',
        createdAt: at,
      });
      expect(await store.ingest.registerAgent(hello('agent-a'), first)).toEqual({ status: 'registered' });
      expect(await store.ingest.registerAgent(hello('agent-a'), first)).toEqual({ status: 'registered' });
      expect(await store.ingest.registerAgent(hello('agent-a'), second)).toEqual({
        status: 'taken',
        boundTokenId: first,
      });
      await store.tokens.revoke('a', at);
      expect(await store.ingest.registerAgent(hello('agent-a'), second)).toEqual({ status: 'registered' });
      expect(await store.ingest.registerAgent(hello('agent-a'), first)).toEqual({
        status: 'taken',
        boundTokenId: second,
      });
      const platforms = await store.queries.platforms();
      expect(platforms.map((p) => [p.id, p.measurements])).toEqual([[platform.id, 0]]);
      expect(platforms[0]!.input).toEqual(hello().platforms[0]!.input);
      expect(await store.queries.platformExists(platform.id)).toBe(true);
      expect(await store.queries.platformExists('nope')).toBe(false);
      const detail = await store.queries.platform(platform.id);
      expect(detail?.agents.map((a) => [a.id, a.host, a.lastSeq])).toEqual([['agent-a', 'test-host', null]]);
    });

    it('stores a batch exactly once: a resend (here or through another store) is a duplicate', async () => {
      await store.ingest.registerAgent(hello('agent-a'), null);
      const records = [fcRecord(0), fcRecord(1), fcRecord(2)];
      const first = await store.ingest.writeBatches([batch('agent-a', 1, records)]);
      expect(first.outcomes).toEqual([{ status: 'stored', stored: 3 }]);
      expect([...first.counts.values()]).toEqual([{ platformId: platform.id, modelKind: 'fc', added: 3 }]);
      const again = await store.ingest.writeBatches([batch('agent-a', 1, records)]);
      expect(again.outcomes).toEqual([{ status: 'duplicate' }]);
      expect(again.counts.size).toBe(0);
      // The agent reconnects to another replica and resends its unacked batch.
      const replica = await fixture.openAnother();
      expect((await replica.ingest.writeBatches([batch('agent-a', 1, records)])).outcomes).toEqual([
        { status: 'duplicate' },
      ]);
      expect(await replica.ingest.lastSeq('agent-a')).toBe(1);
      // One group holding a batch and its resend: the second is a duplicate of the first.
      const group = await store.ingest.writeBatches([
        batch('agent-a', 2, [fcRecord(3)]),
        batch('agent-a', 2, [fcRecord(3)]),
      ]);
      expect(group.outcomes).toEqual([{ status: 'stored', stored: 1 }, { status: 'duplicate' }]);
      expect(await store.queries.totalMeasurements()).toBe(4);
      expect(await store.ingest.lastSeq('agent-a')).toBe(2);
      expect((await store.queries.platform(platform.id))?.agents[0]?.lastSeq).toBe(2);
    });

    it('stores a batch sent to two stores at once exactly once', async () => {
      const replica = await fixture.openAnother();
      await store.ingest.registerAgent(hello('agent-a'), null);
      const records = Array.from({ length: 20 }, (_, i) => fcRecord(i));
      const outcomes = await Promise.all([
        store.ingest.writeBatches([batch('agent-a', 7, records)]),
        replica.ingest.writeBatches([batch('agent-a', 7, records)]),
      ]);
      const statuses = outcomes.map((o) => o.outcomes[0]!.status).sort();
      expect(statuses).toEqual(['duplicate', 'stored']);
      expect(await store.queries.totalMeasurements()).toBe(20);
    });

    it('refuses a seq below the last committed one (never received) and stores nothing of it', async () => {
      await ingest([fcRecord(0)], 5);
      const outcome = await store.ingest.writeBatches([batch('agent-a', 3, [fcRecord(1)])]);
      expect(outcome.outcomes).toEqual([{ status: 'backwards', lastSeq: 5 }]);
      expect(await store.queries.totalMeasurements()).toBe(1);
      expect(await store.ingest.lastSeq('agent-a')).toBe(5);
      expect(await store.ingest.lastSeq('agent-unknown')).toBeNull();
    });

    it('summarises precision: drift within a run apart from drift between agent processes', async () => {
      await store.ingest.registerAgent(hello('agent-a'), null);
      const timed = (i: number, revisit?: Precision['revisit']): LayerRecord => {
        const r = fcRecord(i);
        const m = r.runtime.medianMs;
        return {
          ...r,
          precision: {
            protocol: 'blocks',
            clock: 'process-cpu',
            runsPerBlock: 10,
            blocks: 20,
            warmupRuns: 10,
            ciLowMs: m * 0.99,
            ciHighMs: m * 1.03,
            confidence: 0.95,
            targetRel: 0.02,
            targetReached: false,
            outlierBlocks: 1,
            wallMedianMs: m * 1.2,
            ...(revisit ? { revisit } : {}),
          },
        };
      };
      await store.ingest.writeBatches([
        batch('agent-a', 1, [
          timed(0),
          timed(1, { firstMedianMs: 1, driftRel: 0.05 }),
          timed(2, { firstMedianMs: 1, driftRel: -0.3, acrossProcesses: true }),
          timed(3, { firstMedianMs: 1, driftRel: 0.1, acrossProcesses: true }),
          timed(4, { firstMedianMs: 1, driftRel: -0.01, acrossProcesses: false }),
        ]),
      ]);
      const precision = (await store.queries.platform(platform.id))?.precision;
      expect(precision).toMatchObject({
        records: 5,
        targetReached: 0,
        blocks: 100,
        outlierBlocks: 5,
        drift: { revisits: 2, medianAbsRel: 0.01, maxAbsRel: 0.05 },
        processDrift: { revisits: 2, medianAbsRel: 0.1, maxAbsRel: 0.3 },
      });
      expect(precision?.ciHalfWidthRel.median).toBeCloseTo(0.03, 9);
      // A fit reads each row's interval and target: its weight.
      const rows = await store.fits.trainingRows(platform.id, 'fc');
      expect(rows[0]).toMatchObject({ precision_target_reached: 0, precision_target_rel: 0.02 });
      expect(rows[0]!.runtime_ci_high_ms).toBeCloseTo(fcRecord(0).runtime.medianMs * 1.03, 12);
      expect(rows[0]!.runtime_ci_low_ms).toBeCloseTo(fcRecord(0).runtime.medianMs * 0.99, 12);
    });

    it('answers the queries: counts, keys, network records, export pages, recent layer rows', async () => {
      await store.ingest.registerAgent(hello('agent-a'), null);
      const layers = Array.from({ length: 5 }, (_, i) => fcRecord(i));
      await store.ingest.writeBatches([batch('agent-a', 1, layers), batch('agent-a', 2, [networkRecord()])]);
      const detail = await store.queries.platform(platform.id);
      expect(detail?.counts).toEqual({ fc: 5, network: 1 });
      expect(detail?.measurements).toBe(6);
      expect(detail?.precision).toBeNull();
      expect((await store.queries.keys(platform.id)).length).toBe(6);
      const networks = await store.queries.networkRecords(platform.id);
      expect(networks.map((n) => [n.type, n.network_name, n.batch])).toEqual([['network', 'AlexNet', 2]]);
      const page1 = await store.queries.exportPage({ platformId: platform.id }, 0, 4);
      const page2 = await store.queries.exportPage({ platformId: platform.id }, page1[3]!.id, 4);
      expect(page1.length + page2.length).toBe(6);
      expect(await store.queries.exportPage({ kind: 'network' }, 0, 10)).toHaveLength(1);
      const fromSecond = await store.queries.exportPage(
        { kind: 'fc', from: '2026-01-01T00:00:01.000Z', to: '2026-01-01T00:00:03.000Z' },
        0,
        10,
      );
      expect(fromSecond.map((r) => r.started_at)).toEqual([
        '2026-01-01T00:00:01.000Z',
        '2026-01-01T00:00:02.000Z',
      ]);
      expect(JSON.parse(page1[0]!.record_json)).toEqual(layers[0]);
      const recent = await store.queries.recentLayerRows(platform.id, 'fc', 2);
      expect(recent.map((r) => JSON.parse(r.record_json).startedAt)).toEqual([
        layers[4]!.startedAt,
        layers[3]!.startedAt,
      ]);
      expect(await store.queries.platform('nope')).toBeNull();
    });

    it('allocates model versions in the store: strictly increasing, parents, pointers, snapshots', async () => {
      await ingest([fcRecord(0)]);
      const first = await store.models.addVersions(
        [version('fc', 'runtime'), version('fc', 'power')],
        'fit: test',
      );
      expect(first.map((v) => [v.version, v.parentVersion, v.current])).toEqual([
        [1, null, true],
        [2, null, true],
      ]);
      const second = await store.models.addVersions([version('fc', 'runtime', 0.05)], 'fit: test');
      expect(second.map((v) => [v.version, v.parentVersion])).toEqual([[3, 1]]);
      expect(await store.models.currentPointers(platform.id)).toEqual([
        { kind: 'fc', target: 'power', version: 2 },
        { kind: 'fc', target: 'runtime', version: 3 },
      ]);
      expect(await store.models.snapshotPointers(platform.id, 2)).toEqual([
        { kind: 'fc', target: 'power', version: 2 },
        { kind: 'fc', target: 'runtime', version: 1 },
      ]);
      expect(await store.models.versionNumbers(platform.id)).toEqual([1, 2, 3]);
      expect((await store.models.list(platform.id)).map((v) => [v.version, v.current])).toEqual([
        [1, false],
        [2, true],
        [3, true],
      ]);
      const got = await store.models.get(platform.id, 3);
      expect(got).toMatchObject({
        kind: 'fc',
        target: 'runtime',
        version: 3,
        parentVersion: 1,
        current: true,
      });
      expect(JSON.parse(got!.modelJson)).toEqual({ kind: 'fc', target: 'runtime', rmspe: 0.05 });
      expect(got!.report).toEqual({ rmspe: 0.05, rmse: 1, mape: 0.1, lambda: 0.01 });
      expect(await store.models.get(platform.id, 99)).toBeNull();
      expect((await store.models.current(platform.id)).map((v) => v.version)).toEqual([2, 3]);
      expect(await store.models.modelJson(platform.id, 2)).toBe(
        JSON.stringify({ kind: 'fc', target: 'power', rmspe: 0.1 }),
      );
      expect(await store.models.modelJson(platform.id, 9)).toBeNull();
      expect(await store.models.currentTrainingHash(platform.id, 'fc', 'runtime')).toBe('fc-runtime-0.05');
      expect(await store.models.currentTrainingHash(platform.id, 'conv', 'runtime')).toBeNull();
      // Each platform counts on its own.
      await store.ingest.registerAgent(
        { ...hello('agent-b'), platforms: [{ ...hello().platforms[0]!, id: other.id }] },
        null,
      );
      const elsewhere = await store.models.addVersions(
        [version('fc', 'runtime', 0.1, other.id)],
        'fit: test',
      );
      expect(elsewhere[0]!.version).toBe(1);
    });

    it('refuses a version whose report is not finite, storing nothing', async () => {
      await ingest([fcRecord(0)]);
      await expect(
        store.models.addVersions([version('fc', 'runtime'), version('fc', 'power', Number.NaN)], 'fit: test'),
      ).rejects.toThrow(/refusing to store fc\/power .*report\.rmspe is not finite/);
      expect(await store.models.versionNumbers(platform.id)).toEqual([]);
    });

    it('hands out distinct, increasing versions to concurrent writers (also through another store)', async () => {
      await ingest([fcRecord(0)]);
      const replica = await fixture.openAnother();
      const results = await Promise.all([
        store.models.addVersions([version('fc', 'runtime', 0.1), version('fc', 'power', 0.1)], 'a'),
        replica.models.addVersions([version('conv', 'runtime', 0.2), version('conv', 'power', 0.2)], 'b'),
        store.models.addVersions([version('pool', 'runtime', 0.3)], 'c'),
        replica.models.addVersions([version('relu', 'runtime', 0.4)], 'd'),
      ]);
      const numbers = results.flatMap((r) => r.map((v) => v.version));
      expect([...numbers].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
      for (const r of results) {
        // One call's versions are consecutive: one transaction.
        for (let i = 1; i < r.length; i++) expect(r[i]!.version).toBe(r[i - 1]!.version + 1);
      }
      expect(await store.models.versionNumbers(platform.id)).toEqual([1, 2, 3, 4, 5, 6]);
    });

    it('records a fit: its versions and the fit-every counter in one step, even with no versions', async () => {
      await ingest(Array.from({ length: 4 }, (_, i) => fcRecord(i)));
      expect(await store.fits.fitStates()).toEqual([]);
      const none = await store.models.recordFit({
        platformId: platform.id,
        kind: 'fc',
        measurementsAtFit: 4,
        versions: [],
        reason: 'fit: test',
      });
      expect(none).toEqual([]);
      expect(await store.fits.fitStates()).toEqual([
        { platformId: platform.id, kind: 'fc', measurementsAtFit: 4 },
      ]);
      const made = await store.models.recordFit({
        platformId: platform.id,
        kind: 'fc',
        measurementsAtFit: 6,
        versions: [version('fc', 'runtime')],
        reason: 'fit: test',
      });
      expect(made.map((v) => v.version)).toEqual([1]);
      expect(await store.fits.fitStates()).toEqual([
        { platformId: platform.id, kind: 'fc', measurementsAtFit: 6 },
      ]);
      expect(await store.fits.layerCounts()).toEqual([
        { platformId: platform.id, kind: 'fc', measurements: 4 },
      ]);
    });

    it('rolls a pointer back to the parent or to a given version, and says why it cannot', async () => {
      await ingest([fcRecord(0)]);
      await expect(store.models.rollback(platform.id, 'fc', 'runtime')).rejects.toThrow(
        /has no current fc runtime model/,
      );
      await store.models.addVersions([version('fc', 'runtime', 0.3)], 'fit'); // 1
      await store.models.addVersions([version('fc', 'power', 0.3)], 'fit'); // 2
      await store.models.addVersions([version('fc', 'runtime', 0.2)], 'fit'); // 3
      await store.models.addVersions([version('fc', 'runtime', 0.1)], 'fit'); // 4
      expect(await store.models.rollback(platform.id, 'fc', 'runtime')).toEqual({
        kind: 'fc',
        target: 'runtime',
        fromVersion: 4,
        toVersion: 3,
      });
      expect(await store.models.rollback(platform.id, 'fc', 'runtime', 1)).toEqual({
        kind: 'fc',
        target: 'runtime',
        fromVersion: 3,
        toVersion: 1,
      });
      expect(
        (await store.models.currentPointers(platform.id)).find((p) => p.target === 'runtime')?.version,
      ).toBe(1);
      await expect(store.models.rollback(platform.id, 'fc', 'runtime')).rejects.toThrow(
        /version 1 .* has no parent/,
      );
      await expect(store.models.rollback(platform.id, 'fc', 'runtime', 2)).rejects.toThrow(
        /version 2 is a fc power model, not fc runtime/,
      );
      await expect(store.models.rollback(platform.id, 'fc', 'runtime', 42)).rejects.toThrow(
        /has no model version 42/,
      );
      // A new fit after a rollback takes the next number, its parent the rolled-back pointer.
      const next = await store.models.addVersions([version('fc', 'runtime', 0.05)], 'fit');
      expect(next.map((v) => [v.version, v.parentVersion])).toEqual([[5, 1]]);
    });

    it('announces every pointer move (versions, fits, rollbacks) until unsubscribed', async () => {
      await ingest([fcRecord(0)]);
      const seen: ModelVersionChange[] = [];
      const unsubscribe = store.onModelVersionChange((c) => seen.push(c));
      await store.models.addVersions([version('fc', 'runtime', 0.2)], 'fit');
      await store.models.recordFit({
        platformId: platform.id,
        kind: 'fc',
        measurementsAtFit: 1,
        versions: [version('fc', 'runtime', 0.1)],
        reason: 'fit',
      });
      await store.models.rollback(platform.id, 'fc', 'runtime');
      await waitFor(() => seen.length >= 3);
      expect(seen.filter((c) => c.platformId === platform.id).length).toBeGreaterThanOrEqual(3);
      unsubscribe();
      const count = seen.length;
      await store.models.addVersions([version('fc', 'runtime', 0.05)], 'fit');
      await new Promise((r) => setTimeout(r, 50));
      expect(seen.length).toBe(count);
    });

    it('announces pointer moves made through another store on a database shared by replicas', async () => {
      if (!fixture.replicas) return; // one collector per database: announcements stay in-process
      await ingest([fcRecord(0)]);
      const replica = await fixture.openAnother();
      const seen: ModelVersionChange[] = [];
      store.onModelVersionChange((c) => seen.push(c));
      await replica.models.addVersions([version('fc', 'runtime')], 'fit on the other replica');
      await waitFor(() => seen.some((c) => c.platformId === platform.id || c.platformId === null));
      await replica.models.rollback(platform.id, 'fc', 'runtime', 1);
    });

    it('runs one fit per (platform, kind) at a time under the fit lock; other kinds run alongside', async () => {
      const log: string[] = [];
      const job = (label: string, ms: number) => async () => {
        log.push(`${label}+`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`${label}-`);
        return label;
      };
      const replica = fixture.replicas ? await fixture.openAnother() : store;
      const results = await Promise.all([
        store.fits.withFitLock(platform.id, 'fc', job('a', 60)),
        replica.fits.withFitLock(platform.id, 'fc', job('b', 10)),
        store.fits.withFitLock(platform.id, 'conv', job('c', 10)),
      ]);
      expect(results).toEqual(['a', 'b', 'c']);
      const fc = log.filter((l) => l.startsWith('a') || l.startsWith('b'));
      // The two fc fits never overlap: one finishes before the other starts.
      expect(fc[1]![0]).toBe(fc[0]![0]);
      // conv did not wait for the fc fit.
      expect(log.indexOf('c-')).toBeLessThan(log.indexOf('a-'));
      // The lock is released when the fit fails.
      await expect(
        store.fits.withFitLock(platform.id, 'fc', async () => {
          throw new Error('fit failed');
        }),
      ).rejects.toThrow('fit failed');
      expect(await store.fits.withFitLock(platform.id, 'fc', async () => 'after')).toBe('after');
    });

    it('reads training rows: unexcluded, plausible layer rows of the kind, in order', async () => {
      const records = [
        fcRecord(0),
        fcRecord(1),
        fcRecord(2, { runtime: { meanMs: BOUNDS.runtimeMs.min / 10, medianMs: 1, stdMs: 0, n: 5 } }),
        fcRecord(3, { power: 'unavailable' }),
      ];
      await ingest(records);
      const rows = await store.fits.trainingRows(platform.id, 'fc');
      expect(rows.map((r) => JSON.parse(r.record_json).startedAt)).toEqual([
        records[0]!.startedAt,
        records[1]!.startedAt,
        records[3]!.startedAt,
      ]);
      expect(rows[2]!.power_mean_w).toBeNull();
      expect(rows[0]!.runtime_mean_ms).toBe(records[0]!.runtime.meanMs);
      expect(rows[0]!.precision_target_reached).toBeNull();
      expect(await store.fits.trainingRows(platform.id, 'conv')).toEqual([]);
      expect((await store.fits.proposalRows(platform.id, 'fc')).length).toBe(4);
    });

    it('curates: exclude, include and delete with an audit trail; a deleted batch is still a duplicate', async () => {
      await ingest(Array.from({ length: 4 }, (_, i) => fcRecord(i)));
      const actor = { tokenId: null, tokenName: 'operator' };
      const excluded = await store.curation.apply(
        'exclude',
        { platformId: platform.id, kind: 'fc', before: '2026-01-01T00:00:02.000Z' },
        actor,
        'warm-up rows',
      );
      expect(excluded).toMatchObject({ action: 'exclude', rows: 2, kinds: ['fc'] });
      expect((await store.fits.trainingRows(platform.id, 'fc')).length).toBe(2);
      expect(await store.queries.exportPage({}, 0, 10)).toHaveLength(2);
      expect(await store.queries.totalMeasurements()).toBe(4);
      // Excluding the whole kind takes only the rows still in use.
      expect(
        (await store.curation.apply('exclude', { platformId: platform.id, kind: 'fc' }, actor)).rows,
      ).toBe(2);
      expect(
        (await store.curation.apply('include', { platformId: platform.id, kind: 'fc' }, actor)).rows,
      ).toBe(4);
      expect((await store.fits.trainingRows(platform.id, 'fc')).length).toBe(4);
      const key = (await store.queries.keys(platform.id))[0]!;
      const deleted = await store.curation.apply('delete', { platformId: platform.id, key }, actor);
      expect(deleted).toMatchObject({ action: 'delete', rows: 1, kinds: ['fc'] });
      expect(await store.queries.totalMeasurements()).toBe(3);
      const none = await store.curation.apply(
        'delete',
        { platformId: platform.id, implausible: true },
        actor,
      );
      expect(none.rows).toBe(0);
      const audit = await store.curation.audit(platform.id);
      expect(audit.map((a) => [a.action, a.rows, a.tokenName])).toEqual([
        ['delete', 0, 'operator'],
        ['delete', 1, 'operator'],
        ['include', 4, 'operator'],
        ['exclude', 2, 'operator'],
        ['exclude', 2, 'operator'],
      ]);
      expect(audit[4]!.reason).toBe('warm-up rows');
      expect(audit[4]!.filter).toEqual({
        platformId: platform.id,
        kind: 'fc',
        before: '2026-01-01T00:00:02.000Z',
      });
      expect(audit[0]!.id).toBeGreaterThan(audit[1]!.id);
      expect(await store.curation.audit(null, 2)).toHaveLength(2);
      expect(await store.curation.audit('nope')).toEqual([]);
      expect((await store.ingest.writeBatches([batch('agent-a', 1, [fcRecord(0)])])).outcomes).toEqual([
        { status: 'duplicate' },
      ]);
    });

    it('leases campaign items: disjoint per agent, retried requests get the same lease, renew, release, budget', async () => {
      await store.ingest.registerAgent(hello('agent-a'), null);
      await store.campaigns.create('c-1', platform.id, campaignOptions, plannedItems(6));
      expect(await store.campaigns.ids()).toEqual(['c-1']);
      expect(await store.campaigns.ids({ state: 'done' })).toEqual([]);
      const now = 1_000_000;
      const req = { budget: 4, ttlMs: 10_000, nowMs: now };
      const a = await store.campaigns.lease('c-1', { ...req, agentId: 'agent-a', requestId: 'r1', max: 2 });
      const b = await store.campaigns.lease('c-1', { ...req, agentId: 'agent-b', requestId: 'r1', max: 5 });
      if (a.kind !== 'lease' || b.kind !== 'lease') throw new Error('expected leases');
      expect(a.items.map((i) => i.key)).toEqual(plannedItems(2).map((i) => i.key)); // priority order
      expect(b.items).toHaveLength(2); // the budget leaves 2
      expect(new Set([...a.items, ...b.items].map((i) => i.itemId)).size).toBe(4);
      const retried = await store.campaigns.lease('c-1', {
        ...req,
        agentId: 'agent-a',
        requestId: 'r1',
        max: 2,
      });
      expect(retried).toEqual(a);
      expect(
        await store.campaigns.lease('c-1', { ...req, agentId: 'agent-c', requestId: 'r1', max: 2 }),
      ).toEqual({
        kind: 'none',
      });
      expect(await store.campaigns.progress('c-1', 4)).toEqual({
        planned: 6,
        measured: 0,
        leased: 4,
        left: 0,
      });
      expect(await store.campaigns.leaseOwner('c-1', a.id)).toBe('agent-a');
      expect(await store.campaigns.leaseOwner('c-1', 'l-nope')).toBeNull();
      const renewed = await store.campaigns.renew('c-1', a.id, 10_000, now + 5000);
      expect(renewed.expiresAtMs).toBe(now + 15_000);
      expect(renewed.held.sort()).toEqual(a.items.map((i) => i.itemId).sort());
      // Measuring an item marks it measured, whoever sent it.
      await store.ingest.writeBatches([batch('agent-a', 1, [fcRecord(0)])]);
      expect(await store.campaigns.sync('c-1', now + 6000)).toBe(1);
      expect((await store.campaigns.progress('c-1', 4)).measured).toBe(1);
      expect(await store.campaigns.release(a.id)).toBe(1);
      // b's lease expires: its items go back to the pool.
      await store.campaigns.sync('c-1', now + 20_000);
      const detail = await store.campaigns.detail('c-1', now + 20_000);
      expect(detail?.progress).toEqual({ planned: 6, measured: 1, leased: 0, left: 3 });
      expect(detail?.kinds['fc']).toMatchObject({ planned: 6, measured: 1 });
      expect(detail?.leases).toEqual([]);
      const pool = await store.campaigns.pool('c-1', 'fc');
      expect(pool).toHaveLength(5);
      // Proposals raise items above the rest of the pool.
      const last = pool[pool.length - 1]!.itemId;
      await store.campaigns.prioritise('c-1', [last]);
      const c = await store.campaigns.lease('c-1', {
        ...req,
        nowMs: now + 21_000,
        agentId: 'agent-c',
        requestId: 'r2',
        max: 1,
      });
      expect(c.kind === 'lease' && c.items.map((i) => i.itemId)).toEqual([last]);
      await store.campaigns.setErrors('c-1', { fc: { runtime: 0.2, rows: 1 } });
      await store.campaigns.setState('c-1', 'stopped', 'stopped by test');
      const summary = await store.campaigns.summary('c-1');
      expect(summary).toMatchObject({
        state: 'stopped',
        reason: 'stopped by test',
        errors: { fc: { runtime: 0.2, rows: 1 } },
      });
      expect(summary?.options).toEqual(campaignOptions);
      expect(summary?.progress.leased).toBe(0); // stopping freed the lease
      expect(await store.campaigns.summary('c-nope')).toBeNull();
      expect(await store.campaigns.detail('c-nope', now)).toBeNull();
    });

    it('closes idempotently', async () => {
      const replica = await fixture.openAnother();
      await replica.close();
      await replica.close();
    });
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, 10));
  }
}
