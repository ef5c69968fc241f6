import { conv, fc, type LayerSpec, pool, type Shape } from '@neuralpower/core';
import { type LayerRecord, platformFingerprint } from '@neuralpower/protocol';

export const benchPlatformInput = {
  kind: 'gpu' as const,
  gpuName: 'Bench GPU',
  driverVersion: '1.0',
  enforcedPowerLimitW: 300,
  engine: { name: 'tfjs', backend: 'tensorflow', version: '4.22.0' },
};
export const benchPlatform = platformFingerprint(benchPlatformInput);

/** A deterministic mix of conv, fc and pool records (the kinds agents mostly send). */
export function benchRecord(i: number): LayerRecord {
  const kind = i % 3;
  const batch = 1 + (i % 16);
  let spec: LayerSpec;
  let inputs: Shape[];
  if (kind === 0) {
    spec = conv(16 + (i % 7) * 16, 1 + (i % 3) * 2, { stride: 1 + (i % 2) });
    inputs = [[8 + (i % 25) * 4, 8 + (i % 25) * 4, 3 + (i % 64)]];
  } else if (kind === 1) {
    spec = fc(10 + (i % 990));
    inputs = [[1, 1, 50 + (i % 4000)]];
  } else {
    spec = pool('max', 2 + (i % 2));
    inputs = [[16 + (i % 30) * 2, 16 + (i % 30) * 2, 8 + (i % 120)]];
  }
  const meanMs = 0.1 + (i % 997) * 0.01;
  const meanW = 80 + (i % 113);
  return {
    type: 'layer',
    platform: benchPlatform.id,
    spec,
    inputs,
    batch,
    runtime: { meanMs, medianMs: meanMs * 0.98, stdMs: meanMs * 0.03, n: 50 },
    power: {
      meanW,
      samples: 40,
      windowMs: 2000,
      source: 'nvidia-smi',
      minW: meanW - 5,
      maxW: meanW + 5,
      intervalMs: 50,
    },
    energyMj: meanW * meanMs,
    clocks: { smMHz: 1800, memMHz: 2600 },
    temperatureC: 60,
    throttleReasons: [],
    startedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    endedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000 + 2000).toISOString(),
  };
}
