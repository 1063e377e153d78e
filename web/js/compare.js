// The Compare view: two models on the same photo and box, side by side. Model A is the explain
// view's model (choosing another here switches the explain view to it); model B is a second
// Explainer the worker keeps beside it (engine.loadComparedModel). One request (engine.compare)
// returns both models' predictions and the same methods' maps, drawn by the engine in the explain
// view's colours, in two aligned rows: each row explains its own model's top class at the layer
// compare-layers.js picks, and says which.
import { el, drawRgba, formatMs, formatPercent } from './dom.js';
import { attachHoverReadout } from './panels.js';
import { BUILTIN_MODELS, fetchBuiltinModel, readModelFiles } from './models.js';
import { sameBox } from './crop-box.js';
import { compareLabels, compareLayers, depthOf, depthSteps, namedExplainLayer } from './compare-layers.js';
import { shortLayerNames } from './layers.js';
import { sentence } from './messages.js';

// The pair the view opens with: one task, two architectures (mini-Xception and SSR-Net).
export const DEFAULT_PAIR = { first: 'gender', second: 'gender-ssrnet-imdb' };
const DEFAULT_METHODS = ['grad-cam', 'grad-cam++', 'saliency'];
const SHOWN_CLASSES = 3;
const MAP_SIDE = 240;        // CSS pixels a map is shown at: it is drawn at this times the pixel ratio
const MOST_PHOTO_SIDE = 512;  // the photo column shows the box at most this large
const ROW_NAMES = ['A', 'B'];
const DEPTHS = [
  { value: 'metadata', text: 'Each model\'s explain layer' },
  { value: '1', text: 'Same depth: the last conv layer' },
  { value: '0.75', text: 'Same depth: ¾ through the conv layers' },
  { value: '0.5', text: 'Same depth: halfway' },
  { value: '0.25', text: 'Same depth: ¼ through' },
];

function ordinal(n) {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}

function listed(labels, most = 4) {
  return `${labels.slice(0, most).join(', ')}${labels.length > most ? ', …' : ''}`;
}

// Sized through the CSSOM: the CSP forbids style attributes.
function barFill(probability) {
  const fill = el('span', { class: 'prediction-fill' });
  fill.style.width = `${Math.max(0.5, probability * 100).toFixed(2)}%`;
  return fill;
}

// The box of `image` ({width, height, data}) on a canvas, at most MOST_PHOTO_SIDE a side.
function drawCrop(canvas, image, crop) {
  const scale = Math.min(1, MOST_PHOTO_SIDE / Math.max(crop.width, crop.height));
  canvas.width = Math.max(1, Math.round(crop.width * scale));
  canvas.height = Math.max(1, Math.round(crop.height * scale));
  const whole = new OffscreenCanvas(image.width, image.height);
  whole.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  const context = canvas.getContext('2d');
  context.imageSmoothingEnabled = scale < 1;
  context.drawImage(whole, crop.x, crop.y, crop.width, crop.height, 0, 0, canvas.width, canvas.height);
  canvas.classList.toggle('pixelated', crop.width < 128);
}

export class CompareView {
  // root: the view's element; track(promise): the page's busy tracking; showError(text): its error
  // message; scene(): the explain view's model and photo ({modelId, title, description, image,
  // crop, look: {colormap, alpha, smooth}, key}) or null while none is loaded; selectModel(id):
  // switches the explain view to built-in model `id` (it reports its own failure); showExplain():
  // goes to the explain view, where the photo and box are chosen.
  constructor({ root, track, showError, scene, selectModel, showExplain }) {
    Object.assign(this, { root, track, showError, scene, selectModel, showExplain });
    this.engine = null;
    this.visible = false;
    this.pairChosen = false;  // the default pair is set up on the first opening only
    this.choosing = false;    // while model A is switched from here, the explain view's changes wait
    this.second = null;       // model B: {id, title, input, description, named, serial}
    this.serial = 0;
    this.methods = [...DEFAULT_METHODS];
    this.depth = 'metadata';
    this.wanted = null;       // the model B the address asks for, instead of the default pair
    this.job = null;
    this.generation = 0;
    this.wantedKey = null;   // what the rows show, or are being computed for
    this.rows = [];          // per row: {title, description, layer, view (the engine's), cells, shortNames}
    this.#build();
  }

