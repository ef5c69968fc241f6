// Whole networks measured end to end against each model version's prediction.
import { barChart, colour } from './charts.js';
import { el, fillTable, percent, sig } from './format.js';

const relError = (predicted, measured) =>
  predicted === null || predicted === undefined || !measured ? null : (predicted - measured) / measured;

/** Rows {label, network, batch, measured: {runtimeMs, energyMj}, byVersion: Map(version → {runtimeMs, energyMj})}. */
export function renderValidation(rows) {
  const versions = [...new Set(rows.flatMap((r) => [...r.byVersion.keys()]))].sort((a, b) => a - b);
  const failed = rows
    .filter((r) => r.error)
    .map((r) =>
      el(
        'tr',
        { 'data-network': r.network },
        el('td', {}, r.network),
        el('td', { class: 'num' }, String(r.batch)),
        el('td', { class: 'error', colspan: '5' }, `cannot predict: ${r.error}`),
      ),
    );
  const tableRows = rows.flatMap((r) =>
    [...r.byVersion.entries()].map(([version, p]) =>
      el(
        'tr',
        { 'data-network': r.network, 'data-version': String(version) },
        el('td', {}, r.network),
        el('td', { class: 'num' }, String(r.batch)),
        el('td', { class: 'num' }, `v${version}`),
        el('td', { class: 'num' }, `${sig(r.measured.runtimeMs)} / ${sig(p.runtimeMs)}`),
        el('td', { class: 'num' }, percent(relError(p.runtimeMs, r.measured.runtimeMs))),
        el('td', { class: 'num' }, `${sig(r.measured.energyMj)} / ${sig(p.energyMj)}`),
        el('td', { class: 'num' }, percent(relError(p.energyMj, r.measured.energyMj))),
      ),
    ),
  );
  fillTable(
    document.getElementById('validation-table'),
    [...tableRows, ...failed],
    'No network measured end to end on this platform yet (agent sweep --network NAME).',
    7,
  );

  // Empty axes say nothing the table's message does not; the charts appear with the first record.
  document.getElementById('validation-charts').hidden = rows.length === 0;
  // A runtime-only platform (no power source) has no energy to compare.
  const hasEnergy = rows.some((r) => r.measured.energyMj !== null);
  document.getElementById('validation-energy-panel').hidden = !hasEnergy;
  const labels = rows.map((r) => r.label);
  const datasets = (pick) => [
    { label: 'measured', data: rows.map((r) => pick(r.measured) ?? null), backgroundColor: '#1d2330' },
    ...versions.map((v, i) => ({
      label: `predicted v${v}`,
      data: rows.map((r) => pick(r.byVersion.get(v) ?? {}) ?? null),
      backgroundColor: colour(i),
    })),
  ];
  barChart(document.getElementById('validation-runtime-chart'), {
    labels,
    datasets: datasets((x) => x.runtimeMs),
    valueTitle: 'ms',
  });
  barChart(document.getElementById('validation-energy-chart'), {
    labels,
    datasets: datasets((x) => x.energyMj),
    valueTitle: 'mJ',
  });
}
