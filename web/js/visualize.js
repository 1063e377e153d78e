// "What the model looks for": activation maximisation in the page. The engine grows an image, from
// gray or noise, that raises one class's logit (or one channel of a layer), with progress and cancel;
// the result is drawn enlarged, pixels as blocks, and can be saved as a PNG.
import { el, drawRgba, canvasToPngBlob, saveBlob, fileSafe } from './dom.js';

export class VisualizeView {
  // engine: engine.js's Engine; track(promise): the page's busy tracking; onError(message).
  constructor({ root, engine, track, onError }) {
    this.engine = engine;
    this.track = track;
    this.onError = onError;
    this.description = null;
    this.job = null;
    this.target = el('select', { id: 'visualize-target', 'aria-label': 'What to visualise' });
    this.steps = el('input', { id: 'visualize-steps', type: 'number', min: '8', max: '1024', step: '8', value: '128',
      'aria-label': 'Gradient steps' });
    this.start = el('select', { id: 'visualize-start', 'aria-label': 'Starting image' },
      el('option', { value: 'gray' }, 'from gray'), el('option', { value: 'noise' }, 'from noise'));
    this.runButton = el('button', { type: 'button', class: 'button', id: 'visualize-run', onclick: () => this.run() }, 'Generate');
    this.cancelButton = el('button', { type: 'button', class: 'button button-small', hidden: true, onclick: () => this.job?.cancel() },
      'Cancel');
    this.progress = el('progress', { max: '1', value: '0', hidden: true, 'aria-label': 'Visualisation progress' });
    this.status = el('p', { class: 'muted small', role: 'status', id: 'visualize-status' });
    this.canvas = el('canvas', { class: 'visualize-canvas pixelated', id: 'visualize-canvas', role: 'img',
      'aria-label': 'The generated image' });
    this.saveButton = el('button', { type: 'button', class: 'button button-small', disabled: true,
      onclick: () => this.save() }, 'PNG');
    root.replaceChildren(
      el('div', { class: 'visualize-controls' },
        el('label', { class: 'small' }, 'Raise ', this.target),
        el('label', { class: 'small' }, 'Steps ', this.steps),
        this.start, this.runButton, this.cancelButton, this.progress),
      el('div', { class: 'visualize-result' }, this.canvas,
        el('div', {}, this.status, this.saveButton)));
  }

  // A new model: its classes, then each channel of its explainable layers.
  setModel(description, shortLayer) {
    this.description = description;
    const classes = description.labels.map((label, index) => el('option', { value: `class:${index}` }, `class ${label}`));
    const channels = description.layers.filter((layer) => layer.explainable).map((layer) =>
      el('optgroup', { label: `${shortLayer(layer.name)} · ${layer.shape.join('×')}` },
        ...Array.from({ length: Math.min(layer.shape[2], 64) }, (_, c) =>
          el('option', { value: `channel:${layer.name}:${c}` }, `${shortLayer(layer.name)} channel ${c}`))));
    this.target.replaceChildren(el('optgroup', { label: 'Classes' }, ...classes), ...channels);
    this.canvas.width = this.canvas.height = 0;
    this.saveButton.disabled = true;
    this.status.textContent = 'Choose a class or a channel, then Generate: the engine grows an image the model scores highly for it.';
  }

  options() {
    const [kind, ...rest] = this.target.value.split(':');
    const steps = Math.max(8, Math.min(1024, Math.round(Number(this.steps.value) || 128)));
    const common = { steps, start: this.start.value, seed: 0 };
    if (kind === 'class') return { class: Number(rest[0]), ...common };
    return { layer: rest.slice(0, -1).join(':'), channel: Number(rest.at(-1)), ...common };
  }

  run() {
    if (!this.description) return;
    this.job?.cancel();
    const what = this.target.selectedOptions[0]?.textContent ?? '';
    this.job = this.engine.visualize(this.options(), { onProgress: (fraction) => { this.progress.value = fraction; } });
    const job = this.job;
    this.progress.hidden = false;
    this.progress.value = 0;
    this.cancelButton.hidden = false;
    this.status.textContent = `Growing an image for ${what}…`;
    this.track(job.promise.then((result) => {
      drawRgba(this.canvas, result);
      this.saveButton.disabled = false;
      this.fileName = `${fileSafe(what)}.visualized.png`;
      this.status.textContent = `${what}: objective ${result.initial_objective.toPrecision(3)} → ${result.final_objective.toPrecision(3)}.`;
    }, (error) => {
      if (error.name === 'CancelledError') this.status.textContent = 'Cancelled.';
      else this.onError(`Could not visualise ${what}: ${error.message}`);
    }).finally(() => {
      if (this.job !== job) return;
      this.progress.hidden = true;
      this.cancelButton.hidden = true;
      this.job = null;
    }));
  }

  async save() {
    saveBlob(await canvasToPngBlob(this.canvas), this.fileName ?? 'visualized.png');
  }
}