  setEngine(engine) {
    this.engine = engine;
  }

  setVisible(visible) {
    this.visible = visible;
    this.root.hidden = !visible;
    if (visible) this.track(this.#open());
  }

  // The explain view showed a new model, photo, box or colours: the rows follow while in sight.
  sceneChanged() {
    if (this.visible && !this.choosing) this.track(this.#open());
  }

  // Model A: built-in model `id`, in the explain view too. -> a Promise settled once the rows are drawn
  chooseFirst(id) {
    return this.track(this.#chooseFirst(id));
  }

  // Model B: built-in model `id`. A model that fails to load leaves both as they were, with an error.
  chooseSecond(id) {
    return this.track(this.#loadSecond({ id }));
  }

  // Model B from the user's files (as "Your own model" takes them).
  chooseSecondFiles(files) {
    return this.track(this.#loadSecondFiles(files));
  }

  // The methods whose maps the rows show (the engine's names), and the depth ('metadata' or a fraction).
  setMethods(names) {
    this.methods = [...names];
    for (const box of this.ui.methods.querySelectorAll('input')) box.checked = this.methods.includes(box.value);
    return this.track(this.#run());
  }

  setDepth(depth) {
    this.depth = depth;
    this.ui.depth.value = String(depth);
    return this.track(this.#run());
  }

  cancel() {
    this.job?.cancel();
  }

  // What the address keeps: model B (null for a model of the user's), the methods, the depth.
  urlState() {
    return { second: this.second?.id === 'custom' ? null : this.second?.id ?? null, methods: this.methods, depth: this.depth };
  }

  // The comparison an address asks for (readUrlState's second, compareMethods, compareDepth): model
  // A is the explain view's, which the address sets; the rest replaces the default pair.
  restore({ second = null, compareMethods = null, compareDepth = null }) {
    this.wanted = { second };
    if (compareMethods) this.methods = [...compareMethods];
    if (compareDepth !== null) {
      this.depth = compareDepth;
      this.ui.depth.value = String(compareDepth);
    }
  }

  // ---- building ----

  #build() {
    const ui = {};
    ui.first = el('select', { id: 'compare-first', onchange: () => this.chooseFirst(ui.first.value) });
    ui.second = el('select', { id: 'compare-second', onchange: () => this.chooseSecond(ui.second.value) });
    ui.filesInput = el('input', {
      type: 'file', id: 'compare-files-input', multiple: true, hidden: true, accept: '.json,.bin,.onnx,.data,.txt,application/json',
      onchange: () => {
        const files = [...ui.filesInput.files];
        ui.filesInput.value = '';
        if (files.length) this.chooseSecondFiles(files);
      },
    });
    ui.filesButton = el('button', { type: 'button', class: 'button', id: 'compare-files-button', onclick: () => ui.filesInput.click() },
      'Your own model as B…');
    ui.depth = el('select', { id: 'compare-depth', onchange: () => this.setDepth(ui.depth.value === 'metadata' ? 'metadata' : Number(ui.depth.value)) },
      ...DEPTHS.map(({ value, text }) => el('option', { value }, text)));
    ui.methods = el('div', { class: 'row compare-methods', role: 'group', 'aria-labelledby': 'compare-methods-label' });
    ui.cancel = el('button', { type: 'button', class: 'button', id: 'compare-cancel', disabled: true, onclick: () => this.cancel() }, 'Cancel');
    ui.progress = el('progress', { id: 'compare-progress', max: '1', value: '0', hidden: true, 'aria-label': 'Comparing' });
    ui.status = el('span', { id: 'compare-status', class: 'small', role: 'status', 'aria-live': 'polite' });
    ui.photo = el('span', { id: 'compare-photo', class: 'muted small' });
    ui.note = el('p', { id: 'compare-note', class: 'compare-note', role: 'note', hidden: true });
    ui.table = el('table', { id: 'compare-table', class: 'compare-table' });
    ui.empty = el('p', { class: 'compare-empty muted' }, 'Waiting for the explain view\'s model and photo…');
    const field = (label, control) => el('label', { class: 'field-inline' }, el('span', { class: 'field-label' }, label), control);
    this.root.replaceChildren(
      el('section', { class: 'card toolbar compare-toolbar', 'aria-labelledby': 'compare-heading' },
        el('div', { class: 'toolbar-row' },
          el('h2', { id: 'compare-heading', class: 'explaining' }, 'Two models, one photo ', ui.photo),
          el('div', { class: 'row' }, ui.cancel, ui.progress, ui.status)),
        el('div', { class: 'toolbar-row toolbar-controls' },
          field('Model A', ui.first),
          el('span', { class: 'compare-versus', 'aria-hidden': 'true' }, 'vs'),
          field('Model B', ui.second),
          ui.filesButton, ui.filesInput,
          field('Layer', ui.depth)),
        el('div', { class: 'toolbar-row toolbar-controls' },
          el('span', { class: 'field-label', id: 'compare-methods-label' }, 'Methods'), ui.methods),
        el('p', { class: 'small muted' },
          'Model A is the explain view\'s model, on its photo and box; ',
          el('button', { type: 'button', class: 'link-button', id: 'compare-change-photo', onclick: () => this.showExplain() },
            'change the photo or box there'),
          '. Each row explains its own model\'s top class, in the explain view\'s colours; the layer menu picks where CAM ' +
          'maps are made: the layer each model\'s metadata names (a model naming none goes as deep as the other), or the ' +
          'same depth in both.')),
      ui.note,
      el('section', { class: 'card compare-card', 'aria-label': 'The two models side by side' }, ui.empty, ui.table));
    this.ui = ui;
  }

  // The model menus: A the explain view's model (a model of the user's shows while it is loaded),
  // B the built-in models and a model of the user's once loaded.
  #fillModelMenus(scene) {
    const builtins = () => Object.entries(BUILTIN_MODELS).map(([id, { title }]) => el('option', { value: id }, title));
    this.ui.first.replaceChildren(...builtins(),
      scene?.modelId === 'custom' ? el('option', { value: 'custom', disabled: true }, scene.title) : null);
    this.ui.first.value = scene?.modelId ?? '';
    this.ui.second.replaceChildren(...builtins(),
      this.second?.id === 'custom' ? el('option', { value: 'custom', disabled: true }, this.second.title) : null);
    this.ui.second.value = this.second?.id ?? '';
  }

  #fillMethods() {
    const scene = this.scene();
    if (!scene) return;
    this.ui.methods.replaceChildren(...scene.description.methods.map((method) => {
      const box = el('input', {
        type: 'checkbox', value: method.name, checked: this.methods.includes(method.name), dataset: { method: method.name },
        onchange: () => this.setMethods(scene.description.methods.map((m) => m.name)
          .filter((name) => (name === method.name ? box.checked : this.methods.includes(name)))),
      });
      return el('label', { class: 'compare-method', title: method.summary }, box, `${method.title}${method.slow ? ' (slow)' : ''}`);
    }));
  }

  // ---- choosing the models ----

  async #open() {
    const scene = this.scene();
    if (!this.engine || !scene) return;
    this.#fillModelMenus(scene);
    if (!this.ui.methods.childElementCount) this.#fillMethods();
    if (this.pairChosen) {
      await this.#run();
      return;
    }
    this.pairChosen = true;
    if (this.wanted?.second) {
      await this.#loadSecond({ id: this.wanted.second });
      return;
    }
    // A model of the user's stays model A: they had to give its files, a built-in one is a click away.
    if (scene.modelId === 'custom') {
      await this.#loadSecond({ id: DEFAULT_PAIR.first });
      return;
    }
    if (scene.modelId !== DEFAULT_PAIR.first) await this.#switchFirst(DEFAULT_PAIR.first);
    await this.#loadSecond({ id: DEFAULT_PAIR.second });
  }

  async #switchFirst(id) {
    this.choosing = true;
    try {
      await this.selectModel(id);
    } finally {
      this.choosing = false;
      this.#fillModelMenus(this.scene());
    }
  }

  async #chooseFirst(id) {
    if (id === this.scene()?.modelId) return;
    await this.#switchFirst(id);
    await this.#run();
  }

  async #builtinInput(id) {
    if (!Object.hasOwn(BUILTIN_MODELS, id)) {
      throw new Error(`there is no built-in model '${String(id).slice(0, 40)}': choose one of ${Object.keys(BUILTIN_MODELS).join(', ')}, ` +
        'or give your own model\'s files');
    }
    return fetchBuiltinModel(id);
  }

