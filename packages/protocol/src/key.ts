import { type LayerSpec, modelKindOf, parseLayerSpec, type Shape } from '@neuralpower/core';
import type { MeasurementRecord } from './records.js';

/** JSON with object keys sorted, so equal specs give equal text whatever order their fields came in. */
export function canonicalJson(value: unknown): string {
  // Hot on ingest (one key per record): plain loops, no intermediate arrays of entries.
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = obj[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${canonicalJson(v)}`;
    first = false;
  }
  return `${out}}`;
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
  // parseLayerSpec rebuilds the spec with the core's fixed field order (and drops unknown fields), so
  // its JSON is canonical whatever order the caller's fields came in — 3-5x cheaper than sorting keys,
  // and this runs once per ingested record. Shapes are arrays of numbers: JSON is canonical already.
  return `${platform}|layer|${kind}|${JSON.stringify(parseLayerSpec(config.spec))}|${JSON.stringify(config.inputs)}|${config.batch}`;
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
