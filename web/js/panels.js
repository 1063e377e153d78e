// One method's panel in the grid: its overlay on a canvas, the time it took, the map value under
// the pointer, a PNG download, while a slow method runs its progress and a cancel button, and on
// request how faithful its map is (faithfulness.js).
import { el, drawRgba, canvasToPngBlob, saveBlob, fileSafe, formatMs } from './dom.js';
import { describeParams, hasOptions, optionsForm } from './method-options.js';
import { FaithBlock } from './faithfulness.js';

let panelCount = 0;  // makes the ids the panels' buttons point to unique

// Map values span many orders of magnitude (gradients ~1e-3, CAM ~10): print 3 significant digits.
export function formatValue(value) {
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e4 ? value.toPrecision(3) : value.toExponential(2);
}

// The value of `grid` ({width, height, values}) under the relative position (u, v) in [0, 1).
function sample(grid, u, v) {
  const x = Math.min(grid.width - 1, Math.max(0, Math.floor(u * grid.width)));
  const y = Math.min(grid.height - 1, Math.max(0, Math.floor(v * grid.height)));
  return { x, y, value: grid.values[y * grid.width + x] };
}

// Shows the map value under the pointer in `readout` while it moves over `canvas`.
export function attachHoverReadout(canvas, readout, getExplanation, idleText) {
  const show = (event) => {
    const explanation = getExplanation();
    if (!explanation) return;
    const rect = canvas.getBoundingClientRect();
    const u = (event.clientX - rect.left) / rect.width;
    const v = (event.clientY - rect.top) / rect.height;
    if (u < 0 || u >= 1 || v < 0 || v >= 1) return;
    const heat = sample(explanation.heat, u, v);
    const raw = sample(explanation.raw, u, v);
    readout.textContent = `${Math.round(heat.value * 100)}% · raw ${formatValue(raw.value)}`;
    readout.title = `${Math.round(heat.value * 100)}% of the map's maximum here; raw map value ${raw.value} at cell (${raw.x}, ${raw.y}) of ${explanation.raw.width}×${explanation.raw.height}`;
    readout.classList.add('live');
  };
  canvas.addEventListener('pointermove', show);
  canvas.addEventListener('pointerdown', show);
  canvas.addEventListener('pointerleave', () => {
    readout.textContent = idleText();
    readout.classList.remove('live');
  });
}

