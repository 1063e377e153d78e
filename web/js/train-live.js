// The Training view's Train panel: a live run in the engine's worker. The data is Fashion-MNIST
// (served by tools/serve.mjs from Debian's package) or a folder of class subfolders the user picks
// or drops: the page lists it, the engine checks and splits it and says the classes and counts
// before any image is decoded, then the worker decodes each file. Each finished epoch's frames join
// the time-lapse at once (the run in the first slot grows live, drawn by training.js); a second
// architecture can then train on the same data and probes, beside the first, epoch aligned.
// A cancelled epoch leaves the finished ones shown, openable and downloadable.
import { byId, el, fileSafe, saveBlob } from './dom.js';
import { ARCHITECTURES } from './training.js';

const FASHION_PROBE = 'datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const FASHION_MISSING = 'Fashion-MNIST is not on this server: install it with `apt-get install dataset-fashion-mnist` and ' +
  'reload the page, or train on a folder of class subfolders (choose one, or drop it here)';
const FASHION_LIMIT = 10000;
const QUICK_DEFAULT = 'vgg-quick';
const FOLDER_INPUT = [64, 64, 3];  // the CLI's default for folders: images are resized to it
const MAX_FILE_BYTES = 64 * 1024 * 1024;  // the engine's limit (train/image_folder.h): larger files are skipped unread
const IMAGE_NAME = /\.(png|jpe?g|gif|bmp)$/i;
const SHOWN_SKIPPED = 20;
const BATCH = 64;  // the CLI's default

