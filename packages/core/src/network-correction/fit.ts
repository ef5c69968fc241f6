import { errorMetrics } from '../fit/metrics.js';
import { ModelError, type PredictionInterval } from '../model/types.js';
import { formTotal, makeNetworkCorrection, termValue } from './correction.js';
import {
  CORRECTION_FORM_NAMES,
  CORRECTION_FORMS,
  type CorrectionForm,
  type CorrectionTerm,
  NETWORK_CORRECTION_FORMAT,
  type NetworkCorrection,
  type NetworkObservation,
} from './types.js';

/** The share of left-out networks the stored interval is meant to cover. */
const INTERVAL_LEVEL = 0.9;

type Coefficients = Partial<Record<CorrectionTerm, number>>;

function check(observations: readonly NetworkObservation[]): void {
  observations.forEach((o, i) => {
    for (const key of ['measuredMs', 'sumMs', 'layers', 'activationMb'] as const) {
      const v = o[key];
      const ok = typeof v === 'number' && Number.isFinite(v) && (key === 'activationMb' ? v >= 0 : v > 0);
      if (!ok) {
        throw new ModelError(
          `observations[${i}].${key}`,
          `must be a finite number ${key === 'activationMb' ? '≥ 0' : '> 0'} (got ${JSON.stringify(v)})`,
        );
      }
    }
    if (typeof o.name !== 'string' || o.name.length === 0) {
      throw new ModelError(`observations[${i}].name`, 'must be a non-empty string');
    }
  });
}

/**
 * Least squares of the relative error: minimises Σ((measured − total)/measured)², so a 2 ms network
 * counts as much as a 2 s one. Columns are scaled to their largest value before the normal
 * equations are solved; a singular system (a term constant across networks, say) gives null.
 */
function fitForm(form: CorrectionForm, rows: readonly NetworkObservation[]): Coefficients | null {
  const { fixedSum, terms } = CORRECTION_FORMS[form];
  if (terms.length === 0) return {};
  const p = terms.length;
  const a = rows.map((r) => terms.map((t) => termValue(t, r) / r.measuredMs));
  const z = rows.map((r) => (r.measuredMs - (fixedSum ? r.sumMs : 0)) / r.measuredMs);
  const scale = terms.map((_, j) => Math.max(...a.map((row) => Math.abs(row[j]!))) || 1);
  const ata = Array.from({ length: p }, () => new Array<number>(p + 1).fill(0));
  for (let i = 0; i < rows.length; i++) {
    for (let j = 0; j < p; j++) {
      const aj = a[i]![j]! / scale[j]!;
      for (let k = 0; k < p; k++) ata[j]![k]! += aj * (a[i]![k]! / scale[k]!);
      ata[j]![p]! += aj * z[i]!;
    }
  }
  const solved = solve(ata);
  if (solved === null) return null;
  const coefficients: Coefficients = {};
  terms.forEach((t, j) => {
    coefficients[t] = solved[j]! / scale[j]!;
  });
  return coefficients;
}

