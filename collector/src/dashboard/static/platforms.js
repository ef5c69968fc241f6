// Platforms, their agents and how much each has measured.
import { barChart, colour } from './charts.js';
import { ago, el, fillTable } from './format.js';
import { precisionText } from './precision.js';

/** "NVIDIA H100 80GB HBM3 · driver 550.54 · 700 W" or the CPU model, from the fingerprint input. */
export function hardwareOf(p) {
  const input = p.input ?? {};
  if (input.kind === 'gpu') {
    const watts = input.enforcedPowerLimitW ? ` · ${Math.round(input.enforcedPowerLimitW)} W` : '';
    return `${input.gpuName} · driver ${input.driverVersion}${watts}`;
  }
  if (input.kind === 'cpu') return `${input.cpuModel} (CPU)`;
  return p.description ?? p.id;
}

export function engineOf(p) {
  const engine = p.input?.engine;
  return engine ? `${engine.name} ${engine.version} / ${engine.backend}` : '—';
}

export function renderPlatformList(platforms, selectedId) {
  const rows = platforms.map((p) =>
    el(
      'tr',
      { 'data-platform': p.id, class: p.id === selectedId ? 'current' : '' },
      el('td', {}, p.id),
      el('td', {}, hardwareOf(p)),
      el('td', {}, engineOf(p)),
      el('td', { class: 'num' }, String(p.measurements ?? 0)),
      el('td', { title: p.lastSeenAt ?? '' }, ago(p.lastSeenAt)),
    ),
  );
  fillTable(document.getElementById('platforms-table'), rows, 'No platform yet: start an agent.', 5);
}

export function renderPlatformDetail(detail) {
  const agents = (detail.agents ?? []).map((a) =>
    el(
      'tr',
      { 'data-agent': a.id },
      el('td', {}, a.id),
      el('td', {}, a.host ?? '—'),
      el('td', {}, a.agentVersion ?? '—'),
      el('td', { title: a.lastSeenAt ?? '' }, ago(a.lastSeenAt)),
      el('td', { class: 'num' }, a.lastSeq === null || a.lastSeq === undefined ? '—' : String(a.lastSeq)),
    ),
  );
  fillTable(document.getElementById('agents-table'), agents, 'No agent has reported on this platform.', 5);

  document.getElementById('precision-summary').textContent = precisionText(detail.precision);

  const counts = Object.entries(detail.counts ?? {}).sort(([a], [b]) => a.localeCompare(b));
  barChart(document.getElementById('counts-chart'), {
    labels: counts.map(([kind]) => kind),
    datasets: [
      {
        label: 'measurements',
        data: counts.map(([, n]) => n),
        backgroundColor: counts.map((_, i) => colour(i)),
      },
    ],
    valueTitle: 'records',
  });
}
