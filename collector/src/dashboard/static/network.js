// Per-layer prediction of one network on the selected platform, with totals and EPR.
import { barChart, colour } from './charts.js';
import { el, fillTable, sig } from './format.js';

/** Energy-precision ratio (the paper's selection metric): error^α × energy per inference (mJ). */
export function energyPrecisionRatio(error, energyMj, alpha) {
  return error ** alpha * energyMj;
}

function perLayerByKind(layers, value) {
  const kinds = [...new Set(layers.map((l) => l.modelKind ?? l.kind))];
  return kinds.map((kind, i) => ({
    label: kind,
    data: layers.map((l) => ((l.modelKind ?? l.kind) === kind ? value(l) : null)),
    backgroundColor: colour(i),
  }));
}

function shareByKind(layers) {
  const kinds = [...new Set(layers.map((l) => l.modelKind ?? l.kind))];
  // Shares of the layers' own sums: a network correction adds time no layer owns.
  const totals = {
    runtimeMs: layers.reduce((sum, l) => sum + (l.runtimeMs ?? 0), 0),
    energyMj: layers.some((l) => l.energyMj !== null)
      ? layers.reduce((sum, l) => sum + (l.energyMj ?? 0), 0)
      : null,
  };
  return kinds.map((kind, i) => {
    const of = (pick, total) =>
      total
        ? layers.filter((l) => (l.modelKind ?? l.kind) === kind).reduce((sum, l) => sum + (pick(l) ?? 0), 0) /
          total
        : 0;
    return {
      label: kind,
      data: [of((l) => l.runtimeMs, totals.runtimeMs) * 100, of((l) => l.energyMj, totals.energyMj) * 100],
      backgroundColor: colour(i),
    };
  });
}

export function totalsText(p) {
  const t = p.totals;
  const parts = [
    `${p.network} · batch ${p.batch}`,
    t.runtimeRangeMs
      ? `runtime ${sig(t.runtimeMs)} ms (90 % interval ${sig(t.runtimeRangeMs.low)}–${sig(t.runtimeRangeMs.high)} ms)`
      : `runtime ${sig(t.runtimeMs)} ms`,
    t.powerW === null ? 'power unavailable' : `power ${sig(t.powerW)} W`,
    t.energyMj === null ? 'energy unavailable' : `energy ${sig(t.energyMj)} mJ`,
    `${t.coveredLayers}/${t.layers} layers covered`,
  ];
  return parts.join(' · ');
}

const pct = (fraction) => `${(fraction * 100).toFixed(1)} %`;

/** What the platform's network correction did, and how many networks it learned from. */
export function correctionText(p) {
  const c = p.totals.correction;
  if (!c)
    return 'No network correction: this platform has no network measured end to end (the runtime is the sum of the layers).';
  const learned = `learned from ${c.networks} network${c.networks === 1 ? '' : 's'} measured end to end`;
  const cv = `leave-one-network-out error ${pct(c.cvRmspe)}, plain sum ${pct(c.identityCvRmspe)}`;
  if (c.form === 'identity') {
    return c.networks < 4
      ? `Network correction: none, the plain sum (${learned}; it misses them by ${pct(c.identityCvRmspe)} RMS; a correction needs at least 4 networks).`
      : `Network correction: none beat the plain sum (${learned}; ${cv}).`;
  }
  if (!c.applied)
    return `Network correction (${c.form}, ${learned}) gives no positive total here: the plain sum is shown.`;
  return `Network correction (${c.form}, ${learned}): sum of layers ${sig(c.uncorrectedRuntimeMs)} ms → ${sig(c.runtimeMs)} ms (${cv})${
    c.extrapolating ? '; this network lies outside the networks it learned from' : ''
  }.`;
}

/** Which power model family each kind uses: saturating ones take the predicted runtime as their work rate. */
export function powerFamiliesText(p) {
  const byKind = new Map();
  for (const l of p.layers) if (l.powerFamily && l.modelKind) byKind.set(l.modelKind, l.powerFamily);
  if (byKind.size === 0) return '';
  const kinds = [...byKind.entries()].sort(([a], [b]) => a.localeCompare(b));
  const saturating = kinds.some(([, f]) => f === 'saturating');
  return `Power models: ${kinds.map(([k, f]) => `${k} ${f}`).join(', ')}${
    saturating
      ? ' (saturating: power from the predicted runtime, between idle power and the board limit)'
      : ''
  }.`;
}

const rangeText = (r) => (r ? `${sig(r.low)}–${sig(r.high)}` : '-');

