// Model versions of a platform and how well the current ones fit what was measured.
import { logScatter } from './charts.js';
import { el, fillTable, fixed, percent } from './format.js';

const metric = (report, key) => (report && typeof report[key] === 'number' ? report[key] : null);

export function renderVersions(versions) {
  const rows = [...versions]
    .sort((a, b) => b.version - a.version)
    .map((v) =>
      el(
        'tr',
        { class: v.current ? 'current' : '', 'data-version': String(v.version) },
        el('td', { class: 'num' }, `v${v.version}`),
        el('td', {}, v.kind),
        el(
          'td',
          {},
          v.target === 'power' && v.report?.powerFamily ? `power · ${v.report.powerFamily.chosen}` : v.target,
        ),
        el('td', { title: v.createdAt }, v.createdAt.replace('T', ' ').slice(0, 19)),
        el('td', { class: 'num' }, String(v.trainingRows ?? metric(v.report, 'n') ?? '—')),
        el('td', { class: 'num' }, percent(metric(v.report, 'rmspe'))),
        el(
          'td',
          { class: 'num' },
          `${fixed(metric(v.report, 'rmse'), 3)} ${v.target === 'power' ? 'W' : 'ms'}`,
        ),
        el('td', { class: 'num' }, String(metric(v.report, 'modelSize') ?? '—')),
        el('td', { class: 'num' }, v.parentVersion ? `v${v.parentVersion}` : '—'),
        el('td', {}, v.current ? 'current' : ''),
      ),
    );
  fillTable(
    document.getElementById('versions-table'),
    rows,
    'No model yet: models are fitted once enough layers are measured.',
    10,
  );

  const select = document.getElementById('version-select');
  const numbers = [...new Set(versions.map((v) => v.version))].sort((a, b) => b - a);
  select.replaceChildren(
    el('option', { value: '' }, 'current'),
    ...numbers.map((n) => el('option', { value: String(n) }, `v${n}`)),
  );
}

/** One log-log scatter per (kind, target) of the current models. */
export function renderFitPoints(fit) {
  const grid = document.getElementById('scatter-grid');
  for (const canvas of grid.querySelectorAll('canvas')) window.Chart.getChart(canvas)?.destroy();
  grid.replaceChildren();
  const series = fit?.series ?? [];
  if (series.length === 0) {
    grid.append(el('p', { class: 'empty' }, 'No current model on this platform yet.'));
    return;
  }
  for (const s of series) {
    const canvas = el('canvas', { 'data-chart': `scatter-${s.kind}-${s.target}` });
    const family = s.target === 'power' && s.family ? ` · ${s.family}` : '';
    const title = `${s.kind} ${s.target}${family} (v${s.version}, ${s.points.length} points, RMSPE ${percent(s.rmspe)})`;
    grid.append(
      el(
        'div',
        { class: 'panel chart-box' },
        el('h3', {}, title),
        el('div', { class: 'canvas-wrap' }, canvas),
      ),
    );
    logScatter(canvas, {
      points: s.points.map((p) => ({ x: p.measured, y: p.predicted })),
      unit: s.unit,
      title: `${s.kind} ${s.target}`,
    });
  }
}
