// The sanity check (Adebayo et al. 2018) in the explain view: for the image, box and class shown,
// one method's map made again as the model's layers are randomised from the output down (seeded),
// each step's map in a strip and its similarity to the original (Spearman's rank correlation, of
// the map and of its absolute values, and SSIM) plotted beneath, with the Sobel edge map (which
// ignores the model) through the same cascade as the reference that stays at 1. A map that stays
// alike was never about the model.
import { byId, el, drawRgba } from './dom.js';
import { legend, linePlot } from './plot.js';

const DEFAULT_METHOD = 'grad-cam';
const PLOT_BOX = { width: 640, height: 180, left: 34, right: 10, top: 24, bottom: 16 };
const MOST_X_TICKS = 14;

export const SANITY_NOTE = 'Each step replaces the weights of one more layer, from the output down, with noise of ' +
  'the same mean and spread: a map that stays alike (similarity near 1, like the Sobel edges, which never look at the ' +
  'model) does not explain the model; one that loses its shape does.';

const SERIES = [
  { key: 'spearman', name: 'Spearman', series: 'map' },
  { key: 'spearman_abs', name: '|Spearman|', series: 'abs' },
  { key: 'ssim', name: 'SSIM', series: 'ssim' },
];

export class SanityView {
  // scene(): the explain view's request fields for the map shown ({crop, class, layer, params(method),
  // colormap, alpha, smooth, model, key}); shortLayer(name): the page's short layer names;
  // track(promise): its busy tracking; onChange(): the address should be written again.
  constructor({ track, scene, shortLayer, showError, onChange }) {
    this.track = track;
    this.scene = scene;
    this.shortLayer = shortLayer;
    this.showError = showError;
    this.onChange = onChange;
    this.engine = null;
    this.job = null;
    this.result = null;  // {key, method, document, pictures}
    this.ui = {
      section: byId('sanity-section'),
      method: byId('sanity-method'),
      seed: byId('sanity-seed'),
      run: byId('sanity-run'),
      cancel: byId('sanity-cancel'),
      progress: byId('sanity-progress'),
      status: byId('sanity-status'),
      strip: byId('sanity-strip'),
      plot: byId('sanity-plot'),
    };
    this.ui.run.addEventListener('click', () => this.track(this.run()));
    this.ui.cancel.addEventListener('click', () => this.job?.cancel());
    this.ui.method.addEventListener('change', () => this.onChange());
    this.ui.seed.addEventListener('change', () => this.onChange());
    this.ui.section.addEventListener('toggle', () => this.onChange());
    this.#update();
  }

  setEngine(engine) {
    this.engine = engine;
    this.#update();
  }

  get open() {
    return this.ui.section.open;
  }

  // The methods of the model (its description's); keeps the choice when the new model has it.
  setModel(description) {
    const methods = description.methods.filter((method) => method.applies);
    const chosen = this.ui.method.value || DEFAULT_METHOD;
    this.ui.method.replaceChildren(...methods.map((m) => el('option', { value: m.name, title: m.summary },
      `${m.title}${m.slow ? ' (slow)' : ''}`)));
    this.ui.method.value = methods.some((m) => m.name === chosen) ? chosen
      : methods.some((m) => m.name === DEFAULT_METHOD) ? DEFAULT_METHOD : methods[0]?.name ?? '';
    this.methods = methods;
    this.#clearResult('');
    this.#update();
  }

  // What the address keeps: the method and seed while the section is open, else null.
  urlState() {
    return this.open ? { method: this.ui.method.value, seed: this.#seed() } : null;
  }

  // The address's sanity check: the section opened on that method and seed, and run.
  restore({ method, seed }) {
    if (this.methods?.some((m) => m.name === method)) this.ui.method.value = method;
    this.ui.seed.value = String(seed ?? 0);
    this.ui.section.open = true;
    return this.run();
  }

  // The explain view changed its image, box, class or layer: the cascade shown is of another map.
  sceneChanged() {
    if (this.result && this.result.key !== this.scene().key) {
      this.ui.status.textContent = 'The image, box, class or layer changed since this check: run it again to see the map shown now.';
      this.ui.strip.classList.add('stale');
    }
  }

  #seed() {
    const seed = Number(this.ui.seed.value);
    return Number.isInteger(seed) && seed >= 0 ? seed : 0;
  }