export class MethodPanel {
  // method: a model description's method ({name, title, summary, per_pixel, slow, applies, why_not, layer})
  // describeLayer(explanation) -> {layer, note}: the layer the map was made at, as the page names
  // it, and a sentence when that is not the layer the user chose (null when it is).
  // onEvaluate(panel): computes how faithful the map shown is; mapKey(explanation): what the map
  // depends on (image, box, class, layer, options), so numbers of another map are cleared.
  constructor(method, { onRemove, onRetry, fileName, fullSizeOverlay, describeLayer, onEvaluate, mapKey }) {
    this.method = method;
    this.explanation = null;
    this.job = null;
    this.params = {};  // the method's options (method-options.js); empty: the engine's defaults
    this.fileName = fileName;
    this.fullSizeOverlay = fullSizeOverlay;
    this.describeLayer = describeLayer;
    this.mapKey = mapKey;
    this.faith = new FaithBlock(method.title, () => onEvaluate(this));
    this.faith.setEnabled(false);
    this.canvas = el('canvas', { class: 'panel-canvas', tabindex: '0', role: 'img', 'aria-label': `${method.title}: not computed yet` });
    this.time = el('span', { class: 'panel-time', 'aria-label': `${method.title} time` });
    this.status = el('div', { class: 'panel-status', role: 'status' });
    this.readout = el('p', { class: 'panel-readout muted small' }, this.#idleText());
    this.layerLine = el('p', { class: 'panel-layer muted small' });
    this.note = el('p', { class: 'panel-note small', hidden: true });
    this.downloadButton = el('button', {
      type: 'button', class: 'button button-small', disabled: true,
      'aria-label': `Download the ${method.title} map as PNG`, onclick: () => this.download(),
    }, 'PNG');
    this.onRetry = onRetry;
    // The summary is text on the panel, not a tooltip only: a touch screen has no hover.
    const summaryId = `summary-${method.name}-${++panelCount}`;
    this.summary = el('p', { class: 'panel-summary small', id: summaryId, hidden: true }, method.summary);
    this.infoButton = el('button', {
      type: 'button', class: 'icon-button info-button', 'aria-label': `What ${method.title} shows`,
      'aria-expanded': 'false', 'aria-controls': summaryId, title: 'What this method shows',
      onclick: () => this.#toggle(this.summary, this.infoButton),
    }, 'i');
    this.optionsBox = null;
    this.optionsButton = null;
    if (hasOptions(method.name)) {
      const optionsId = `options-${method.name}-${panelCount}`;
      this.optionsBox = el('div', { class: 'panel-options', id: optionsId, hidden: true });
      this.optionsButton = el('button', {
        type: 'button', class: 'icon-button options-button', 'aria-expanded': 'false', 'aria-controls': optionsId,
        'aria-label': `${method.title} options`, title: 'Options: set and run again', onclick: () => this.#toggleOptions(),
      }, '⚙');
    }
    this.element = el('article', { class: 'panel', dataset: { method: method.name } },
      el('header', { class: 'panel-head' },
        el('div', { class: 'panel-title' },
          el('h3', { title: method.summary }, method.title),
          this.layerLine),
        this.optionsButton,
        this.infoButton,
        el('button', {
          type: 'button', class: 'icon-button', 'aria-label': `Remove ${method.title}`, title: 'Remove this panel',
          onclick: () => onRemove(this),
        }, '×')),
      this.summary,
      this.optionsBox,
      el('div', { class: 'panel-figure' }, this.canvas, this.status),
      this.note,
      el('footer', { class: 'panel-foot' }, this.time, this.downloadButton, this.readout),
      this.faith.element);
    attachHoverReadout(this.canvas, this.readout, () => this.explanation, () => this.#idleText());
  }

  #toggle(box, button) {
    box.hidden = !box.hidden;
    button.setAttribute('aria-expanded', String(!box.hidden));
  }

  #toggleOptions() {
    if (this.optionsBox.hidden) {
      this.optionsBox.replaceChildren(optionsForm(this.method, this.params, (params) => {
        this.params = params;
        this.#toggle(this.optionsBox, this.optionsButton);
        this.cancel();  // a run with the old options would only be replaced
        this.onRetry(this);
      }));
    }
    this.#toggle(this.optionsBox, this.optionsButton);
    this.optionsBox.querySelector('input')?.focus();
  }