function sentenceOf(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

function pathOf(file) {
  return file.relativePath || file.webkitRelativePath || file.name;
}

// A picked or dropped folder's files as the engine's folder listing (train/session.h) and the files
// by listed name. Class folders are the folder's subfolders (or those of its train/ and val/);
// hidden files are left out, other files and files over the engine's size limit listed as skipped.
export function listFolder(files) {
  const entries = files.map((file) => ({ file, parts: pathOf(file).split('/') }))
    .filter(({ parts }) => !parts.some((part) => part.startsWith('.')));
  const first = entries[0]?.parts[0];
  const rooted = entries.length > 0 && entries.every(({ parts }) => parts.length > 1 && parts[0] === first);
  const root = rooted ? first : '';
  const inside = entries.map(({ file, parts }) => ({ file, parts: rooted ? parts.slice(1) : parts }))
    .filter(({ parts }) => parts.length > 1);  // files beside the class folders are no class's
  const tops = new Set(inside.map(({ parts }) => parts[0]));
  if (tops.has('train') !== tops.has('val')) {
    const [present, missing] = tops.has('train') ? ['train', 'val'] : ['val', 'train'];
    throw new Error(`'${root || 'the folder'}' has a ${present}/ folder but no ${missing}/ folder; add ${missing}/ with the same ` +
      'class folders, or put the class folders directly in the folder');
  }
  const splitGiven = tops.has('train');
  const classes = new Map();
  const skipped = [];
  const named = [];
  for (const { file, parts } of inside) {
    if (splitGiven && (parts[0] !== 'train' && parts[0] !== 'val')) continue;
    if (splitGiven && parts.length < 3) continue;
    const name = splitGiven ? parts[1] : parts[0];
    const listed = parts.join('/');
    if (!classes.has(name)) classes.set(name, { name, train: [], validation: [] });
    if (!IMAGE_NAME.test(listed)) {
      skipped.push({ file: listed, reason: 'not an image', detail: 'its name does not end in .png, .jpg, .jpeg, .gif or .bmp' });
    } else if (file.size > MAX_FILE_BYTES) {
      skipped.push({ file: listed, reason: 'too large', detail: `${file.size} bytes, over the limit of ${MAX_FILE_BYTES}; downscale it or remove it` });
    } else {
      classes.get(name)[splitGiven && parts[0] === 'val' ? 'validation' : 'train'].push(listed);
      named.push({ name: listed, file });
    }
  }
  return { listing: { root, split_given: splitGiven, classes: [...classes.values()], skipped }, entries: named };
}

export class LiveTrainer {
  // view: the TrainingView; showError/showNotice: the page's messages.
  constructor({ view, showError, showNotice }) {
    this.view = view;
    this.showError = showError;
    this.showNotice = showNotice;
    this.engine = null;
    this.data = null;       // {source, name, summary, probes}: what the worker's Training holds
    this.folder = null;     // {name, files}: the folder chosen, read when training starts or at once
    this.job = null;        // the engine job running (data, start or epoch), to cancel
    this.runs = [];         // the runs trained on this data, first then second: {run, snapshots, slot}
    this.busy = false;
    this.fashionAvailable = null;
    this.ui = {
      fashion: byId('train-source-fashion'),
      folder: byId('train-source-folder'),
      pick: byId('train-folder-pick'),
      folderInput: byId('train-folder-input'),
      arch: byId('train-arch'),
      epochs: byId('train-epochs'),
      limit: byId('train-limit'),
      seed: byId('train-seed'),
      start: byId('train-start'),
      cancel: byId('train-cancel'),
      another: byId('train-another'),
      progress: byId('train-progress'),
      status: byId('train-status'),
      data: byId('train-data'),
      downloadModel: byId('train-download-model'),
      downloadTimeline: byId('train-download-timeline'),
    };
    this.ui.arch.replaceChildren(...Object.entries(ARCHITECTURES).map(([value, name]) => el('option', { value }, name)));
    this.ui.arch.value = QUICK_DEFAULT;
    view.onDataFolder = (files) => this.useFolder(files);
    this.#setupControls();
    this.#update();
    this.#checkFashion();
  }

  setEngine(engine) {
    this.engine = engine;
    this.#update();
  }

  get source() {
    return this.ui.folder.checked ? 'folder' : 'fashion-mnist';
  }

  // ---- data ----

  async #checkFashion() {
    const response = await fetch(FASHION_PROBE, { method: 'HEAD' }).catch(() => null);
    this.fashionAvailable = Boolean(response?.ok);
    if (!this.fashionAvailable) {
      this.ui.fashion.disabled = true;
      this.ui.fashion.parentElement.title = FASHION_MISSING;
      if (!this.folder) this.#showDataNote(FASHION_MISSING);
      this.#chooseSource('folder');
    }
    this.#update();
  }

  #chooseSource(source) {
    const folder = source === 'folder';
    this.ui.folder.checked = folder;
    this.ui.fashion.checked = !folder;
    this.ui.limit.value = folder ? '0' : String(FASHION_LIMIT);
    this.#update();
  }

  // A folder picked or dropped: listed, then read by the engine at once, so that its classes,
  // counts and skipped files show before training. What is shown already stays if it fails.
  useFolder(files) {
    if (this.busy) {
      this.showError('A run or a folder is being read: cancel it first, then drop the folder again.');
      return Promise.resolve();
    }
    this.#chooseSource('folder');
    let listed;
    try {
      listed = listFolder(files);
    } catch (error) {
      this.showError(`Could not use that folder: ${sentenceOf(error.message)}`);
      return Promise.resolve();
    }
    this.folder = { name: listed.listing.root || 'your folder', files };
    return this.#loadData(listed);
  }

  async #loadData(listed = null) {
    const folder = this.source === 'folder';
    if (folder && !listed) {
      if (!this.folder) throw new Error('choose a folder of class subfolders first (or drop one here)');
      listed = listFolder(this.folder.files);
    }
    if (!folder && this.fashionAvailable === false) throw new Error(FASHION_MISSING);
    this.#setBusy(true);
    this.#setProgress(0, folder ? 'Checking the folder…' : 'Fetching Fashion-MNIST…');
    try {
      const options = { input: FOLDER_INPUT, validation_fraction: 0.1, seed: this.#seed() };
      this.job = folder
        ? this.engine.trainOnFolder({ ...listed, options }, {
          onPlanned: (planned) => {
            this.#showSummary(planned, `${this.folder.name}: the classes found, before reading the images`);
            this.#setProgress(0, `Reading ${planned.files} images…`);
          },
          onProgress: (fraction) => this.#setProgress(fraction, `Reading images: ${Math.round(fraction * 100)}%`),
        })
        : this.engine.trainOnFashionMnist();
      const { summary, probes } = await this.job.promise;
      this.data = { source: this.source, name: folder ? this.folder.name : 'Fashion-MNIST', summary, probes };
      this.runs = [];
      this.#showSummary(summary, `${this.data.name}: ${summary.classes.length} classes`);
      this.#setProgress(null, '');
      return this.data;
    } catch (error) {
      this.#setProgress(null, '');
      if (error.name === 'CancelledError') {
        this.#status('Reading the folder was cancelled.');
      } else {
        this.showError(`Could not read ${folder ? `the folder ${this.folder?.name ?? ''}` : 'Fashion-MNIST'}: ` +
          `${sentenceOf(error.message)} The page is as it was.`);
      }
      this.data = null;
      throw Object.assign(error, { reported: true });
    } finally {
      this.job = null;
      this.#setBusy(false);
    }
  }

  #seed() {
    return Math.max(0, Math.floor(Number(this.ui.seed.value) || 0));
  }

  #showDataNote(text) {
    this.ui.data.replaceChildren(el('p', { class: 'muted' }, text));
  }

  // The classes with their training, validation and skipped counts, and the files skipped.
  #showSummary(summary, title) {
    const rows = summary.counts.map((count) => el('tr', {},
      el('td', {}, count.name), el('td', {}, count.train.toLocaleString('en')),
      el('td', {}, count.validation.toLocaleString('en')), el('td', {}, count.skipped ? count.skipped.toLocaleString('en') : '')));
    const table = el('table', { class: 'train-counts' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Class'), el('th', {}, 'Training'), el('th', {}, 'Validation'), el('th', {}, 'Skipped'))),
      el('tbody', {}, ...rows));
    const skipped = summary.skipped.length ? el('details', { class: 'skipped-files', open: summary.skipped.length <= 5 },
      el('summary', {}, `${summary.skipped.length} file${summary.skipped.length > 1 ? 's' : ''} skipped`),
      el('ul', { class: 'skipped-list' }, ...summary.skipped.slice(0, SHOWN_SKIPPED).map((file) =>
        el('li', {}, el('code', {}, file.file), `: ${file.reason}${file.detail ? ` (${file.detail})` : ''}`)),
      summary.skipped.length > SHOWN_SKIPPED ? el('li', { class: 'muted' }, `and ${summary.skipped.length - SHOWN_SKIPPED} more`) : null))
      : null;
    const [height, width, channels] = summary.input;
    const note = this.fashionAvailable === false ? el('p', { class: 'muted' }, FASHION_MISSING) : null;
    this.ui.data.replaceChildren(
      el('p', {}, el('strong', {}, title), ` · images ${width}×${height}${channels === 1 ? ' gray' : ' colour'}`),
      ...[table, skipped, note].filter(Boolean));
  }

  // ---- runs ----

  // Trains a new run on the data (read first when needed) in `slot` (0: first; 1: beside it).
  async train(slot = 0) {
    if (this.busy || !this.engine) return;
    try {
      const folderChanged = this.source === 'folder' && this.data?.name !== this.folder?.name;
      if (!this.data || this.data.source !== this.source || folderChanged) {
        await this.#loadData();
        slot = 0;  // new data: the runs on the old data are not comparable
      }
    } catch (error) {
      if (!error.reported) this.showError(`Could not train: ${sentenceOf(error.message)}`);
      return;
    }
    const limit = Math.max(0, Math.floor(Number(this.ui.limit.value) || 0));
    const available = this.data.summary.counts.reduce((sum, count) => sum + count.train, 0);
    const settings = {
      architecture: this.ui.arch.value,
      epochs: Math.max(1, Math.floor(Number(this.ui.epochs.value) || 1)),
      limit,
      seed: this.#seed(),
      // A small folder trains in batches of all its images rather than failing to fill one of 64.
      batch: Math.max(1, Math.min(BATCH, limit > 0 ? Math.min(limit, available) : available)),
    };
    this.#setBusy(true);
    let entry = null;
    try {
      this.#setProgress(0, 'Starting…');
      this.job = this.engine.startTraining(settings);
      const { timeline } = await this.job.promise;
      const snapshots = new Map();  // snapshot folder -> {modelJson, weightsFile, weights}
      entry = { run: this.#liveRun(timeline, snapshots), snapshots, slot };
      if (slot === 0) {
        this.runs = [entry];
        if (this.view.runs[1]) this.view.removeComparison();
      } else {
        this.runs = [this.runs[0], entry];
      }
      for (let epoch = 1; epoch <= settings.epochs; ++epoch) {
        const started = performance.now();
        this.job = this.engine.trainEpoch({
          onProgress: (fraction) => this.#setProgress(fraction, `${ARCHITECTURES[settings.architecture]}: epoch ${epoch} of ` +
            `${settings.epochs}, ${fraction < 1 ? `${Math.round(fraction * 100)}%` : 'validating and explaining the probes'}`),
        });
        const result = await this.job.promise;
        entry.run.timeline.epochs.push(result.entry);
        entry.run.openable.push(true);
        entry.snapshots.set(result.entry.snapshot, result.snapshot);
        this.lastEpochMs = performance.now() - started;
        await this.view.showRun(slot, entry.run);
        this.#update();
      }
      this.#status(`${ARCHITECTURES[settings.architecture]}: ${settings.epochs} epoch${settings.epochs > 1 ? 's' : ''} trained` +
        ` (last epoch ${(this.lastEpochMs / 1000).toFixed(1)} s).`);
    } catch (error) {
      const done = entry?.run.timeline.epochs.length ?? 0;
      // Without shared memory engine.js cancels by restarting the worker, which loses its Training.
      if (!globalThis.crossOriginIsolated) this.data = null;
      if (error.name === 'CancelledError') {
        this.#status(`Cancelled. ${done ? `The ${done} finished epoch${done > 1 ? 's stay' : ' stays'} shown and downloadable.` : 'No epoch had finished.'}`);
      } else {
        this.showError(`Training stopped: ${sentenceOf(error.message)}` +
          `${done ? ` The ${done} finished epoch${done > 1 ? 's stay' : ' stays'} shown.` : ''}`);
      }
      if (entry && !done) this.runs = this.runs.filter((run) => run !== entry);
    } finally {
      this.job = null;
      this.#setProgress(null);
      this.#setBusy(false);
    }
  }

  // A run for training.js, fed epoch by epoch: the timeline so far, the probes as the engine gave
  // them, and its snapshots as the explain view opens them.
  #liveRun(timeline, snapshots) {
    return {
      timeline: { ...timeline, epochs: [] },
      probes: this.data.probes.map((probe) => ({
        image: probe.image, true_class: probe.trueClass,
        picture: { width: probe.width, height: probe.height, data: probe.rgba },
      })),
      openable: [],
      warnings: [],
      source: {
        name: `live run on ${this.data.name}`,
        description: 'trained live in this tab',
        link: null,
        async model(snapshot) {
          const saved = snapshots.get(snapshot);
          if (!saved) throw new Error(`the live run has no snapshot ${snapshot}`);
          return { modelJson: saved.modelJson, shards: [{ name: saved.weightsFile, bytes: saved.weights }] };
        },
      },
    };
  }

  cancel() {
    this.job?.cancel();
  }

  // ---- downloads: the last finished epoch's model (as the worker keeps it) and the timeline ----

  async downloadModel() {
    try {
      const snapshot = await this.engine.trainingSnapshot();
      if (!snapshot) throw new Error('no epoch has finished yet');
      const prefix = `${fileSafe(this.#runName())}.epoch-${String(snapshot.epoch).padStart(2, '0')}`;
      const modelJson = JSON.parse(snapshot.modelJson);
      for (const group of modelJson.weightsManifest) group.paths = group.paths.map(() => `${prefix}.${snapshot.weightsFile}`);
      saveBlob(new Blob([JSON.stringify(modelJson)], { type: 'application/json' }), `${prefix}.model.json`);
      saveBlob(new Blob([snapshot.weights], { type: 'application/octet-stream' }), `${prefix}.${snapshot.weightsFile}`);
    } catch (error) {
      this.showError(`Could not download the model: ${sentenceOf(error.message)}`);
    }
  }

  async downloadTimeline() {
    try {
      const text = await this.engine.trainingTimeline();
      saveBlob(new Blob([text], { type: 'application/json' }), `${fileSafe(this.#runName())}.timeline.json`);
    } catch (error) {
      this.showError(`Could not download the timeline: ${sentenceOf(error.message)}`);
    }
  }

  #runName() {
    const run = this.runs.at(-1)?.run.timeline.run;
    return `${run?.architecture ?? 'run'}.${this.data?.source === 'folder' ? this.data.name : 'fashion-mnist'}`;
  }

  // ---- the panel ----

  #setBusy(busy) {
    this.busy = busy;
    this.#update();
  }

  #status(text) {
    this.ui.status.textContent = text;
  }

  // fraction null hides the bar.
  #setProgress(fraction, text) {
    this.ui.progress.hidden = fraction === null;
    if (fraction !== null) this.ui.progress.value = fraction;
    if (text !== undefined) this.#status(text);
  }

  #update() {
    const { ui } = this;
    const ready = Boolean(this.engine) && !this.busy;
    for (const control of [ui.folder, ui.pick, ui.arch, ui.epochs, ui.limit, ui.seed]) control.disabled = !ready;
    ui.fashion.disabled = !ready || this.fashionAvailable === false;
    ui.start.disabled = !ready || (this.source === 'folder' && !this.folder);
    ui.cancel.disabled = !this.busy;
    const trained = this.runs.some((entry) => entry.run.timeline.epochs.length > 0);
    ui.another.hidden = !trained;
    ui.another.disabled = !ready || !trained;
    ui.downloadModel.disabled = !trained || this.busy;
    ui.downloadTimeline.disabled = !trained || this.busy;
    // The worker holds the newest run: the downloads name it.
    const newest = this.runs.at(-1)?.run.timeline;
    const named = newest?.epochs.length ? ` (${ARCHITECTURES[newest.run.architecture]}, epoch ${newest.epochs.length})` : '';
    ui.downloadModel.textContent = `Download the model${named}`;
    ui.downloadTimeline.textContent = `Download timeline.json${newest?.epochs.length ? ` (${ARCHITECTURES[newest.run.architecture]})` : ''}`;
  }

  #setupControls() {
    const { ui } = this;
    ui.fashion.addEventListener('change', () => this.#chooseSource('fashion-mnist'));
    ui.folder.addEventListener('change', () => this.#chooseSource('folder'));
    ui.pick.addEventListener('click', () => ui.folderInput.click());
    ui.folderInput.addEventListener('change', () => {
      const files = [...ui.folderInput.files];
      ui.folderInput.value = '';
      if (files.length) this.useFolder(files);
    });
    ui.start.addEventListener('click', () => this.train(0));
    ui.another.addEventListener('click', () => {
      const first = this.runs[0]?.run.timeline.run.architecture;
      if (ui.arch.value === first) {
        const other = Object.keys(ARCHITECTURES).find((name) => name !== first && name.endsWith('-quick') === first.endsWith('-quick'));
        ui.arch.value = other;
      }
      this.train(1);
    });
    ui.cancel.addEventListener('click', () => this.cancel());
    ui.downloadModel.addEventListener('click', () => this.downloadModel());
    ui.downloadTimeline.addEventListener('click', () => this.downloadTimeline());
  }
}