  async run() {
    if (!this.engine || this.job) return;
    const scene = this.scene();
    if (!scene) return;
    const method = this.ui.method.value;
    const title = this.methods.find((m) => m.name === method)?.title ?? method;
    const request = {
      crop: scene.crop, class: scene.class, layer: scene.layer, model: scene.model,
      methods: [{ name: method, params: scene.params(method) }], seed: this.#seed(),
      colormap: scene.colormap, alpha: scene.alpha, smooth: scene.smooth, max_side: Math.ceil(112 * devicePixelRatio),
    };
    this.ui.progress.hidden = false;
    this.ui.progress.value = 0;
    this.ui.status.textContent = `Randomising the layers under ${title}…`;
    this.job = this.engine.sanity(request, {
      onProgress: (fraction, stage) => {
        this.ui.progress.value = fraction;
        this.ui.status.textContent = `${Math.round(fraction * 100)}% · ${this.#shortStage(stage)}`;
      },
    });
    this.#update();
    try {
      const { document, pictures } = await this.job.promise;
      this.result = { key: scene.key, method, title, document, pictures };
      this.#show();
    } catch (error) {
      if (error.name === 'CancelledError') {
        this.ui.status.textContent = `Cancelled.${this.result ? ' The last check stays shown.' : ''}`;
      } else {
        this.ui.status.textContent = '';
        this.showError(`Could not run the sanity check of ${title}: ${error.message}`);
      }
    } finally {
      this.job = null;
      this.ui.progress.hidden = true;
      this.#update();
      this.onChange();
    }
  }

  #shortStage(stage) {
    const [what, layer] = stage.split(': ');
    return layer ? `${what}: ${this.shortLayer(layer)}` : stage;
  }

  #clearResult(text) {
    this.result = null;
    this.ui.strip.replaceChildren();
    this.ui.plot.replaceChildren();
    this.ui.status.textContent = text;
  }

  #show() {
    const { document, pictures, title } = this.result;
    const image = document.images[0];
    const method = image.maps.find((map) => !map.baseline);
    const sobel = image.maps.find((map) => map.method === 'sobel');
    const steps = method.sanity.cascading;
    const thumb = (picture, caption, detail, label) => {
      const canvas = el('canvas', { class: 'thumb-canvas', role: 'img', 'aria-label': label });
      drawRgba(canvas, picture);
      canvas.classList.toggle('pixelated', picture.width < 96);
      return el('figure', { class: 'thumb' }, canvas, el('span', { class: 'thumb-caption', title: caption }, caption),
        el('span', { class: 'thumb-readout small muted' }, detail));
    };
    this.ui.strip.classList.remove('stale');
    this.ui.strip.replaceChildren(
      thumb(pictures.original, 'original', 'trained', `${title} map of ${image.label} with the trained model`),
      ...steps.map((step, i) => thumb(pictures.cascading[i], `${i + 1} · ${this.shortLayer(step.layer)}`,
        `ρ ${Number.isFinite(step.spearman) ? step.spearman.toFixed(2) : '–'}`,
        `${title} map with every layer from the output down to ${this.shortLayer(step.layer)} randomised`)));
    const xs = steps.map((_, i) => i);
    const at = (values) => [1, ...values];
    const x = [0, ...xs.map((i) => i + 1)];
    const series = SERIES.map(({ key, series: name }) => ({ x, y: at(steps.map((step) => step[key] ?? NaN)), className: `series-${name}` }));
    series.push({ x, y: at(sobel.sanity.cascading.map((step) => step.spearman ?? NaN)), className: 'series-sobel' });
    const every = Math.ceil(x.length / MOST_X_TICKS);
    const last = steps.at(-1);
    const label = `Similarity of the ${title} map to the original as layers are randomised from the output down: ` +
      `after all ${steps.length}, Spearman ${last.spearman?.toFixed(2)}, SSIM ${last.ssim?.toFixed(2)}; the Sobel edges stay at ` +
      `${sobel.sanity.cascading.at(-1).spearman?.toFixed(2)}`;
    this.ui.plot.replaceChildren(
      linePlot({
        series, box: PLOT_BOX, label, title: 'Similarity to the original map',
        x: { min: 0, max: steps.length, ticks: x.filter((v) => v % every === 0), format: (v) => (v === 0 ? 'none' : String(v)) },
        y: { min: -1, max: 1, ticks: [-1, 0, 1], format: (v) => String(v) },
      }),
      legend([...SERIES.map(({ name, series: key }) => [key, `${title} ${name}`]), ['sobel', 'Sobel edges (ignore the model)']],
        el('span', { class: 'legend-item' }, 'x: layers randomised, from the output down')),
      el('p', { class: 'small muted' }, SANITY_NOTE));
    const independent = method.sanity.independent.map((step) => step.spearman).filter(Number.isFinite);
    const mean = independent.reduce((sum, v) => sum + v, 0) / Math.max(1, independent.length);
    this.ui.status.textContent = `${title}, ${image.label}, seed ${document.settings.seed}: Spearman ${last.spearman?.toFixed(2)} ` +
      `once every layer is randomised; ${mean.toFixed(2)} on average with one layer at a time.`;
  }

  #update() {
    const ready = Boolean(this.engine) && !this.job;
    this.ui.run.disabled = !ready || !this.ui.method.value;
    this.ui.method.disabled = !ready;
    this.ui.seed.disabled = !ready;
    this.ui.cancel.disabled = !this.job;
  }
}
