// The Training view: a training run's time-lapse. For the epoch shown, every probe image with its
// class activation map over it and its top-3 classes beneath, like frames of a film strip; the loss
// and accuracy curves with that epoch marked; play, pause, step and scrub. A second run can be shown
// beside the first, epoch aligned (the shorter one holds its last frame). A frame opens that epoch's
// snapshot in the explain view; a probe's frames can be saved as an animated GIF.
//
// The maps come from the timeline at their layer's resolution and are drawn by the engine
// (engine.renderMaps), with the colormap code the explain view's maps are drawn with.
import { el, byId, drawRgba, fileSafe, formatPercent, saveBlob } from './dom.js';
import { CHARTS, chartRange, drawChart } from './curves.js';
import { encodeTimelapse } from './gif.js';
import { DEFAULT_TIMELINE, SHIPPED_RUNS, filesSource, loadRun, urlSource } from './timeline.js';

const PLAY_MS = 800;       // one epoch on screen while playing
const DRAWN_SIDE = 256;    // the longest side a frame's map is drawn at (a 28x28 probe stays 28x28)
const SLOTS = ['first', 'second'];

function sentenceOf(text) {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

// Every file under a dropped folder, each with its path inside the drop (`relativePath`). Entries
// must be taken while the drop event runs; their files are read after.
export function filesFromDrop(dataTransfer) {
  const entries = [...(dataTransfer.items ?? [])].map((item) => item.webkitGetAsEntry?.()).filter(Boolean);
  if (!entries.length) return Promise.resolve([...dataTransfer.files]);
  const walk = async (entry) => {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      file.relativePath = entry.fullPath.replace(/^\//, '');
      return [file];
    }
    const reader = entry.createReader();
    const children = [];
    for (;;) {
      const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!batch.length) break;
      children.push(...batch);
    }
    return (await Promise.all(children.map(walk))).flat();
  };
  return Promise.all(entries.map(walk)).then((lists) => lists.flat());
}

// The architectures `camlens train` builds, by the names its timeline gives them.
export const ARCHITECTURES = {
  vgg: 'VGG-style CNN',
  'vgg-quick': 'VGG-style CNN (quick)',
  xception: 'Mini-Xception',
  'xception-quick': 'Mini-Xception (quick)',
};

function architectureName(run) {
  const { architecture } = run.timeline.run ?? {};
  return ARCHITECTURES[architecture] ?? (typeof architecture === 'string' && architecture ? architecture : 'unnamed architecture');
}

function runTitle(run) {
  const { data } = run.timeline.run ?? {};
  const dataName = data === 'fashion-mnist' ? 'Fashion-MNIST' : data;
  return `${architectureName(run)}${typeof dataName === 'string' && dataName ? ` on ${dataName}` : ''}`;
}

function runDetails(run) {
  const settings = run.timeline.run ?? {};
  const parts = [`${run.timeline.epochs.length} epoch${run.timeline.epochs.length > 1 ? 's' : ''}`];
  if (settings.optimizer) parts.push(`${settings.optimizer}${Number.isFinite(settings.learning_rate) ? ` lr ${settings.learning_rate}` : ''}`);
  if (Number.isFinite(settings.batch)) parts.push(`batch ${settings.batch}`);
  if (Number.isFinite(settings.train_images)) parts.push(`${settings.train_images.toLocaleString('en')} training images`);
  if (settings.method) parts.push(`${settings.method}${settings.layer ? ` at ${settings.layer}` : ''}`);
  return parts.join(' · ');
}

