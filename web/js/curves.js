// Loss and accuracy curves of a training run as inline SVG: train and validation per epoch, the
// current epoch marked. Runs compared side by side share their scales, so their curves line up.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300, HEIGHT = 150;
const PAD = { left: 40, right: 10, top: 12, bottom: 24 };

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

export const CHARTS = [
  { title: 'Loss', series: [['train_loss', 'train'], ['val_loss', 'validation']], format: (v) => v.toFixed(2), fromZero: true },
  { title: 'Accuracy', series: [['train_accuracy', 'train'], ['val_accuracy', 'validation']], format: (v) => `${Math.round(v * 100)}%`, fromZero: false },
];

// The y range of `chart` over every run's epochs, padded a little; lossless for a flat curve.
export function chartRange(chart, runs) {
  const values = runs.flatMap((epochs) => epochs.flatMap((epoch) => chart.series.map(([key]) => epoch[key])))
    .filter(Number.isFinite);
  if (!values.length) return null;
  let low = chart.fromZero ? Math.min(0, ...values) : Math.min(...values);
  let high = Math.max(...values);
  if (high - low < 1e-6) {
    high += 0.5;
    low -= chart.fromZero ? 0 : 0.5;
  }
  const margin = (high - low) * 0.08;
  return { low: chart.fromZero ? low : low - margin, high: high + margin };
}

// One chart of `epochs` over epochs 1..lastEpoch and the y `range`; call mark(epoch) to move the marker.
export function drawChart(chart, epochs, { lastEpoch, range }) {
  const plotWidth = WIDTH - PAD.left - PAD.right, plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (epoch) => PAD.left + (lastEpoch > 1 ? ((epoch - 1) / (lastEpoch - 1)) * plotWidth : plotWidth / 2);
  const y = (value) => PAD.top + (1 - (value - range.low) / (range.high - range.low)) * plotHeight;
  const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img' });
  const described = chart.series.map(([key, name]) => {
    const last = [...epochs].reverse().find((epoch) => Number.isFinite(epoch[key]));
    return last ? `${name} ${chart.format(last[key])} at epoch ${last.epoch}` : null;
  }).filter(Boolean);
  root.setAttribute('aria-label', `${chart.title} by epoch: ${described.join(', ') || 'no values'}`);
  root.append(svg('title', {}, `${chart.title} by epoch`));
  // Grid and axes: three values on y, every epoch (or every few) on x.
  for (const fraction of [0, 0.5, 1]) {
    const value = range.low + fraction * (range.high - range.low);
    root.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value), class: 'chart-grid' }),
      svg('text', { x: PAD.left - 5, y: y(value) + 3.5, class: 'chart-tick', 'text-anchor': 'end' }, chart.format(value)));
  }
  const every = Math.max(1, Math.ceil(lastEpoch / 10));
  for (let epoch = 1; epoch <= lastEpoch; epoch += every) {
    root.append(svg('text', { x: x(epoch), y: HEIGHT - 8, class: 'chart-tick', 'text-anchor': 'middle' }, String(epoch)));
  }
  root.append(svg('text', { x: PAD.left, y: PAD.top - 3, class: 'chart-title' }, chart.title));
  const marker = svg('line', { y1: PAD.top, y2: HEIGHT - PAD.bottom, class: 'chart-marker' });
  root.append(marker);
  const dots = [];
  chart.series.forEach(([key], s) => {
    const points = epochs.filter((epoch) => Number.isFinite(epoch[key])).map((epoch) => [x(epoch.epoch), y(epoch[key])]);
    if (!points.length) return;
    root.append(svg('polyline', { points: points.map((point) => point.join(',')).join(' '), class: `chart-line series-${s}` }));
    const dot = svg('circle', { r: 3.5, class: `chart-dot series-${s}` });
    root.append(dot);
    dots.push({ key, dot });
  });
  const mark = (epoch) => {
    marker.setAttribute('x1', x(epoch));
    marker.setAttribute('x2', x(epoch));
    const shown = epochs.filter((entry) => entry.epoch <= epoch).at(-1);
    for (const { key, dot } of dots) {
      const visible = shown && Number.isFinite(shown[key]);
      dot.setAttribute('visibility', visible ? 'visible' : 'hidden');
      if (visible) {
        dot.setAttribute('cx', x(shown.epoch));
        dot.setAttribute('cy', y(shown[key]));
      }
    }
  };
  return { element: root, mark };
}
