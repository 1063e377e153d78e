// Small line plots as inline SVG, for the faithfulness curves on a panel and the sanity view's
// similarity curve: a few series over one x range, a y range with a few ticks, no interaction.
import { el } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

export function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

// series: [{x: [...], y: [...], className}] (non-finite y values break the line); x and y: {min,
// max, ticks: [values], format(value)}; box: {width, height, left, right, top, bottom} in SVG units.
// -> an <svg> scaled to its container's width.
export function linePlot({ series, x, y, box, title, label }) {
  const plotWidth = box.width - box.left - box.right, plotHeight = box.height - box.top - box.bottom;
  const px = (value) => box.left + ((value - x.min) / (x.max - x.min || 1)) * plotWidth;
  const py = (value) => box.top + (1 - (value - y.min) / (y.max - y.min || 1)) * plotHeight;
  const root = svg('svg', { viewBox: `0 0 ${box.width} ${box.height}`, class: 'plot', role: 'img', 'aria-label': label });
  root.append(svg('title', {}, label));
  for (const value of y.ticks) {
    root.append(svg('line', { x1: box.left, x2: box.width - box.right, y1: py(value), y2: py(value), class: 'plot-grid' }),
      svg('text', { x: box.left - 3, y: py(value) + 3, class: 'plot-tick', 'text-anchor': 'end' }, y.format(value)));
  }
  for (const value of x.ticks) {
    root.append(svg('text', { x: px(value), y: box.height - 2, class: 'plot-tick', 'text-anchor': 'middle' }, x.format(value)));
  }
  if (title) root.append(svg('text', { x: box.left, y: Math.max(9, box.top - 9), class: 'plot-title' }, title));
  for (const { x: xs, y: ys, className } of series) {
    let run = [];
    const flush = () => {
      if (run.length > 1) root.append(svg('polyline', { points: run.join(' '), class: `plot-line ${className}` }));
      run = [];
    };
    ys.forEach((value, i) => {
      if (Number.isFinite(value)) run.push(`${px(xs[i]).toFixed(1)},${py(value).toFixed(1)}`);
      else flush();
    });
    flush();
  }
  return root;
}

// A line of keys under a plot: [[series, text], ...] (the .key-SERIES styles), each key kept with
// its text when the line wraps; `after`: more items at its end.
export function legend(items, ...after) {
  return el('p', { class: 'faith-legend small muted' },
    ...items.map(([series, text]) => el('span', { class: 'legend-item' }, el('span', { class: `key key-${series}` }), text)), ...after);
}
