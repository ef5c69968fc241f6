// Campaigns: those of the selected platform, and the fleet's (every platform's, with totals).
// Progress (measured / leased / left of the budget) and the current cross-validated runtime error
// per kind (adaptive ones: and on their held-out slice).
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

/** The cells after the campaign (and platform) cells: shared by both tables. */
function progressCells(c) {
  return [
    el('td', { title: c.reason ?? '' }, c.state),
    el('td', {}, c.options.strategy),
    el('td', { class: 'num' }, String(c.progress.measured)),
    el('td', { class: 'num' }, String(c.progress.leased)),
    el('td', { class: 'num' }, String(c.progress.left)),
    el('td', { class: 'num' }, `${c.options.budget}`),
    el('td', {}, `${percent(c.options.targetRmspe)}`),
    el('td', {}, errors(c)),
  ];
}

export function renderCampaigns(campaigns) {
  const rows = campaigns.map((c) =>
    el('tr', { 'data-campaign': c.id }, el('td', {}, c.id), ...progressCells(c)),
  );
  fillTable(document.getElementById('campaigns-table'), rows, 'No campaign on this platform.', 9);
}

/**
 * Every campaign of the fleet, running ones first, with its platform (`label(platformId)`), and a
 * line of totals: what the fleet is measuring now across platforms.
 */
export function renderFleetCampaigns(campaigns, label) {
  const order = { running: 0, stopped: 1, done: 2 };
  const sorted = [...campaigns].sort(
    (a, b) => (order[a.state] ?? 3) - (order[b.state] ?? 3) || (a.createdAt < b.createdAt ? 1 : -1),
  );
  const rows = sorted.map((c) =>
    el(
      'tr',
      { 'data-campaign': c.id },
      el('td', {}, c.id),
      el('td', { title: c.platformId }, label(c.platformId)),
      ...progressCells(c),
    ),
  );
  fillTable(document.getElementById('fleet-campaigns-table'), rows, 'No campaign in the fleet.', 10);
  const running = campaigns.filter((c) => c.state === 'running');
  const sum = (key) => running.reduce((acc, c) => acc + c.progress[key], 0);
  const platforms = new Set(running.map((c) => c.platformId)).size;
  document.getElementById('fleet-summary').textContent =
    `${running.length} of ${campaigns.length} campaigns running on ${platforms} platform${platforms === 1 ? '' : 's'}: ` +
    `${sum('measured')} measured, ${sum('leased')} leased, ${sum('left')} left`;
}
