// The Audit view: where each class of a dataset really looks, as `camlens audit` finds it, run in
// the engine's worker on the model the explain view has loaded. The user drops or picks a folder
// with one subfolder per class (named after the model's labels); the page lists it as the Train
// panel does, the worker decodes and explains every image in turn (progress and cancel between
// images), and the finished audit comes back as the CLI's audit.json and report.html. The report is
// shown here (its sections as they are: flagged classes first, mean maps with the region outlined,
// the shares on the object, clusters with their example images), and each example opens in the
// explain view with its folder's class chosen. Both files can be downloaded.
import { byId, el, fileSafe, saveBlob } from './dom.js';
import { listFolder } from './train-live.js';

const DEFAULT_METHOD = 'grad-cam';
const SHOWN_SKIPPED = 20;

function sentenceOf(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function plural(count, word) {
  return `${count.toLocaleString('en')} ${word}${count === 1 ? '' : 's'}`;
}

// The class a folder name stands for, as the engine matches them (audit.h's class_of_folder): the
// label itself, or with each '/' written '-' (a folder name cannot hold a '/').
export function classOfFolder(folder, labels) {
  const index = labels.findIndex((label) => folder === label || folder === label.replaceAll('/', '-'));
  return index >= 0 ? index : null;
}

// A picked or dropped folder as the worker's audit request: every listed image with its class
// folder, sorted by path (the CLI's order), and the files the listing left out.
export function auditRequest(files) {
  const { listing, entries } = listFolder(files);
  const byName = new Map(entries.map(({ name, file }) => [name, file]));
  const listed = listing.classes.flatMap(({ name: folder, train, validation }) =>
    [...train, ...validation].map((name) => ({ name, folder, file: byName.get(name) })));
  listed.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    root: listing.root || 'your folder',
    folders: listing.classes.map(({ name }) => name).sort(),
    files: listed,
    skipped: listing.skipped.map(({ file, reason }) => ({ file, reason })),
  };
}

export class AuditView {
  // track(promise): the page's busy tracking; showError/showNotice(text): its messages;
  // onOpenImage({file, name, classIndex, label}): explains a File in the explain view with that
  // class chosen (null: the top one); onChange(): the address should be written again.
  constructor({ track, showError, showNotice, onOpenImage, onChange }) {
    this.track = track;
    this.showError = showError;
    this.showNotice = showNotice;
    this.onOpenImage = onOpenImage;
    this.onChange = onChange;
    this.engine = null;
    this.model = null;     // {description, title, shortLayer}: the explain view's model
    this.folder = null;    // the last folder listed: auditRequest's result
    this.result = null;    // the audit shown: {document (audit.json), json, report, files (name -> File), model, labels}
    this.job = null;       // the engine job running, to cancel
    this.wanted = { method: null, layer: null };  // from the address, until a model offers them
    this.ui = {
      root: byId('audit-view'),
      modelName: byId('audit-model'),
      pick: byId('audit-pick'),
      folderInput: byId('audit-folder-input'),
      method: byId('audit-method'),
      layer: byId('audit-layer'),
      again: byId('audit-again'),
      cancel: byId('audit-cancel'),
      progress: byId('audit-progress'),
      status: byId('audit-status'),
      downloadJson: byId('audit-download-json'),
      downloadReport: byId('audit-download-report'),
      report: byId('audit-report'),
    };
    this.#setupControls();
    this.#showEmpty();
    this.#update();
  }

  get busy() {
    return this.job !== null;
  }

  get visible() {
    return !this.ui.root.hidden;
  }

  setVisible(visible) {
    this.ui.root.hidden = !visible;
  }

  setEngine(engine) {
    this.engine = engine;
    this.#update();
  }

  // The method and layer the address asks for, chosen once a model offers them.
  setOptions({ method = null, layer = null }) {
    this.wanted = { method, layer };
    if (this.model) this.#fillMenus();
  }