/** Gauss–Jordan with partial pivoting on an augmented p × (p+1) matrix; null when singular. */
function solve(m: number[][]): number[] | null {
  const p = m.length;
  const norm = Math.max(...m.flatMap((row) => row.slice(0, p).map(Math.abs)));
  for (let col = 0; col < p; col++) {
    let pivot = col;
    for (let r = col + 1; r < p; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    if (Math.abs(m[pivot]![col]!) <= 1e-10 * norm) return null;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < p; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= p; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[p]! / row[i]!);
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * Each record predicted by the form fitted without every record of its network; null when some fit
 * is impossible (singular) or gives a total ≤ 0.
 */
function leaveOneNetworkOut(form: CorrectionForm, rows: readonly NetworkObservation[]): number[] | null {
  const out: number[] = [];
  const cache = new Map<string, Coefficients | null>();
  for (const r of rows) {
    if (!cache.has(r.name)) {
      cache.set(
        r.name,
        fitForm(
          form,
          rows.filter((o) => o.name !== r.name),
        ),
      );
    }
    const coefficients = cache.get(r.name);
    if (!coefficients) return null;
    const total = formTotal({ form, coefficients }, r);
    if (!(total > 0)) return null;
    out.push(total);
  }
  return out;
}

/**
 * Networks a form with p coefficients needs: four per coefficient. With fewer, leave-one-out picks
 * among forms by the noise of a handful of networks (on 6 wasm networks a 2-coefficient form won
 * inside one fold and missed the left-out network by 49 %).
 */
export function minNetworks(coefficients: number): number {
  return Math.max(coefficients + 2, 4 * coefficients);
}

export interface NetworkCorrectionOptions {
  /** Forms to consider (default all); identity is always one of them. */
  readonly forms?: readonly CorrectionForm[];
}

/**
 * Learns what the sum of predicted layer runtimes misses on one platform, from networks measured end
 * to end. Each candidate form is scored by leave-one-network-out RMSPE (a network's own records never
 * predict it); a form with p coefficients is tried only with at least `minNetworks(p)` = 4p networks. The plain sum
 * (identity) stays unless a form beats it. The interval is the central 90 % of measured /
 * left-out-predicted totals of the chosen form.
 */
export function fitNetworkCorrection(
  observations: readonly NetworkObservation[],
  options: NetworkCorrectionOptions = {},
): NetworkCorrection {
  if (!Array.isArray(observations) || observations.length === 0) {
    throw new ModelError('observations', 'needs at least one network measured end to end');
  }
  check(observations);
  const names = new Set(observations.map((o) => o.name));
  const measured = observations.map((o) => o.measuredMs);
  const forms = CORRECTION_FORM_NAMES.filter(
    (f) => f === 'identity' || (options.forms ?? CORRECTION_FORM_NAMES).includes(f),
  );

  const cvRmspe: Partial<Record<CorrectionForm, number>> = {};
  let best: { form: CorrectionForm; loo: number[]; coefficients: Coefficients } = {
    form: 'identity',
    loo: observations.map((o) => o.sumMs),
    coefficients: {},
  };
  cvRmspe.identity = errorMetrics(best.loo, measured).rmspe;
  for (const form of forms) {
    if (form === 'identity' || names.size < minNetworks(CORRECTION_FORMS[form].terms.length)) continue;
    const loo = leaveOneNetworkOut(form, observations);
    const coefficients = loo && fitForm(form, observations);
    if (!loo || !coefficients) continue;
    // A form that gives some training network a total ≤ 0 is not physical: left out.
    if (observations.some((o) => !(formTotal({ form, coefficients }, o) > 0))) continue;
    const score = errorMetrics(loo, measured).rmspe;
    cvRmspe[form] = score;
    if (score < cvRmspe[best.form]!) best = { form, loo, coefficients };
  }

  let interval: PredictionInterval | null = null;
  if (names.size >= 2) {
    const ratios = observations.map((o, i) => o.measuredMs / best.loo[i]!).sort((x, y) => x - y);
    const tail = (1 - INTERVAL_LEVEL) / 2;
    interval = {
      level: INTERVAL_LEVEL,
      lowRatio: quantile(ratios, tail),
      highRatio: quantile(ratios, 1 - tail),
      n: ratios.length,
    };
  }
  const mape = observations.reduce(
    (acc, o, i) => acc + Math.abs(best.loo[i]! - o.measuredMs) / o.measuredMs,
    0,
  );
  const sse = observations.reduce((acc, o, i) => acc + (best.loo[i]! - o.measuredMs) ** 2, 0);
  const range = (values: number[]) => ({ min: Math.min(...values), max: Math.max(...values) });
  return makeNetworkCorrection({
    format: NETWORK_CORRECTION_FORMAT,
    form: best.form,
    coefficients: best.coefficients,
    networks: names.size,
    records: observations.length,
    cvRmspe,
    cvMape: mape / observations.length,
    cvRmseMs: Math.sqrt(sse / observations.length),
    interval,
    training: {
      sumMs: range(observations.map((o) => o.sumMs)),
      layers: range(observations.map((o) => o.layers)),
    },
  });
}