export class TrainingView {
  // track(promise): the page's busy tracking; showError/showNotice(text): its messages;
  // onOpenSnapshot({input, name, image}): opens a model and an image in the explain view;
  // onChange(): the address should be written again.
  constructor({ track, showError, showNotice, onOpenSnapshot, onChange }) {
    this.track = track;
    this.showError = showError;
    this.showNotice = showNotice;
    this.onOpenSnapshot = onOpenSnapshot;
    this.onChange = onChange;
    this.engine = null;
    this.onDataFolder = null;  // (files) => ..., set by the Train panel
    this.runs = [null, null];  // shown: {run (timeline.js's loadRun), pictures[epoch][probe], column}
    this.loading = [0, 0];     // the newest load of each slot; an older one that ends later is dropped
    this.epoch = 1;
    this.look = { colormap: 'jet', alpha: 0.4, smooth: true };
    this.lookGeneration = 0;
    this.timer = null;
    this.autoplay = true;
    this.ui = {
      root: byId('training-view'),
      runs: byId('training-runs'),
      summary: byId('training-summary'),
      back: byId('epoch-back'),
      play: byId('epoch-play'),
      forward: byId('epoch-forward'),
      range: byId('epoch-range'),
      value: byId('epoch-value'),
      colormap: byId('training-colormap'),
      opacity: byId('training-opacity'),
      opacityValue: byId('training-opacity-value'),
      smooth: byId('training-smooth'),
      open: byId('training-open'),
      compare: byId('training-compare'),
      shipped: byId('training-shipped'),
      folderInput: byId('training-folder-input'),
    };
    // The explain view's colormaps, in its order and names.
    this.ui.colormap.replaceChildren(...[...byId('colormap-select').options].map((option) => option.cloneNode(true)));
    this.ui.shipped.replaceChildren(
      ...SHIPPED_RUNS.map(({ id, name }) => el('option', { value: id }, name)),
      el('option', { value: '', disabled: true, hidden: true }, 'A run of your own'),
    );
    this.#setupControls();
    this.#showEmpty('Loading the engine…');
    this.#updatePlayback();
  }

  get visible() {
    return !this.ui.root.hidden;
  }

  setEngine(engine) {
    this.engine = engine;
  }

  // The look from the address (or the explain view's), before the first run is drawn.
  setLook({ colormap, alpha, smooth }) {
    this.look = { colormap: colormap ?? this.look.colormap, alpha: alpha ?? this.look.alpha, smooth: smooth ?? this.look.smooth };
    this.ui.colormap.value = this.look.colormap;
    this.ui.opacity.value = String(Math.round(this.look.alpha * 100));
    this.ui.opacityValue.textContent = `${this.ui.opacity.value}%`;
    this.ui.smooth.checked = this.look.smooth;
  }

  // What the address keeps: runs from this server by their timeline (the default one left out).
  urlState() {
    const link = (slot) => this.runs[slot]?.run.source.link ?? null;
    const first = link(0);
    const epoch = this.runs.some(Boolean) ? this.epoch : null;
    return { timeline: first === DEFAULT_TIMELINE ? null : first, compare: link(1), epoch, ...this.look };
  }

  // Shown or hidden with the explain view's tab; a hidden time-lapse does not play on.
  setVisible(visible) {
    this.ui.root.hidden = !visible;
    if (!visible) this.pause();
  }

  // ---- runs ----

