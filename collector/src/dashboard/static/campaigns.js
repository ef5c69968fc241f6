// Campaigns of the selected platform: progress (measured / leased / left of the budget) and the
// current cross-validated runtime error per kind (adaptive ones: and on their held-out slice).
import { el, fillTable, percent } from './format.js';

function errors(c) {
  return c.options.kinds
    .map((k) => {
      const e = c.errors?.[k];
      const cv = `${k} ${e?.runtime === undefined ? '—' : percent(e.runtime)}`;
      // Adaptive campaigns stop on the error of their held-out slice (uniform over the plan).
      return e?.heldOut ? `${cv} (held-out ${percent(e.heldOut.runtime)} on ${e.heldOut.rows})` : cv;
    })
    .join(', ');
}

export function renderCampaigns(campaigns) {
  const rows = campaigns.map((c) =>
    el(
      'tr',
      { 'data-campaign': c.id },
      el('td', {}, c.id),
      el('td', { title: c.reason ?? '' }, c.state),
      el('td', {}, c.options.strategy),
      el('td', { class: 'num' }, String(c.progress.measured)),
      el('td', { class: 'num' }, String(c.progress.leased)),
      el('td', { class: 'num' }, String(c.progress.left)),
      el('td', { class: 'num' }, `${c.options.budget}`),
      el('td', {}, `${percent(c.options.targetRmspe)}`),
      el('td', {}, errors(c)),
    ),
  );
  fillTable(document.getElementById('campaigns-table'), rows, 'No campaign on this platform.', 9);
}
