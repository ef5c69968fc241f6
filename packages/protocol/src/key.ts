import { type LayerSpec, modelKindOf, type Shape } from '@neuralpower/core';
import type { MeasurementRecord } from './records.js';

/** JSON with object keys sorted, so equal specs give equal text whatever order their fields came in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Natural key of a layer measurement: platform + model kind + spec + input shapes + batch.
 * An agent computes it before measuring to skip configurations the collector already has.
 */
export function layerConfigKey(
  platform: string,
  config: { readonly spec: LayerSpec; readonly inputs: readonly Shape[]; readonly batch: number },
): string {
  const kind = modelKindOf(config.spec) ?? 'unsupported';
  return `${platform}|layer|${kind}|${canonicalJson(config.spec)}|${canonicalJson(config.inputs)}|${config.batch}`;
}

/** Natural key of a network measurement: platform + network name + batch. */
export function networkConfigKey(platform: string, networkName: string, batch: number): string {
  return `${platform}|network|${networkName}|${batch}`;
}

export function recordKey(record: MeasurementRecord): string {
  return record.type === 'layer'
    ? layerConfigKey(record.platform, record)
    : networkConfigKey(record.platform, record.network.name, record.batch);
}
