// Entry point: loads the platform list, then every view for the selected platform.
import * as api from './api.js';
import { renderCampaigns, renderFleetCampaigns } from './campaigns.js';
import { el } from './format.js';
import { renderFitPoints, renderVersions } from './models.js';
import { readNetworkFile, renderPrediction, updateEpr } from './network.js';
import { hardwareOf, renderPlatformDetail, renderPlatformList } from './platforms.js';
import { renderValidation } from './validation.js';
import { toValidationRows } from './validation-data.js';

const state = { platforms: [], platformId: null, prediction: null, wired: false };
const status = document.getElementById('status');

/** Resolves when every view of the selected platform has rendered; tests wait on `data-ready`. */
async function selectPlatform(id) {
  state.platformId = id;
  document.body.dataset.ready = 'false';
  renderPlatformList(state.platforms, id);
  const url = new URL(window.location.href);
  url.searchParams.set('platform', id);
  window.history.replaceState(null, '', url);
  const [detail, versions, fit, validation, campaigns] = await Promise.all([
    api.platform(id),
    api.modelVersions(id),
    api.fitPoints(id),
    api.validation(id).catch((err) => ({ error: err.message })),
    api.campaigns(id).catch(() => []),
  ]);
  renderPlatformDetail(detail);
  renderVersions(versions);
  renderFitPoints(fit);
  renderCampaigns(campaigns);
  renderValidation(validation.error ? [] : toValidationRows(validation));
  if (validation.error) status.textContent = `validation: ${validation.error}`;
  document.body.dataset.ready = 'true';
}

async function onPredict(event) {
  event.preventDefault();
  const errorBox = document.getElementById('network-error');
  errorBox.textContent = '';
  const file = document.getElementById('network-file').files[0];
  const batch = Number(document.getElementById('batch-input').value) || 1;
  const versionText = document.getElementById('version-select').value;
  document.body.dataset.predicted = 'false';
  try {
    const network = file ? await readNetworkFile(file) : document.getElementById('zoo-select').value;
    const json = await api.predict(
      state.platformId,
      network,
      batch,
      versionText === '' ? null : Number(versionText),
    );
    state.prediction = json.prediction ?? json;
    renderPrediction(state.prediction);
  } catch (err) {
    errorBox.textContent = `Prediction failed: ${err.message}`;
  }
  document.body.dataset.predicted = 'true';
}

/** Event handlers, once (start runs again after a token is entered). */
function wire(select, zooSelect) {
  state.wired = true;
  select.addEventListener('change', () => selectPlatform(select.value));
  document.getElementById('network-form').addEventListener('submit', onPredict);
  // Picking a zoo network drops a previously chosen file, which would otherwise take precedence.
  zooSelect.addEventListener('change', () => {
    document.getElementById('network-file').value = '';
  });
  for (const id of ['epr-error', 'epr-alpha']) {
    document.getElementById(id).addEventListener('input', () => updateEpr(state.prediction));
  }
}

async function start() {
  try {
    const [platforms, zoo, fleet] = await Promise.all([
      api.platforms(),
      api.zoo(),
      api.allCampaigns().catch(() => []),
    ]);
    state.platforms = platforms;
    const byId = new Map(platforms.map((p) => [p.id, p]));
    renderFleetCampaigns(fleet, (id) => (byId.has(id) ? `${hardwareOf(byId.get(id))} — ${id}` : id));
    const zooSelect = document.getElementById('zoo-select');
    zooSelect.replaceChildren(
      ...zoo.map((n) => el('option', { value: n.name, title: n.description ?? '' }, n.name)),
    );
    const select = document.getElementById('platform-select');
    select.replaceChildren(
      ...platforms.map((p) => el('option', { value: p.id }, `${hardwareOf(p)} — ${p.id}`)),
    );
    if (!state.wired) wire(select, zooSelect);
    const wanted = new URL(window.location.href).searchParams.get('platform');
    const first = platforms.find((p) => p.id === wanted) ?? platforms[0];
    if (first) {
      select.value = first.id;
      await selectPlatform(first.id);
    } else {
      renderPlatformList([], null);
      document.body.dataset.ready = 'true';
    }
    status.textContent = `${platforms.length} platform${platforms.length === 1 ? '' : 's'}`;
  } catch (err) {
    if (err instanceof api.AuthRequired) {
      askForToken(err.message);
      return;
    }
    status.textContent = `error: ${err.message}`;
    document.body.dataset.ready = 'error';
  }
}

/** Reads are closed on this collector: ask for a token with scope read, then load again. */
function askForToken(reason) {
  const form = document.getElementById('token-form');
  form.hidden = false;
  status.textContent = `this collector needs a read token (${reason})`;
  document.body.dataset.ready = 'token';
  form.onsubmit = (event) => {
    event.preventDefault();
    api.setToken(document.getElementById('token-input').value.trim());
    form.hidden = true;
    status.textContent = '';
    start();
  };
}

start();