/** Every layer with its prediction intervals (the models' out-of-fold 90 % bands). */
function renderLayerTable(layers) {
  const rows = layers.map((l) =>
    el(
      'tr',
      { 'data-layer': l.name },
      el('td', {}, l.name),
      el('td', {}, l.modelKind ?? l.kind),
      el('td', { class: 'num' }, l.runtimeMs === null ? '-' : sig(l.runtimeMs)),
      el('td', { class: 'num' }, rangeText(l.runtimeRangeMs)),
      el('td', { class: 'num' }, l.powerW === null ? '-' : sig(l.powerW)),
      el('td', { class: 'num' }, rangeText(l.powerRangeW)),
      el('td', { class: 'num' }, l.energyMj === null ? '-' : sig(l.energyMj)),
    ),
  );
  fillTable(document.getElementById('layer-table'), rows, 'The network has no layers.', 7);
}

export function renderPrediction(prediction) {
  document.getElementById('network-result').hidden = false;
  document.getElementById('totals').textContent = totalsText(prediction);
  document.getElementById('correction').textContent = correctionText(prediction);
  document.getElementById('power-families').textContent = powerFamiliesText(prediction);
  const uncovered = prediction.uncovered ?? [];
  document.getElementById('uncovered').textContent =
    uncovered.length === 0
      ? 'Every layer is covered by a model.'
      : `Not counted in the totals: ${uncovered.map((u) => `${u.name} (${u.reason})`).join('; ')}`;

  const layers = prediction.layers;
  renderLayerTable(layers);
  const labels = layers.map((l) => l.name);
  barChart(document.getElementById('runtime-chart'), {
    labels,
    datasets: perLayerByKind(layers, (l) => l.runtimeMs),
    stacked: true,
    valueTitle: 'ms',
  });
  barChart(document.getElementById('power-chart'), {
    labels,
    datasets: perLayerByKind(layers, (l) => l.powerW),
    stacked: true,
    valueTitle: 'W',
  });
  barChart(document.getElementById('energy-chart'), {
    labels,
    datasets: perLayerByKind(layers, (l) => l.energyMj),
    stacked: true,
    valueTitle: 'mJ',
  });
  barChart(document.getElementById('share-chart'), {
    labels: ['runtime', 'energy'],
    datasets: shareByKind(layers),
    stacked: true,
    horizontal: true,
    valueTitle: '% of total',
    valueMax: 100,
  });
  updateEpr(prediction);
}

export function updateEpr(prediction) {
  const output = document.getElementById('epr-output');
  const error = Number(document.getElementById('epr-error').value);
  const alpha = Number(document.getElementById('epr-alpha').value);
  const energy = prediction?.totals?.energyMj;
  if (!prediction) output.textContent = '';
  else if (energy === null || energy === undefined)
    output.textContent = 'EPR needs a power model (energy unavailable)';
  else if (!(error > 0 && error <= 1)) output.textContent = 'error rate must be in (0, 1]';
  else if (!(alpha >= 0)) output.textContent = 'α must be ≥ 0';
  else
    output.textContent = `EPR = ${sig(energyPrecisionRatio(error, energy, alpha))} mJ (error ${error}, α ${alpha})`;
}

/** Keys that tell the JSON formats apart, as the networks package's detectFormat does. */
function jsonFormatOf(json) {
  if (json && typeof json === 'object') {
    if ('modelTopology' in json || ('class_name' in json && 'config' in json)) return 'keras';
    if (Array.isArray(json.nodes) && 'input' in json) return 'native';
    if (json.layers && typeof json.layers === 'object' && !Array.isArray(json.layers)) return 'paleo';
  }
  return null;
}

/**
 * A chosen file as the predict endpoint takes it: `{onnx: base64}` for ONNX (by extension or because
 * it is not JSON), else `{paleo | keras | native: json}`. Throws a message naming the file otherwise.
 */
export async function readNetworkFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const text = new TextDecoder().decode(bytes).trimStart();
  if (file.name.toLowerCase().endsWith('.onnx') || !text.startsWith('{')) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000)
      binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { onnx: btoa(binary) };
  }
  let json;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file.name} is not valid JSON: ${err.message}`);
  }
  const format = jsonFormatOf(json);
  if (!format) {
    throw new Error(
      `${file.name} is neither Paleo JSON {layers}, Keras JSON {modelTopology | class_name, config}, nor neuralpower JSON {input, nodes}`,
    );
  }
  return { [format]: json };
}
