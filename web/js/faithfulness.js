// "How faithful?" on a method's panel: the deletion and insertion areas and ROAD of its map (as
// `camlens evaluate` computes them, in the worker) beside the random and Sobel baselines' on the
// same image, with the two curves drawn small. Deletion alone misleads (its holes push the image
// off the data the model knows, which can favour a random map), so nothing here is coloured or
// ranked: the three metrics are read together, with a sentence saying so.
import { el } from './dom.js';
import { legend, linePlot } from './plot.js';

export const FAITH_NOTE = 'Deletion zeroes the top pixels first (lower is better), but its holes push the image off the ' +
  'data the model knows, which can favour a random map; insertion restores them onto a blur and ROAD fills them in ' +
  'from their neighbours (higher is better), so read all three.';

const ROWS = [
  { key: 'deletion', label: 'Deletion', better: 'lower ↓', value: (entry) => entry.deletion?.auc,
    title: 'Area under the class probability as the map\'s most important pixels are set to 0, a row\'s worth per step: lower is better' },
  { key: 'insertion', label: 'Insertion', better: 'higher ↑', value: (entry) => entry.insertion?.auc,
    title: 'Area under the class probability as the map\'s most important pixels are restored onto the blurred image: higher is better' },
  { key: 'road', label: 'ROAD', better: 'higher ↑', value: (entry) => entry.road?.combined,
    title: 'ROAD combined, (LeRF - MoRF) / 2: pixels beyond each percentile of the map filled in from their neighbours; higher is better' },
];

const CURVE_BOX = { width: 120, height: 78, left: 22, right: 4, top: 11, bottom: 12 };

// The deletion or insertion curves of the map and the baselines, share of pixels changed on x.
function curvePlot(key, entries) {
  const series = entries.filter((entry) => entry[key]).map((entry) => {
    const { changed, scores } = entry[key];
    return { x: changed.map((count) => count / changed.at(-1)), y: Array.from(scores), className: `series-${entry.role}` };
  });
  const auc = (role) => entries.find((entry) => entry.role === role)?.[key]?.auc;
  const label = `${key} curve: class probability against the share of pixels ${key === 'deletion' ? 'deleted' : 'restored'}; ` +
    `area ${auc('map')?.toFixed(3)} for this map, ${auc('random')?.toFixed(3)} random, ${auc('sobel')?.toFixed(3)} Sobel`;
  return linePlot({
    series,
    x: { min: 0, max: 1, ticks: [0, 1], format: (v) => `${v * 100}%` },
    y: { min: 0, max: 1, ticks: [0, 1], format: (v) => String(v) },
    box: CURVE_BOX,
    title: key === 'deletion' ? 'Deletion' : 'Insertion',
    label,
  });
}

function number(value) {
  return Number.isFinite(value) ? value.toFixed(3) : '–';
}

export class FaithBlock {
  // title: the method's; onEvaluate(): asks the page to compute this panel's metrics.
  constructor(title, onEvaluate) {
    this.title = title;
    this.job = null;
    this.key = null;  // what the numbers shown were computed for (the page's key of the map)
    this.scores = null;  // {map, random, sobel}: the evaluation document's maps shown
    this.button = el('button', {
      type: 'button', class: 'button button-small faith-button', title: 'Deletion, insertion and ROAD of this map, beside a random map and the image\'s edges',
      'aria-label': `How faithful is the ${title} map?`, onclick: () => onEvaluate(),
    }, 'How faithful?');
    this.body = el('div', { class: 'faith-body' });
    this.element = el('section', { class: 'panel-faith', 'aria-label': `${title}: faithfulness` }, this.button, this.body);
  }

  get busy() {
    return this.job !== null;
  }

  // While the metrics are computed: progress and a cancel button.
  start(job, key) {
    this.job = job;
    this.key = key;
    this.button.disabled = true;
    this.progress = el('progress', { max: '1', value: '0', 'aria-label': `${this.title} faithfulness progress` });
    this.stage = el('span', { class: 'small muted faith-stage' }, 'starting…');
    this.body.replaceChildren(el('div', { class: 'faith-progress' }, this.progress,
      el('button', { type: 'button', class: 'button button-small', onclick: () => job.cancel() }, 'Cancel'), this.stage));
  }

  onProgress(fraction, stage) {
    if (!this.progress) return;
    this.progress.value = fraction;
    this.stage.textContent = `${Math.round(fraction * 100)}%${stage ? ` · ${stage}` : ''}`;
  }

  // entries: {map, random, sobel}: each a map of the evaluation document (kind "evaluation").
  show({ map, random, sobel }) {
    this.#settle();
    this.scores = { map, random, sobel };
    const entries = [{ ...map, role: 'map' }, { ...random, role: 'random' }, { ...sobel, role: 'sobel' }];
    const head = el('tr', {}, el('th', { scope: 'col' }, el('span', { class: 'visually-hidden' }, 'metric')),
      el('th', { scope: 'col', title: `The ${this.title} map` }, 'map'),
      el('th', { scope: 'col', title: 'A map of uniform noise (seeded): knows nothing' }, 'random'),
      el('th', { scope: 'col', title: 'The Sobel edges of the model\'s input: knows the image, not the model' }, 'Sobel'));
    const rows = ROWS.map((row) => el('tr', { dataset: { metric: row.key } },
      el('th', { scope: 'row', title: row.title }, row.label, el('span', { class: 'faith-better' }, row.better)),
      ...entries.map((entry) => el('td', { dataset: { role: entry.role } }, number(row.value(entry))))));
    this.body.replaceChildren(
      el('table', { class: 'faith-table small' }, el('thead', {}, head), el('tbody', {}, ...rows)),
      el('div', { class: 'faith-curves' }, curvePlot('deletion', entries), curvePlot('insertion', entries)),
      legend([['map', 'this map'], ['random', 'random'], ['sobel', 'Sobel']]),
      el('p', { class: 'faith-note small muted' }, FAITH_NOTE));
  }

  fail(message, { cancelled = false } = {}) {
    this.#settle();
    this.key = null;
    this.scores = null;
    this.body.replaceChildren(el('p', { class: `small ${cancelled ? 'muted' : 'faith-error'}` },
      cancelled ? 'Cancelled: ask again when you like.' : `Could not score this map: ${message}`));
  }

  // The map changed: its numbers no longer apply.
  clear() {
    this.cancel();
    this.#settle();
    this.key = null;
    this.scores = null;
    this.body.replaceChildren();
  }

  cancel() {
    this.job?.cancel();
  }

  // The button waits for a map to score.
  setEnabled(enabled) {
    this.button.disabled = !enabled || this.busy;
  }

  #settle() {
    this.job = null;
    this.progress = null;
    this.button.disabled = false;
  }
}