  // source: {id} (a built-in model) or {id: 'custom', title, what (the model in a sentence), input}.
  async #loadSecond(source) {
    const builtin = Object.hasOwn(BUILTIN_MODELS, source.id) ? BUILTIN_MODELS[source.id] : null;
    const title = source.title ?? builtin?.title ?? `'${String(source.id).slice(0, 40)}'`;
    const what = source.what ?? title;
    this.ui.status.textContent = `Loading ${what} as model B…`;
    try {
      const input = source.input ?? await this.#builtinInput(source.id);
      const description = await this.engine.loadComparedModel(input).promise;
      this.second = { id: source.id, title, input, description, named: namedExplainLayer(input), serial: ++this.serial };
      this.ui.status.textContent = '';
    } catch (error) {
      this.ui.status.textContent = '';
      this.#fillModelMenus(this.scene());
      const kept = this.second ? `Model B is still ${this.second.title}` : 'No model B is loaded';
      this.showError(`Could not load ${what} as model B: ${sentence(error.message)} ${kept}; model A ` +
        `(${this.scene()?.title ?? 'the explain view\'s'}) is unchanged.`);
      return;
    }
    this.#fillModelMenus(this.scene());
    await this.#run();
  }

  async #loadSecondFiles(files) {
    let read;
    try {
      read = await readModelFiles(files);
    } catch (error) {
      this.showError(`Could not load that model as model B: ${sentence(error.message)} ` +
        `${this.second ? `Model B is still ${this.second.title}.` : 'No model B is loaded.'}`);
      return;
    }
    await this.#loadSecond({ id: 'custom', title: `Your model: ${read.name}`, what: `your model '${read.name}'`, input: read.input });
  }

  // ---- the rows ----

  // What the rows depend on: the explain view's model, photo, box and colours, model B, the methods, the depth.
  #key(scene) {
    return JSON.stringify([scene.key, scene.look, this.second?.serial, this.methods, this.depth]);
  }

  #request(scene, layer) {
    return {
      crop: scene.crop,
      class: null,
      layer,
      methods: this.methods.map((name) => ({ name, params: null })),
      top_k: 0,
      layer_sweep: false,
      colormap: scene.look.colormap,
      alpha: scene.look.alpha,
      smooth: scene.look.smooth,
      max_side: Math.ceil((MAP_SIDE * devicePixelRatio) / 128) * 128,
    };
  }

  async #run() {
    const scene = this.scene();
    if (!this.engine || !scene || !this.second || !this.visible) return;
    const key = this.#key(scene);
    if (key === this.wantedKey) return;
    this.job?.cancel();
    this.wantedKey = key;
    const generation = ++this.generation;
    const models = [
      { title: scene.title, description: scene.description, named: namedExplainLayer(this.engine.model) },
      { title: this.second.title, description: this.second.description, named: this.second.named },
    ];
    const layers = compareLayers(models, this.depth);
    this.rows = models.map((model, i) => ({
      ...model, layer: layers[i], view: null, cells: null,
      shortNames: shortLayerNames(model.description.layers.map((layer) => layer.name)),
    }));
    this.#showNote();
    this.#buildTable(scene);
    const started = performance.now();
    const job = this.engine.compare({ first: this.#request(scene, layers[0].name), second: this.#request(scene, layers[1].name) }, {
      onProgress: (fraction, stage) => {
        if (generation !== this.generation) return;
        this.ui.progress.value = fraction;
        this.ui.status.textContent = `${Math.round(fraction * 100)}%${stage ? ` · ${this.#withShortNames(stage)}` : ''}`;
      },
      onPart: ({ row, part }) => {
        if (generation === this.generation) this.#showPart(row, part);
      },
    });
    this.job = job;
    this.ui.cancel.disabled = false;
    this.ui.progress.hidden = false;
    this.ui.progress.value = 0;
    this.ui.status.textContent = 'Comparing…';
    try {
      const { first, second } = await job.promise;
      if (generation !== this.generation) return;
      [first, second].forEach((view, row) => {
        this.rows[row].view = view;
        this.#showPart(row, view);
        this.#showOwnFraming(this.rows[row], scene, view.crop);
      });
      this.ui.status.textContent = `Both rows in ${formatMs(performance.now() - started)}`;
    } catch (error) {
      if (generation !== this.generation) return;
      this.wantedKey = null;
      const cancelled = error.name === 'CancelledError';
      this.ui.status.textContent = cancelled ? 'Cancelled.' : '';
      for (const row of this.rows) {
        for (const cell of row.cells.values()) if (!cell.explanation) this.#failCell(cell, cancelled ? null : error.message);
      }
      if (!cancelled) this.showError(`Could not compare the two models: ${sentence(error.message)}`);
    } finally {
      if (generation === this.generation) {
        this.job = null;
        this.ui.cancel.disabled = true;
        this.ui.progress.hidden = true;
      }
    }
  }

  // The engine's messages name layers in full; the rows name them as the explain view does.
  #withShortNames(message) {
    let text = message;
    for (const row of this.rows) {
      for (const [name, short] of [...row.shortNames].sort((a, b) => b[0].length - a[0].length)) text = text.split(name).join(short);
    }
    return text;
  }

  // A note when the two label lists are not the same: each row is read by its own labels.
  #showNote() {
    const [a, b] = this.rows;
    const labels = compareLabels(a.description, b.description);
    const classes = (row) => `${row.title} ${row.description.labels.length} (${listed(row.description.labels)})`;
    this.ui.note.hidden = labels === 'same';
    this.ui.note.dataset.labels = labels;
    this.ui.note.textContent = labels === 'different'
      ? `The two models do not know the same classes: ${classes(a)}, ${classes(b)}. Each row explains its own top ` +
        'class: compare where the two look, not what they call it.'
      : labels === 'reordered'
        ? `The two models know the same ${a.description.labels.length} classes, listed in another order ` +
          `(${a.title}: ${listed(a.description.labels, 3)}; ${b.title}: ${listed(b.description.labels, 3)}). Each row ` +
          'names its classes by label, so they compare as they are.'
        : '';
  }

  // Where row `row`'s CAM maps are made, in words.
  #layerText(row) {
    const { layer, description, shortNames } = this.rows[row];
    if (layer.name === null) return 'No spatial layer: only per-pixel methods apply.';
    const short = shortNames.get(layer.name) ?? layer.name;
    if (layer.how === 'named') return `Explained at ${short}, the layer its metadata names`;
    const steps = depthSteps(description);
    const at = Math.round(depthOf(description, layer.name) * steps);
    const as = layer.from === null ? '' : `, as deep as ${this.rows[layer.from].title}'s`;
    return `Explained at ${short}, its ${ordinal(Math.max(1, at))} of ${steps} conv layers${as}`;
  }

  // Two rows of cells, each waiting for its maps: the photo, then one cell per method.
  #buildTable(scene) {
    const methods = this.methods.map((name) => scene.description.methods.find((method) => method.name === name) ?? { name, title: name });
    const head = el('tr', {},
      el('th', { scope: 'col', class: 'compare-model-head' }, 'Model'),
      el('th', { scope: 'col' }, 'Photo'),
      ...methods.map((method) => el('th', { scope: 'col', title: method.summary ?? '' }, method.title)));
    const body = this.rows.map((row, i) => {
      row.predictions = el('ol', { class: 'predictions compare-predictions', 'aria-label': `${row.title}: top classes` });
      row.explained = el('p', { class: 'small muted compare-explained' });
      const photo = el('canvas', { class: 'compare-canvas', role: 'img', 'aria-label': `The photo's box, as ${row.title} sees it` });
      drawCrop(photo, scene.image, scene.crop);
      row.photo = photo;
      row.photoCaption = el('figcaption', { class: 'small muted' }, `${scene.crop.width}×${scene.crop.height} box`);
      row.cells = new Map(methods.map((method) => [method.name, this.#cell(row, method)]));
      return el('tr', { dataset: { row: String(i) } },
        el('th', { scope: 'row', class: 'compare-model' },
          el('span', { class: 'compare-badge', 'aria-hidden': 'true' }, ROW_NAMES[i]),
          el('h3', {}, row.title),
          el('p', { class: 'small muted compare-layer' }, this.#layerText(i)),
          row.predictions, row.explained),
        el('td', {}, el('figure', { class: 'compare-map' }, el('p', { class: 'compare-cell-title', 'aria-hidden': 'true' }, 'Photo'),
          el('div', { class: 'compare-figure' }, photo),
          row.photoCaption)),
        ...[...row.cells.values()].map((cell) => el('td', {}, cell.element)));
    });
    this.ui.table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
    this.ui.empty.hidden = true;
    const { crop, image } = scene;
    this.ui.photo.textContent = `${image.name} · box ${crop.width}×${crop.height} at (${crop.x}, ${crop.y})`;
  }

  #cell(row, method) {
    const canvas = el('canvas', { class: 'compare-canvas', tabindex: '0', role: 'img', 'aria-label': `${method.title} of ${row.title}: not computed yet` });
    const status = el('div', { class: 'panel-status' }, el('span', { class: 'spinner', 'aria-hidden': 'true' }));
    const caption = el('figcaption', { class: 'small muted compare-caption' });
    const readout = el('span', { class: 'small muted compare-readout' });
    const note = el('p', { class: 'small panel-note compare-cell-note', hidden: true });
    const cell = {
      method, canvas, status, caption, readout, note, explanation: null,
      element: el('figure', { class: 'compare-map busy', dataset: { method: method.name } },
        el('p', { class: 'compare-cell-title', 'aria-hidden': 'true' }, method.title),
        el('div', { class: 'compare-figure' }, canvas, status), caption, readout, note),
    };
    attachHoverReadout(canvas, readout, () => cell.explanation, () => '');
    return cell;
  }

  #showPart(row, part) {
    const info = this.rows[row];
    if (part.prediction) this.#showPrediction(info, part.prediction);
    for (const explanation of part.explanations ?? []) {
      const cell = info.cells.get(explanation.method);
      if (cell) this.#showCell(info, cell, explanation);
    }
    for (const failure of part.failures ?? []) {
      const cell = info.cells.get(failure.method);
      if (cell) this.#failCell(cell, this.#withShortNames(failure.message));
    }
  }

  // A face model framing the same face more widely than row A (its metadata's {"face": f}) saw
  // another box: the row shows that box.
  #showOwnFraming(row, scene, crop) {
    if (!crop || sameBox(crop, scene.crop)) return;
    drawCrop(row.photo, scene.image, crop);
    row.photoCaption.textContent = `${crop.width}×${crop.height} box: the same face, framed as this model's metadata asks`;
  }

  #showPrediction(row, prediction) {
    row.prediction = prediction;
    row.predictions.replaceChildren(...prediction.classes.slice(0, SHOWN_CLASSES).map((entry) => el('li', {},
      el('div', { class: 'prediction compare-prediction' },
        el('span', { class: 'prediction-label', title: entry.label }, entry.label),
        el('span', { class: 'prediction-bar', 'aria-hidden': 'true' }, barFill(entry.probability)),
        el('span', { class: 'prediction-value' }, formatPercent(entry.probability))))));
    row.explained.textContent = `Maps explain ${prediction.classes[0].label}, its top class.`;
  }

  #showCell(row, cell, explanation) {
    cell.explanation = explanation;
    const { overlay } = explanation.pictures;
    drawRgba(cell.canvas, overlay);
    cell.canvas.classList.toggle('pixelated', overlay.width < 128);
    cell.element.classList.remove('busy', 'failed');
    cell.status.replaceChildren();
    const where = cell.method.per_pixel ? 'on the input pixels'
      : `at ${row.shortNames.get(explanation.layer) ?? explanation.layer}`;
    cell.caption.textContent = where;
    cell.caption.title = explanation.layer;
    // Why the map differs from what was asked, or why it is blank.
    cell.note.textContent = explanation.note ? this.#withShortNames(explanation.note) : '';
    cell.note.hidden = !explanation.note;
    cell.canvas.setAttribute('aria-label', `${cell.method.title} of ${row.title} for ${explanation.label} ${where}`);
  }

  // message null: cancelled (a button runs the rows again).
  #failCell(cell, message) {
    cell.explanation = null;
    cell.canvas.width = cell.canvas.height = 0;
    cell.element.classList.remove('busy');
    cell.element.classList.add('failed');
    cell.caption.textContent = '';
    cell.status.replaceChildren(el('div', { class: 'panel-message' },
      el('p', { class: 'panel-message-title' }, message === null ? 'Cancelled.' : 'Not computed'),
      message === null
        ? el('button', { type: 'button', class: 'button button-small', onclick: () => this.track(this.#run()) }, 'Run again')
        : el('p', { class: 'panel-message-detail' }, message)));
  }
}