  // Opens the run of `timeline` (a URL relative to the page) in `slot` (0: first, 1: compared).
  // epoch: the epoch to show (the address's); none plays the time-lapse from the start.
  openUrl(timeline = DEFAULT_TIMELINE, { slot = 0, epoch = null } = {}) {
    return this.track(this.#open(() => urlSource(timeline), slot, `the run ${timeline}`, epoch));
  }

  // Opens a run folder the user picked or dropped (its files) in `slot`; a run to compare with
  // none open becomes the first.
  openFiles(files, slot) {
    const into = this.runs[0] ? slot : 0;
    return this.track(this.#open(() => filesSource(files), into, 'that run folder', null));
  }

  // A run trained in this page (train-live.js), shown in `slot` and shown again each time it grows
  // by an epoch, at its newest epoch; a run still loading into that slot is dropped.
  async showRun(slot, run) {
    const ticket = ++this.loading[slot];
    const pictures = await this.#render(run);
    if (ticket !== this.loading[slot]) return;
    this.pause();
    this.autoplay = false;
    this.runs[slot] = { run, pictures, column: null };
    this.#layout();
    this.setEpoch(run.timeline.epochs.length);
  }

  removeComparison() {
    ++this.loading[1];
    this.runs[1] = null;
    this.#layout();
    this.onChange();
  }

  // Opens one of SHIPPED_RUNS (by id): its first run, and its second beside it or none.
  openShipped(id) {
    const shipped = SHIPPED_RUNS.find((entry) => entry.id === id);
    if (!shipped) return;
    const [first, second] = shipped.timelines;
    if (this.runs[0]?.run.source.link !== first) this.openUrl(first);
    if (!second) this.removeComparison();
    else if (this.runs[1]?.run.source.link !== second) this.openUrl(second, { slot: 1 });
  }

  // The shipped runs' entry that is shown, or '' for a run of the user's own.
  #shownShipped() {
    const links = this.runs.map((entry) => entry?.run.source.link ?? null);
    const shown = SHIPPED_RUNS.find(({ timelines }) => links[0] === timelines[0] && links[1] === (timelines[1] ?? null));
    return shown?.id ?? '';
  }

  async #open(makeSource, slot, what, epoch) {
    const ticket = ++this.loading[slot];
    try {
      const run = await loadRun(makeSource());
      let pictures, look;
      do {  // a look chosen while the maps were drawn is drawn again
        look = this.lookGeneration;
        pictures = await this.#render(run);
      } while (look !== this.lookGeneration);
      if (ticket !== this.loading[slot]) return;
      this.runs[slot] = { run, pictures, column: null };
      for (const warning of run.warnings) this.showNotice(sentenceOf(warning[0].toUpperCase() + warning.slice(1)));
      this.#layout();
      const first = slot === 0 && this.autoplay;
      this.autoplay = false;
      if (epoch !== null) this.setEpoch(epoch);
      else if (first) this.#playFromStart();
      else this.setEpoch(this.epoch);
    } catch (error) {
      if (ticket !== this.loading[slot]) return;
      const kept = this.runs.filter(Boolean).map(({ run }) => runTitle(run));
      const still = kept.length ? ` The Training view still shows ${kept.join(' and ')}.` : '';
      this.showError(`Could not open ${what}: ${sentenceOf(error.message)}${still}`);
      if (!this.runs[0] && !this.runs[1]) this.#showEmpty('No run is open. Open a run folder that camlens train wrote.');
    }
  }