  #idleText() {
    return this.explanation ? 'Point at the map for values' : '';
  }

  // Shown while the job runs; slow methods get a progress bar and a cancel button.
  start(job) {
    this.job = job;
    this.element.classList.add('busy');
    this.element.classList.remove('failed');
    if (!this.method.slow) {
      this.status.replaceChildren(el('span', { class: 'spinner', 'aria-hidden': 'true' }));
      return;
    }
    this.progress = el('progress', { max: '1', value: '0', 'aria-label': `${this.method.title} progress` });
    this.stage = el('span', { class: 'small' }, 'starting…');
    this.status.replaceChildren(el('div', { class: 'progress-box' },
      this.progress, this.stage,
      el('button', { type: 'button', class: 'button button-small', onclick: () => job.cancel() }, 'Cancel')));
  }

  onProgress(fraction, stage) {
    if (!this.progress) return;
    this.progress.value = fraction;
    this.stage.textContent = `${Math.round(fraction * 100)}%${stage ? ` · ${stage}` : ''}`;
  }

  show(explanation) {
    this.#settle();
    this.explanation = explanation;
    const { overlay } = explanation.pictures;
    drawRgba(this.canvas, overlay);
    this.canvas.classList.toggle('pixelated', overlay.width < 128);
    this.time.textContent = '';
    const { layer, note } = this.describeLayer(explanation);
    const params = describeParams(this.method.name, this.params);
    this.layerLine.textContent = [layer ? `at ${layer}` : 'on the input pixels', params].filter(Boolean).join(' · ');
    this.note.textContent = note ?? '';
    this.note.hidden = !note;
    this.canvas.setAttribute('aria-label', `${this.method.title} map for ${explanation.label} ${layer ? `at ${layer}` : 'on the input pixels'}`);
    this.readout.textContent = this.#idleText();
    this.downloadButton.disabled = false;
    if (this.faith.key !== null && this.faith.key !== this.mapKey(explanation)) this.faith.clear();
    this.faith.setEnabled(true);
  }

  // The time of the request that drew this map with `maps` others: they share its passes, so each
  // map's own steps are in the title and the request's total is shown.
  showCallTime(view, maps) {
    const explanation = this.explanation;
    if (!explanation) return;
    const own = Object.entries(explanation.timings_ms).map(([step, ms]) => `${step} ${formatMs(ms)}`).join(' · ');
    if (explanation.reused) {
      this.time.textContent = 'kept';
      this.time.title = `made by an earlier request on this crop and redrawn (its steps: ${own})`;
      return;
    }
    this.time.textContent = `${maps > 1 ? `${maps} maps · ` : ''}${formatMs(view.timings_ms.total)}`;
    this.time.title = `${maps > 1 ? `one request for ${maps} maps, sharing the forward and backward passes; ` : ''}this map: ${own}`;
  }

  fail(message, { cancelled = false } = {}) {
    this.#settle();
    this.#clear();
    this.element.classList.add('failed');
    this.status.replaceChildren(el('div', { class: 'panel-message' },
      el('p', { class: 'panel-message-title' }, cancelled ? 'Cancelled.' : 'Not computed'),
      cancelled ? null : el('p', { class: 'panel-message-detail' }, message),
      cancelled ? el('button', { type: 'button', class: 'button button-small', onclick: () => this.onRetry(this) }, 'Run again') : null));
  }

  // Nothing drawn: the method failed, was cancelled or does not apply.
  #clear() {
    this.explanation = null;
    this.note.hidden = true;
    this.canvas.width = this.canvas.height = 0;
    this.time.textContent = '';
    this.time.title = '';
    this.readout.textContent = '';
    this.downloadButton.disabled = true;
    this.faith.clear();
    this.faith.setEnabled(false);
  }

  #settle() {
    this.job = null;
    this.progress = null;
    this.element.classList.remove('busy', 'failed');
    this.status.replaceChildren();
  }

  cancel() {
    this.job?.cancel();
    this.faith.cancel();
  }

  // The PNG holds the map at the crop's full size, which the panel may show smaller.
  async download() {
    const explanation = this.explanation;
    if (!explanation) return;
    const canvas = el('canvas');
    drawRgba(canvas, await this.fullSizeOverlay(explanation));
    const blob = await canvasToPngBlob(canvas);
    saveBlob(blob, `${fileSafe(this.fileName())}.${fileSafe(this.method.name)}.${fileSafe(explanation.label)}.png`);
  }
}

// A small captioned overlay for the top-3 and layer-sweep strips; `detail` is a second, quieter line
// that the pointer's map value replaces while it hovers.
export function thumbnail(explanation, caption, { detail = '', onSelect, selected = false, label } = {}) {
  const canvas = el('canvas', { class: 'thumb-canvas' });
  drawRgba(canvas, explanation.pictures.overlay);
  canvas.classList.toggle('pixelated', explanation.pictures.overlay.width < 128);
  const readout = el('span', { class: 'thumb-readout small muted' }, detail);
  const body = [canvas, el('span', { class: 'thumb-caption', title: caption }, caption), readout];
  const element = onSelect
    ? el('button', { type: 'button', class: `thumb${selected ? ' selected' : ''}`, 'aria-pressed': String(selected), 'aria-label': label, onclick: onSelect }, ...body)
    : el('figure', { class: 'thumb' }, ...body);
  const state = { explanation };
  attachHoverReadout(canvas, readout, () => state.explanation, () => detail);
  return {
    element,
    get explanation() { return state.explanation; },
  };
}
