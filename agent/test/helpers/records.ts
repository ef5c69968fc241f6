import { conv, fc } from '@neuralpower/core';
import {
  type LayerRecord,
  layerConfigKey,
  type PlatformDeclaration,
  platformFingerprint,
} from '@neuralpower/protocol';

const input = {
  kind: 'cpu' as const,
  cpuModel: 'Agent Test CPU',
  engine: { name: 'tfjs', backend: 'cpu', version: '4.22.0' },
};
const fp = platformFingerprint(input);
export const testPlatform: PlatformDeclaration = { id: fp.id, description: fp.description, input };

export function layerRecord(i: number): { record: LayerRecord; key: string } {
  const record: LayerRecord = {
    type: 'layer',
    platform: fp.id,
    spec: i % 2 === 0 ? fc(10 + i) : conv(4, 3),
    inputs: [i % 2 === 0 ? [1, 1, 8] : [8, 8, 2 + i]],
    batch: 1,
    runtime: { meanMs: 1 + i, medianMs: 1 + i, stdMs: 0.1, n: 50 },
    power: 'unavailable',
    energyMj: null,
    startedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
    endedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i + 1)).toISOString(),
  };
  return { record, key: layerConfigKey(fp.id, record) };
}