  // Every frame's pictures of `run` in the current look: [epoch][probe] -> {heatmap, overlay}.
  async #render(run) {
    if (!this.engine) throw new Error('the engine is not ready yet: try again in a moment');
    const maps = run.timeline.epochs.flatMap((epoch) => epoch.probes.map(({ map }, probe) => ({
      raw: map.raw, width: map.width, height: map.height, image: probe,
    })));
    const images = run.probes.map(({ picture }) => ({ width: picture.width, height: picture.height, data: picture.data }));
    const look = { ...this.look, max_side: DRAWN_SIDE };
    const drawn = await this.engine.renderMaps(maps, images, look).promise;
    const count = run.probes.length;
    return run.timeline.epochs.map((_, e) => drawn.slice(e * count, (e + 1) * count));
  }

  async #recolor() {
    const generation = ++this.lookGeneration;
    const shown = [...this.runs];
    try {
      const pictures = await Promise.all(shown.map((entry) => entry && this.#render(entry.run)));
      if (generation !== this.lookGeneration) return;
      shown.forEach((entry, slot) => {
        if (entry && this.runs[slot] === entry) entry.pictures = pictures[slot];
      });
      this.setEpoch(this.epoch);
    } catch (error) {
      if (error.name !== 'CancelledError') this.showError(`Could not draw the maps again: ${sentenceOf(error.message)}`);
    }
    this.onChange();
  }

  // ---- layout ----

  #showEmpty(text) {
    this.ui.runs.classList.remove('comparing');
    this.ui.runs.replaceChildren(el('div', { class: 'card training-empty' }, el('p', { class: 'muted' }, text)));
    this.ui.summary.textContent = '';
  }

  #layout() {
    const shown = this.runs.filter(Boolean);
    if (!shown.length) {
      this.#showEmpty('No run is open. Open a run folder that camlens train wrote.');
      this.#updatePlayback();
      return;
    }
    for (const [slot, entry] of this.runs.entries()) if (entry) entry.column = this.#buildColumn(slot, entry);
    this.ui.runs.classList.toggle('comparing', shown.length > 1);
    this.ui.runs.replaceChildren(...shown.map((entry) => entry.column.element));
    this.ui.summary.textContent = shown.map(({ run }) => runTitle(run)).join(' beside ');
    this.#buildCharts();
    this.ui.range.max = String(this.lastEpoch);
    this.ui.compare.textContent = this.runs[1] ? 'Compare with another run…' : 'Compare with a run…';
    this.ui.shipped.value = this.#shownShipped();
    this.#updatePlayback();
  }

  get lastEpoch() {
    return Math.max(1, ...this.runs.filter(Boolean).map(({ run }) => run.timeline.epochs.length));
  }

  // The curves of every shown run on shared scales, so that runs side by side compare at a glance.
  #buildCharts() {
    const shown = this.runs.filter(Boolean);
    const epochsOf = (entry) => entry.run.timeline.epochs.map((epoch, e) => ({ ...epoch, epoch: e + 1 }));
    for (const entry of shown) {
      entry.column.charts = CHARTS.map((chart) => {
        const range = chartRange(chart, shown.map(epochsOf));
        return range && drawChart(chart, epochsOf(entry), { lastEpoch: this.lastEpoch, range });
      }).filter(Boolean);
      entry.column.curves.replaceChildren(...entry.column.charts.map((chart) => chart.element),
        el('p', { class: 'chart-legend small muted' },
          el('span', { class: 'legend-swatch series-0' }), 'train ', el('span', { class: 'legend-swatch series-1' }), 'validation'));
    }
  }

  #buildColumn(slot, entry) {
    const { run } = entry;
    const labels = run.timeline.run.labels;
    const frames = run.probes.map((probe, p) => {
      const canvas = el('canvas', { class: 'frame-canvas' });
      const open = el('button', { type: 'button', class: 'frame-open', onclick: () => this.#openFrame(slot, p) }, canvas);
      const bars = el('ol', { class: 'frame-bars' });
      const truth = labels[probe.true_class];
      const element = el('li', { class: 'frame', dataset: { probe: String(p) } },
        open,
        el('div', { class: 'frame-caption' },
          el('span', { class: 'frame-truth', title: `${truth}: the class this image is` }, truth),
          el('button', {
            type: 'button', class: 'button button-small frame-gif', title: 'Save this probe\'s time-lapse as an animated GIF',
            'aria-label': `Save the ${truth} probe's time-lapse as an animated GIF`, onclick: () => this.exportGif(slot, p),
          }, 'GIF')),
        bars);
      return { element, canvas, open, bars };
    });
    const status = el('p', { class: 'run-epoch small' });
    const curves = el('div', { class: 'curves' });
    const remove = slot === 1 ? el('button', {
      type: 'button', class: 'icon-button', 'aria-label': 'Remove the compared run', title: 'Remove this run',
      onclick: () => this.removeComparison(),
    }, '×') : null;
    const element = el('section', { class: 'card training-run', dataset: { slot: SLOTS[slot] }, 'aria-label': `Run: ${runTitle(run)}` },
      el('div', { class: 'run-overview' },
        el('div', { class: 'run-head' },
          el('div', { class: 'run-heading' }, el('h2', { class: 'run-title' }, runTitle(run)), remove),
          el('p', { class: 'small muted run-details' }, runDetails(run)),
          el('p', { class: 'small muted run-source', title: run.source.name }, run.source.link ?? run.source.description ?? `your folder ${run.source.name}`),
          status),
        curves),
      el('ol', { class: 'film', 'aria-label': `Probe images at this epoch, ${runTitle(run)}` }, ...frames.map((frame) => frame.element)));
    return { element, frames, status, curves, charts: [] };
  }

  // ---- the epoch shown ----

  setEpoch(position) {
    this.epoch = Math.min(this.lastEpoch, Math.max(1, Math.round(position) || 1));
    this.ui.range.value = String(this.epoch);
    this.ui.value.textContent = `${this.epoch} / ${this.lastEpoch}`;
    for (const entry of this.runs) if (entry?.column) this.#drawColumn(entry);
    this.#updatePlayback();
    this.onChange();
  }

  #drawColumn({ run, pictures, column }) {
    const epochs = run.timeline.epochs;
    const e = Math.min(this.epoch, epochs.length) - 1;
    const epoch = epochs[e];
    const held = this.epoch > epochs.length;
    const labels = run.timeline.run.labels;
    const accuracy = Number.isFinite(epoch.val_accuracy) ? ` · validation accuracy ${formatPercent(epoch.val_accuracy)}` : '';
    column.status.textContent = `Epoch ${epoch.epoch} of ${epochs.length}${held ? ' (its last, held)' : ''}${accuracy}`;
    column.element.classList.toggle('held', held);
    for (const chart of column.charts) chart.mark(e + 1);
    column.frames.forEach((frame, p) => {
      const probe = run.probes[p];
      const shown = epoch.probes[p];
      const picture = pictures[e][p];
      drawRgba(frame.canvas, probe.picture.missing ? picture.heatmap : picture.overlay);
      frame.canvas.classList.toggle('pixelated', picture.overlay.width < 128);
      const truth = labels[probe.true_class];
      const label = (entry) => entry.label ?? labels[entry.class];
      const wrong = shown.top[0].class !== probe.true_class;
      frame.element.classList.toggle('wrong', wrong);
      frame.open.disabled = !run.openable[e];
      frame.open.title = run.openable[e] ? `Explain this image with epoch ${epoch.epoch}'s model` : 'This epoch has no snapshot in the run folder';
      frame.open.setAttribute('aria-label', `${truth} at epoch ${epoch.epoch}: predicted ${label(shown.top[0])} ` +
        `${formatPercent(shown.top[0].probability)}${wrong ? ' (wrong)' : ''}. Open in the explain view`);
      const rows = shown.top.slice(0, 3).map((entry, rank) => {
        const isTrue = entry.class === probe.true_class;
        const fill = el('span', { class: 'prediction-fill' });
        fill.style.width = `${Math.max(0.5, entry.probability * 100).toFixed(2)}%`;
        return el('li', { class: `frame-bar${isTrue ? ' true' : ''}${rank === 0 && wrong ? ' wrong' : ''}`, dataset: { class: String(entry.class) } },
          el('span', { class: 'frame-bar-label', title: isTrue ? `${label(entry)}: the true class` : label(entry) },
            isTrue ? el('span', { class: 'true-mark', 'aria-label': 'true class' }, '✓') : null, label(entry)),
          el('span', { class: 'frame-bar-value' }, formatPercent(entry.probability)),
          el('span', { class: 'prediction-bar', 'aria-hidden': 'true' }, fill));
      });
      if (!shown.top.slice(0, 3).some((entry) => entry.class === probe.true_class)) {
        rows.push(el('li', { class: 'frame-bar-missing small' }, `✓ ${truth} is not in the top 3`));
      }
      frame.bars.replaceChildren(...rows);
    });
  }

  // ---- playback ----

  get playing() {
    return this.timer !== null;
  }

  play() {
    if (this.playing || !this.runs.some(Boolean)) return;
    if (this.epoch >= this.lastEpoch) this.setEpoch(1);
    this.timer = setInterval(() => {
      if (this.epoch >= this.lastEpoch) this.pause();
      else this.setEpoch(this.epoch + 1);
    }, PLAY_MS);
    this.#updatePlayback();
  }

  #playFromStart() {
    this.setEpoch(1);
    if (this.visible && !matchMedia('(prefers-reduced-motion: reduce)').matches) this.play();
  }

  pause() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.#updatePlayback();
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  step(delta) {
    this.pause();
    this.setEpoch(this.epoch + delta);
  }

  #updatePlayback() {
    const any = this.runs.some(Boolean);
    this.ui.play.textContent = this.playing ? 'Pause' : 'Play';
    this.ui.play.setAttribute('aria-label', this.playing ? 'Pause the time-lapse' : 'Play the time-lapse');
    this.ui.play.disabled = !any;
    this.ui.back.disabled = !any || this.epoch <= 1;
    this.ui.forward.disabled = !any || this.epoch >= this.lastEpoch;
    this.ui.range.disabled = !any;
    if (!any) this.ui.value.textContent = '–';
  }

  #setupControls() {
    const { ui } = this;
    ui.play.addEventListener('click', () => this.toggle());
    ui.back.addEventListener('click', () => this.step(-1));
    ui.forward.addEventListener('click', () => this.step(1));
    ui.range.addEventListener('input', () => {
      this.pause();
      this.setEpoch(Number(ui.range.value));
    });
    ui.colormap.addEventListener('change', () => {
      this.look.colormap = ui.colormap.value;
      this.track(this.#recolor());
    });
    ui.opacity.addEventListener('input', () => {
      this.look.alpha = Number(ui.opacity.value) / 100;
      ui.opacityValue.textContent = `${ui.opacity.value}%`;
      this.track(this.#recolor());
    });
    ui.smooth.addEventListener('change', () => {
      this.look.smooth = ui.smooth.checked;
      this.track(this.#recolor());
    });
    let folderSlot = 0;
    const pick = (slot) => {
      folderSlot = slot;
      ui.folderInput.click();
    };
    ui.open.addEventListener('click', () => pick(0));
    ui.compare.addEventListener('click', () => pick(1));
    ui.shipped.addEventListener('change', () => this.openShipped(ui.shipped.value));
    ui.folderInput.addEventListener('change', () => {
      const files = [...ui.folderInput.files];
      ui.folderInput.value = '';
      if (files.length) this.openFiles(files, folderSlot);
    });
    // Space plays or pauses and the arrows step while focus is anywhere in the view (or nowhere, on
    // the page's body), except on a control that has its own use for the key.
    document.addEventListener('keydown', (event) => {
      if (!this.visible || event.altKey || event.ctrlKey || event.metaKey) return;
      if (event.target !== document.body && !ui.root.contains(event.target)) return;
      const tag = event.target.tagName;
      if (/^(INPUT|SELECT|TEXTAREA)$/.test(tag)) return;
      if (event.key === ' ' && !/^(BUTTON|SUMMARY|A)$/.test(tag)) {
        event.preventDefault();
        this.toggle();
      } else if (event.key === 'ArrowLeft' || event.key === 'ArrowRight') {
        event.preventDefault();
        this.step(event.key === 'ArrowLeft' ? -1 : 1);
      } else if (event.key === 'Home' || event.key === 'End') {
        event.preventDefault();
        this.pause();
        this.setEpoch(event.key === 'Home' ? 1 : this.lastEpoch);
      }
    });
  }

  // A folder (or a run's files) dropped on the view: beside the first run, or as the first.
  // A folder without a timeline.json is data to train on: it goes to onDataFolder (train-live.js).
  handleDrop(filesPromise) {
    return this.track(filesPromise.then((files) => {
      const isRun = files.some((file) => (file.relativePath || file.webkitRelativePath || file.name).split('/').pop() === 'timeline.json');
      if (files.length && !isRun && this.onDataFolder) return this.onDataFolder(files);
      if (files.length) return this.openFiles(files, 1);
      return undefined;
    }, (error) => this.showError(`Could not read the dropped folder: ${sentenceOf(error.message)}`)));
  }

  // ---- frames out: the explain view, a GIF ----

  async #openFrame(slot, p) {
    const entry = this.runs[slot];
    if (!entry) return;
    const { run } = entry;
    const e = Math.min(this.epoch, run.timeline.epochs.length) - 1;
    const epoch = run.timeline.epochs[e];
    const probe = run.probes[p];
    this.pause();
    await this.track((async () => {
      try {
        const input = await run.source.model(epoch.snapshot);
        await this.onOpenSnapshot({
          input,
          name: `${architectureName(run)} epoch ${epoch.epoch}`,
          image: { ...probe.picture, name: probe.image.split('/').pop() },
        });
      } catch (error) {
        this.showError(`Could not open epoch ${epoch.epoch}'s snapshot (${epoch.snapshot}) in the explain view: ` +
          `${sentenceOf(error.message)} The Training view is as it was.`);
      }
    })());
  }

  exportGif(slot, p) {
    const entry = this.runs[slot];
    if (!entry) return Promise.resolve();
    const { run, pictures } = entry;
    const labels = run.timeline.run.labels;
    const probe = run.probes[p];
    const truth = labels[probe.true_class];
    const architecture = run.timeline.run.architecture ?? 'run';
    const epochs = run.timeline.epochs;
    const frames = epochs.map((epoch, e) => ({
      overlay: probe.picture.missing ? pictures[e][p].heatmap : pictures[e][p].overlay,
      top: epoch.probes[p].top.map((item) => ({ ...item, label: item.label ?? labels[item.class] })),
      trueClass: probe.true_class,
      caption: `${architectureName(run)} · epoch ${epoch.epoch}/${epochs.length} · ${truth}`,
      smooth: this.look.smooth,
    }));
    return this.track(encodeTimelapse(frames).then((bytes) => {
      saveBlob(new Blob([bytes], { type: 'image/gif' }), `${fileSafe(architecture)}.${fileSafe(truth)}.timelapse.gif`);
    }, (error) => this.showError(`Could not make the GIF: ${sentenceOf(error.message)}`)));
  }
}
