// Chart.js helpers. Chart.js is loaded as a classic script (window.Chart) before this module.
const { Chart } = window;

const PALETTE = [
  '#2f6fd0',
  '#e07a1f',
  '#2a9d5c',
  '#c23b5a',
  '#7a5cc7',
  '#8c6d46',
  '#d16fb2',
  '#6b7280',
  '#1aa3b5',
  '#b5a51a',
];

export function colour(index) {
  return PALETTE[index % PALETTE.length];
}

/** One chart per canvas: a redraw replaces the previous chart instead of stacking a second one on it. */
function draw(canvas, config) {
  Chart.getChart(canvas)?.destroy();
  return new Chart(canvas, config);
}

const baseOptions = {
  responsive: true,
  maintainAspectRatio: false,
  animation: false,
  plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
};

/** Bars; `valueTitle` and `valueMax` apply to the value axis (y, or x when horizontal). */
export function barChart(
  canvas,
  { labels, datasets, stacked = false, horizontal = false, valueTitle = '', valueMax },
) {
  const category = { stacked, ticks: { autoSkip: true, maxRotation: 60 } };
  const value = {
    stacked,
    beginAtZero: true,
    ...(valueMax === undefined ? {} : { max: valueMax }),
    title: { display: valueTitle !== '', text: valueTitle },
  };
  return draw(canvas, {
    type: 'bar',
    data: { labels, datasets },
    options: {
      ...baseOptions,
      indexAxis: horizontal ? 'y' : 'x',
      scales: horizontal ? { x: value, y: category } : { x: category, y: value },
    },
  });
}

/**
 * Predicted against measured on log-log axes, with the y = x line the points should hug.
 * `points` are {x: measured, y: predicted}; non-positive values cannot sit on a log axis and are dropped.
 */
export function logScatter(canvas, { points, unit, title }) {
  const usable = points.filter((p) => p.x > 0 && p.y > 0);
  const values = usable.flatMap((p) => [p.x, p.y]);
  const lo = values.length ? Math.min(...values) : 1;
  const hi = values.length ? Math.max(...values) : 10;
  return draw(canvas, {
    type: 'scatter',
    data: {
      datasets: [
        { label: title, data: usable, backgroundColor: 'rgba(47, 111, 208, 0.55)', pointRadius: 3 },
        {
          label: 'y = x',
          type: 'line',
          data: [
            { x: lo, y: lo },
            { x: hi, y: hi },
          ],
          borderColor: '#98a2b3',
          borderDash: [4, 4],
          pointRadius: 0,
          borderWidth: 1,
        },
      ],
    },
    options: {
      ...baseOptions,
      scales: {
        x: { type: 'logarithmic', title: { display: true, text: `measured (${unit})` } },
        y: { type: 'logarithmic', title: { display: true, text: `predicted (${unit})` } },
      },
    },
  });
}
