/**
 * End to end: an agent process measures three tiny networks (every layer and each network end to
 * end) into a collector process on 127.0.0.1; a fit request fits the layer models and then the
 * platform's network correction, which predictions (HTTP and the CLI) apply and report.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  conv,
  type LayerSpec,
  type NetworkCorrectionJson,
  networkFeatures,
  parseNetworkCorrection,
  pool,
} from '@neuralpower/core';
import { importNative } from '@neuralpower/networks';
import { afterAll, describe, expect, it } from 'vitest';
import { agentSweepArgs, parseSummary, spawnAgent } from './support/agent-cli.js';
import { spawnCli, spawnCollector } from './support/processes.js';
import { createToken } from './support/store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'np-net-correction-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const relu: LayerSpec = { kind: 'activation', fn: 'relu' };
const NETWORKS: Record<string, LayerSpec[]> = {
  'tiny-a': [conv(4, 3), relu, conv(8, 3)],
  'tiny-b': [conv(8, 3), pool('max', 2), conv(8, 3), relu],
  'tiny-c': [conv(4, 3), conv(4, 3), conv(6, 3)],
};

function writeNetwork(name: string, specs: LayerSpec[]): string {
  const file = path.join(dir, `${name}.json`);
  const nodes = specs.map((spec, i) => ({ name: `l${i}`, spec, parents: i === 0 ? [] : [`l${i - 1}`] }));
  writeFileSync(file, JSON.stringify({ name, batch: 1, input: [8, 8, 3], nodes }));
  return file;
}

describe('network correction', () => {
  it('is fitted from measured networks and applied by predict', async () => {
    const dbPath = path.join(dir, 'collector.db');
    const agentToken = await createToken(dbPath, 'agent');
    const admin = await createToken(dbPath, 'admin', ['admin']);
    const collector = await spawnCollector(dbPath, 0, { collector: { fitEvery: 0 } });
    try {
      const files = Object.entries(NETWORKS).map(([name, specs]) => writeNetwork(name, specs));
      const args = agentSweepArgs(
        collector.port,
        agentToken,
        path.join(dir, 'agent'),
        { kinds: 'conv', count: 4, seed: 3 },
        true,
      );
      const agent = spawnAgent([...args, ...files.flatMap((f) => ['--network', f])]);
      const exit = await agent.exited;
      expect(exit.code, agent.tail()).toBe(0);
      expect(parseSummary(agent)).toMatchObject({ failed: 0, pending: 0 });

      const call = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
        const res = await fetch(`${collector.url}${url}`, {
          method,
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        expect(res.status, `${method} ${url}`).toBe(200);
        return (await res.json()) as T;
      };
      const {
        platforms: [platform],
      } = await call<{ platforms: { id: string }[] }>('GET', '/v1/platforms');
      await call('POST', `/v1/platforms/${platform!.id}/fit`, {});
      const models = await call<{ current: { kind: string; target: string; version: number }[] }>(
        'GET',
        `/v1/platforms/${platform!.id}/models`,
      );
      const pointer = models.current.find((p) => p.kind === 'network');
      expect(pointer, JSON.stringify(models.current)).toMatchObject({ target: 'runtime' });
      const stored = await call<{ model: NetworkCorrectionJson; trainingRows: number }>(
        'GET',
        `/v1/platforms/${platform!.id}/models/${pointer!.version}`,
      );
      expect(stored.model).toMatchObject({
        format: 'neuralpower.network-correction/1',
        networks: 3,
        records: 3,
      });
      const correction = parseNetworkCorrection(stored.model);

      // Predicting one of the measured networks applies the stored correction to its layers' sum.
      const native = JSON.parse(JSON.stringify({ name: 'tiny-b', batch: 1, input: [8, 8, 3], nodes: [] }));
      native.nodes = NETWORKS['tiny-b']!.map((spec, i) => ({
        name: `l${i}`,
        spec,
        parents: i === 0 ? [] : [`l${i - 1}`],
      }));
      const p = await call<{
        layers: { runtimeMs: number | null }[];
        totals: {
          runtimeMs: number;
          uncorrectedRuntimeMs: number;
          correction: { networks: number; form: string; applied: boolean; runtimeMs: number } | null;
        };
      }>('POST', '/v1/predict', { platform: platform!.id, network: { native } });
      const sum = p.layers.reduce((acc, l) => acc + (l.runtimeMs ?? 0), 0);
      expect(p.totals.uncorrectedRuntimeMs).toBeCloseTo(sum, 9);
      const expected = correction.correct(networkFeatures(importNative(native), sum)).runtimeMs!;
      expect(p.totals.runtimeMs).toBeCloseTo(expected, 9);
      expect(p.totals.correction).toMatchObject({ networks: 3, form: correction.form, applied: true });

      // The CLI says so too.
      const cli = spawnCli(
        ['predict', '--collector', collector.url, '--platform', platform!.id, '--network', files[1]!],
        { NEURALPOWER_TOKEN: admin },
      );
      expect((await cli.exited).code, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(/network correction.*learned from 3 networks \(3 end-to-end records\)/);

      // A second fit with nothing new stores no new correction version.
      await call('POST', `/v1/platforms/${platform!.id}/fit`, {});
      const again = await call<{ current: { kind: string; version: number }[] }>(
        'GET',
        `/v1/platforms/${platform!.id}/models`,
      );
      expect(again.current.find((x) => x.kind === 'network')!.version).toBe(pointer!.version);
    } finally {
      await collector.proc.stop();
    }
  }, 300_000);
});
