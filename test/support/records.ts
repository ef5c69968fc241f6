import { fc } from '@neuralpower/core';
import {
  type Hello,
  type LayerRecord,
  type PlatformDeclaration,
  PROTOCOL_VERSION,
  platformFingerprint,
  recordKey,
} from '@neuralpower/protocol';

/** The CPU platform every synthetic agent declares. */
export const platformInput = {
  kind: 'cpu' as const,
  cpuModel: 'Reliability Test CPU',
  engine: { name: 'tfjs', backend: 'cpu', version: '4.22.0' },
};
const fingerprint = platformFingerprint(platformInput);
export const platform: PlatformDeclaration = {
  id: fingerprint.id,
  description: fingerprint.description,
  input: platformInput,
};

export function hello(agentId: string): Hello {
  return {
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    agentId,
    host: 'reliability-test',
    agentVersion: '0.1.0',
    platforms: [platform],
  };
}

/**
 * Record `i` of agent `agent`: an fc layer whose (units, input features) pair is unique across
 * all agents and indices, so its natural key identifies exactly one produced record.
 */
export function syntheticRecord(agent: number, i: number): LayerRecord {
  const meanMs = 0.05 + ((i * 7919 + agent * 104_729) % 1000) / 100;
  const meanW = 20 + (i % 50);
  const started = Date.UTC(2026, 0, 1) + i * 1000;
  return {
    type: 'layer',
    platform: platform.id,
    spec: fc(i + 1),
    inputs: [[1, 1, agent + 1]],
    batch: 1,
    runtime: { meanMs, medianMs: meanMs, stdMs: meanMs / 100, n: 5 },
    power: { meanW, samples: 10, windowMs: 1000, source: 'rapl' },
    energyMj: meanW * meanMs,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(started + 500).toISOString(),
  };
}

export { recordKey };