  // The explain view's model: its description (kind "model"), its title, and the page's short layer names.
  setModel(description, title, shortLayer) {
    this.model = { description, title, shortLayer };
    this.ui.modelName.textContent = `with ${title}`;
    this.#fillMenus();
    this.#update();
  }

  // What the address keeps: the method and layer when they are not the defaults.
  urlState() {
    const method = this.ui.method.value;
    const layer = this.ui.layer.value;
    return {
      method: method && method !== DEFAULT_METHOD ? method : null,
      layer: layer && layer !== this.model?.description.default_layer ? layer : null,
    };
  }

  #fillMenus() {
    const { description, shortLayer } = this.model;
    const methods = description.methods.filter((method) => method.applies);
    const method = this.wanted.method || this.ui.method.value || DEFAULT_METHOD;
    this.ui.method.replaceChildren(...methods.map((m) => el('option', { value: m.name, title: m.summary },
      `${m.title}${m.slow ? ' (slow)' : ''}`)));
    this.ui.method.value = methods.some((m) => m.name === method) ? method : DEFAULT_METHOD;
    const spatial = description.layers.filter((layer) => layer.spatial);
    const layer = this.wanted.layer ?? description.default_layer;
    this.ui.layer.replaceChildren(...spatial.map((l) => el('option', { value: l.name, title: l.name },
      `${shortLayer(l.name)} · ${l.shape.join('×')}${l.name === description.default_layer ? ' (default)' : ''}`)));
    this.ui.layer.value = spatial.some((l) => l.name === layer) ? layer : description.default_layer;
    this.wanted = { method: null, layer: null };
    this.#updateLayerChoice();
  }

  // Per-pixel methods explain the input, not a layer.
  #updateLayerChoice() {
    const method = this.model?.description.methods.find((m) => m.name === this.ui.method.value);
    this.ui.layer.disabled = this.busy || Boolean(method?.per_pixel);
  }

  // ---- a folder in, an audit out ----

  // Files of a dropped folder (training.js's filesFromDrop).
  handleDrop(filesPromise) {
    return this.track(filesPromise.then((files) => this.useFolder(files),
      (error) => this.showError(`Could not read the dropped folder: ${sentenceOf(error.message)}`)));
  }

  // A folder picked or dropped: listed, checked against the model's labels, then audited.
  useFolder(files) {
    if (!this.engine || !this.model) {
      this.showError('camlens is still starting: drop the folder again once the model is in.');
      return Promise.resolve();
    }
    if (this.busy) {
      this.showError('An audit is running: cancel it first, then drop the folder again.');
      return Promise.resolve();
    }
    let request;
    try {
      request = auditRequest(files);
    } catch (error) {
      this.showError(`Could not audit that folder: ${sentenceOf(error.message)}`);
      return Promise.resolve();
    }
    if (!request.files.length) {
      this.showError(`Could not audit '${request.root}': it holds no images in class subfolders. Give a folder with one ` +
        'subfolder per class, each holding that class\'s images (PNG, JPEG, GIF or BMP).');
      return Promise.resolve();
    }
    const refusal = this.#mismatch(request);
    if (refusal) {
      this.showError(refusal);
      return Promise.resolve();
    }
    this.folder = request;
    return this.run();
  }

  // Why the folder cannot be audited with this model: no class folder is named after one of its labels.
  #mismatch(request) {
    const { labels } = this.model.description;
    if (request.folders.some((folder) => classOfFolder(folder, labels) !== null)) return null;
    const quoted = (names) => names.map((name) => `'${name}'`).join(', ');
    const shown = (names) => (names.length > 6 ? `${quoted(names.slice(0, 6))} and ${names.length - 6} more` : quoted(names));
    return `None of the folders in '${request.root}' (${shown(request.folders)}) is a class of ${this.model.title}, ` +
      `whose classes are ${shown(labels)}. Name each class folder after one of them (a / is written -), or choose the ` +
      'model the data is for in the Model menu.';
  }

  // Audits the folder listed last with the method and layer chosen.
  async run() {
    if (this.busy || !this.folder || !this.engine || !this.model) return;
    const { root, files, skipped, folders } = this.folder;
    const { description, title } = this.model;
    const method = this.ui.method.value || DEFAULT_METHOD;
    const perPixel = description.methods.find((m) => m.name === method)?.per_pixel;
    const options = { method, layer: perPixel ? '' : this.ui.layer.value, model: title, data: root };
    const unmatched = folders.filter((folder) => classOfFolder(folder, description.labels) === null);
    const started = performance.now();
    let audited = 0;
    this.#setProgress(0, `Auditing ${plural(files.length, 'image')} of ${root}…`);
    this.job = this.engine.audit({ files, skipped, options }, {
      onProgress: (fraction, stage, { done = 0, unreadable = 0 } = {}) => {
        audited = done;
        const unread = unreadable ? ` · ${unreadable} unreadable, skipped` : '';
        this.#setProgress(fraction, stage === 'summarising' ? 'Summarising the classes and drawing the report…'
          : `Audited ${done.toLocaleString('en')} of ${plural(files.length, 'image')}${unread}`);
      },
    });
    this.#update();
    try {
      const { json, report } = await this.job.promise;
      const document = JSON.parse(json);
      this.result = { document, json, report, files: new Map(files.map(({ name, file }) => [name, file])),
        labels: description.labels, model: title, root };
      this.#showReport(report);
      this.#setProgress(null, this.#summary(document, (performance.now() - started) / 1000, unmatched));
    } catch (error) {
      this.#setProgress(null, error.name === 'CancelledError'
        ? `Cancelled after ${audited.toLocaleString('en')} of ${plural(files.length, 'image')}.` +
          `${this.result ? ' The last audit stays shown.' : ''}` : '');
      if (error.name !== 'CancelledError') {
        this.showError(`Could not audit '${root}': ${sentenceOf(error.message)} The page is as it was.`);
      }
    } finally {
      this.job = null;
      this.#update();
      this.onChange();
    }
  }

  cancel() {
    this.job?.cancel();
  }

  #summary(document, seconds, unmatched) {
    const flagged = document.classes.filter((c) => c.flagged).map((c) => c.label);
    const parts = [`${plural(document.images.length, 'image')} audited in ${seconds.toFixed(1)} s`,
      flagged.length ? `flagged: ${flagged.join(', ')}` : 'no class flagged'];
    if (document.skipped.length) parts.push(`${plural(document.skipped.length, 'file')} skipped`);
    const apart = document.images.filter((image) => !image.matched).length;
    if (apart) {
      parts.push(`${plural(apart, 'image')} in ${unmatched.map((name) => `'${name}'`).join(', ')} (no class of the model) ` +
        'audited under the predicted class');
    }
    return `${parts.join(' · ')}.`;
  }

  // ---- the report ----

  #showEmpty() {
    this.ui.report.replaceChildren(el('div', { class: 'card audit-empty' },
      el('p', { class: 'muted' }, 'Drop a folder of class subfolders here, or choose one, to audit it.')));
  }

  // report.html's sections in this page: its own style gives way to the page's, and each example
  // image becomes a button that explains it. The style element goes before parsing: a parsed
  // document takes this page's CSP, which allows no inline style (and would log the refusal).
  #showReport(html) {
    const parsed = new DOMParser().parseFromString(html.replace(/<style>[^<]*<\/style>/, ''), 'text/html');
    const body = document.importNode(parsed.body, true);
    body.querySelector('h1')?.remove();
    for (const image of body.querySelectorAll('.cluster img:not(.mean)')) {
      const file = image.getAttribute('alt');
      const entry = this.result.document.images.find((item) => item.file === file);
      const button = el('button', {
        type: 'button', class: 'audit-example', dataset: { file },
        title: `${image.title}: explain it`,
        'aria-label': `Explain ${file}${entry ? ` as ${entry.label}` : ''}`,
        onclick: () => this.openImage(file),
      });
      image.replaceWith(button);
      image.removeAttribute('title');
      button.append(image);
    }
    for (const section of body.querySelectorAll('section')) section.classList.add('card');
    this.ui.report.replaceChildren(...body.childNodes);
    const { skipped } = this.result.document;
    if (skipped.length) this.ui.report.querySelector('.meta')?.after(this.#skippedList(skipped));
  }

  // The files left out and why, as the CLI's audit.json lists them.
  #skippedList(skipped) {
    return el('details', { class: 'audit-skipped small', open: skipped.length <= 5 },
      el('summary', {}, `${plural(skipped.length, 'file')} skipped`),
      el('ul', {}, ...skipped.slice(0, SHOWN_SKIPPED).map(({ file, reason }) => el('li', {}, el('code', {}, file), `: ${reason}`)),
        skipped.length > SHOWN_SKIPPED ? el('li', { class: 'muted' }, `and ${skipped.length - SHOWN_SKIPPED} more`) : null));
  }

  // An example in the explain view, with its folder's class chosen.
  openImage(fileName) {
    const { document, files, labels } = this.result ?? {};
    const file = files?.get(fileName);
    const entry = document?.images.find((image) => image.file === fileName);
    if (!file || !entry) return Promise.resolve();
    const sameModel = this.model && labels.join('\n') === this.model.description.labels.join('\n');
    if (!sameModel) {
      this.showNotice(`The model changed since this audit (it was ${this.result.model}): ${fileName} is explained with ` +
        `${this.model.title}, for its top class.`);
    }
    return this.track(this.onOpenImage({
      file, name: fileName.split('/').pop(), label: entry.label, classIndex: entry.matched && sameModel ? entry.class : null,
    }).catch((error) => this.showError(`Could not open ${fileName} in the explain view: ${sentenceOf(error.message)}`)));
  }

  // ---- the panel ----

  #setProgress(fraction, text) {
    this.ui.progress.hidden = fraction === null;
    if (fraction !== null) this.ui.progress.value = fraction;
    if (text !== undefined) this.ui.status.textContent = text;
  }

  #update() {
    const { ui } = this;
    const ready = Boolean(this.engine && this.model) && !this.busy;
    ui.pick.disabled = !ready;
    ui.method.disabled = !ready;
    ui.again.disabled = !ready || !this.folder;
    ui.cancel.disabled = !this.busy;
    ui.downloadJson.disabled = !this.result;
    ui.downloadReport.disabled = !this.result;
    this.#updateLayerChoice();
  }

  #download(kind) {
    const { json, report, root } = this.result;
    const name = `${fileSafe(root)}.${kind === 'json' ? 'audit.json' : 'report.html'}`;
    const blob = kind === 'json' ? new Blob([json], { type: 'application/json' }) : new Blob([report], { type: 'text/html' });
    saveBlob(blob, name);
  }

  #setupControls() {
    const { ui } = this;
    ui.pick.addEventListener('click', () => ui.folderInput.click());
    ui.folderInput.addEventListener('change', () => {
      const files = [...ui.folderInput.files];
      ui.folderInput.value = '';
      if (files.length) this.track(this.useFolder(files));
    });
    ui.method.addEventListener('change', () => {
      this.#updateLayerChoice();
      this.onChange();
    });
    ui.layer.addEventListener('change', () => this.onChange());
    ui.again.addEventListener('click', () => this.track(this.run()));
    ui.cancel.addEventListener('click', () => this.cancel());
    ui.downloadJson.addEventListener('click', () => this.#download('json'));
    ui.downloadReport.addEventListener('click', () => this.#download('report'));
  }
}
