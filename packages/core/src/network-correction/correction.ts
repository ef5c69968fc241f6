import { elementCount } from '../layers/shape.js';
import type { Network } from '../network/graph.js';
import {
  CORRECTION_FORMS,
  type CorrectedTotal,
  type CorrectionTerm,
  type NetworkCorrection,
  type NetworkCorrectionJson,
  type NetworkFeatures,
} from './types.js';

/** Bytes per activation element: the engines measure float32. */
const BYTES_PER_ELEMENT = 4;

/** The features of a network given the sum of its predicted layer runtimes. */
export function networkFeatures(network: Network, sumMs: number): NetworkFeatures {
  const elements = network.layers.reduce((acc, l) => acc + elementCount(l.output), 0);
  return {
    sumMs,
    layers: network.layers.length,
    activationMb: (elements * network.batch * BYTES_PER_ELEMENT) / 1e6,
  };
}

export function termValue(term: CorrectionTerm, f: NetworkFeatures): number {
  return term === 'const' ? 1 : f[term];
}

/** The form's total before any check: (Σ if the sum is fixed) + Σ coefficient·term. */
export function formTotal(
  fields: Pick<NetworkCorrectionJson, 'form' | 'coefficients'>,
  f: NetworkFeatures,
): number {
  const form = CORRECTION_FORMS[fields.form];
  let total = form.fixedSum ? f.sumMs : 0;
  for (const t of form.terms) total += (fields.coefficients[t] ?? 0) * termValue(t, f);
  return total;
}

/** Builds the immutable correction around validated fields (shared by fitting and parsing). */
export function makeNetworkCorrection(fields: NetworkCorrectionJson): NetworkCorrection {
  const frozen: NetworkCorrectionJson = Object.freeze({
    ...fields,
    coefficients: Object.freeze({ ...fields.coefficients }),
    cvRmspe: Object.freeze({ ...fields.cvRmspe }),
    interval: fields.interval === null ? null : Object.freeze({ ...fields.interval }),
    training: Object.freeze({
      sumMs: Object.freeze({ ...fields.training.sumMs }),
      layers: Object.freeze({ ...fields.training.layers }),
    }),
  });
  return Object.freeze({
    ...frozen,
    correct(features: NetworkFeatures): CorrectedTotal {
      const total = formTotal(frozen, features);
      if (!(total > 0) || !Number.isFinite(total)) return { runtimeMs: null, runtimeRangeMs: null };
      const iv = frozen.interval;
      return {
        runtimeMs: total,
        runtimeRangeMs: iv === null ? null : { low: total * iv.lowRatio, high: total * iv.highRatio },
      };
    },
  });
}
