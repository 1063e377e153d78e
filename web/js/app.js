// The page: wires the controls to the engine (engine.js, the only module that talks to the worker)
// and draws what it returns. UI state lives here; pixels and maps come from the engine.
import { createEngine } from './engine.js';
import { el, byId, canvasToPngBlob, saveBlob, fileSafe, formatMs, formatPercent, isEditable } from './dom.js';
import { MAX_SIDE, SIZE_LIMITS, decodeImage, isImageFile, isModelFile } from './images.js';
import { CropBox, centerSquare, clampBox, wholeImage } from './crop-box.js';
import { MethodPanel, thumbnail } from './panels.js';
import { BUILTIN_MODELS, fetchBuiltinModel, readModelFiles } from './models.js';
import { clearErrors, sentence, showError, showNotice } from './messages.js';
import { readUrlState, writeUrlState } from './url-state.js';
import { DISTANCE_NOTE, distanceLabel, distanceText, distancesToOutput } from './layers.js';
import { assumedDefaultsNotice } from './model-notes.js';

const DEFAULT_METHODS = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
const STRIP_METHOD = 'grad-cam';
const SHOWN_CLASSES = 5;  // the prediction list's length until the user asks for every class

const state = {
  modelId: null,         // 'emotion', 'fashion-mnist' or 'custom'
  customModelName: null,
  description: null,     // engine.loadModel's answer
  image: null,           // {width, height, data, name}
  imageSource: null,     // the gallery the image came from, or 'user'
  sample: null,          // the gallery entry, when the image is one
  crop: null,
  classIndex: null,      // null: the top class
  layer: null,           // null: the model's default layer
  colormap: 'jet',
  alpha: 0.4,
  smooth: true,
  prediction: null,
};

let engine = null;
let samples = { photos: [], 'fashion-mnist': [] };
let panels = [];
let topkThumbs = [];
let sweepThumbs = [];
let generation = 0;  // bumped by every new explanation run; older runs drop their results
let restoring = null;  // what the address asked for, until the first model and image have taken it
let showAllClasses = false;
let layerDistances = new Map();

const ui = {
  modelSelect: byId('model-select'),
  modelFilesButton: byId('model-files-button'),
  modelFilesInput: byId('model-files-input'),
  imageName: byId('image-name'),
  viewer: byId('viewer'),
  viewerEmpty: byId('viewer-empty'),
  imageFileButton: byId('image-file-button'),
  imageFileInput: byId('image-file-input'),
  cropReset: byId('crop-reset'),
  cropFull: byId('crop-full'),
  cropReadout: byId('crop-readout'),
  gallery: byId('gallery'),
  predictions: byId('predictions'),
  forwardTime: byId('forward-time'),
  explainedClass: byId('explained-class'),
  explainedNote: byId('explained-note'),
  layerSelect: byId('layer-select'),
  colormapSelect: byId('colormap-select'),
  opacity: byId('opacity'),
  opacityValue: byId('opacity-value'),
  smooth: byId('smooth'),
  methodAdd: byId('method-add'),
  methodAddButton: byId('method-add-button'),
  moreClasses: byId('more-classes'),
  layerNote: byId('layer-note'),
  modelNote: byId('model-note'),
  viewerProgress: byId('viewer-progress'),
  viewerProgressText: byId('viewer-progress-text'),
  downloadGrid: byId('download-grid'),
  panels: byId('panels'),
  topk: byId('topk'),
  topkNote: byId('topk-note'),
  sweep: byId('sweep'),
  dropTarget: byId('drop-target'),
};

const cropBox = new CropBox({
  viewer: ui.viewer,
  canvas: byId('image-canvas'),
  box: byId('crop-box'),
  onChange: (box) => setCrop(box),
});

// ---- busy tracking: tests and the status wait for every started task to settle ----

let busyCount = 0;
let idleWaiters = [];
function track(promise) {
  ++busyCount;
  document.body.dataset.busy = 'true';
  return promise.finally(() => {
    if (--busyCount > 0) return;
    saveUrlState();
    document.body.dataset.busy = 'false';
    const waiters = idleWaiters;
    idleWaiters = [];
    waiters.forEach((resolve) => resolve());
  });
}
function whenIdle() {
  return busyCount === 0 ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
}

// ---- the address: the view, kept for a link or a bookmark ----

function saveUrlState() {
  if (!state.description || !state.crop || restoring) return;
  writeUrlState({
    model: state.modelId === 'custom' ? null : state.modelId,
    sample: state.imageSource === 'user' ? null : state.sample?.file,
    crop: state.crop,
    classIndex: state.classIndex,
    layer: state.layer,
    methods: panels.map((panel) => panel.method.name),
    colormap: state.colormap,
    alpha: state.alpha,
  });
}

// ---- model ----

function modelTitle() {
  return state.modelId === 'custom' ? state.customModelName : BUILTIN_MODELS[state.modelId].title;
}

function galleryFor(modelId) {
  if (modelId !== 'custom') return [BUILTIN_MODELS[modelId].gallery];
  return ['photos', 'fashion-mnist'];
}

// Short layer names: TensorFlow.js graph nodes carry a scope every node shares
// ("StatefulPartitionedCall/model_1/") and an op ("/BiasAdd"); the part between is the Keras
// layer's name. Nodes that share a layer keep their full rest. Full names stay in titles.
let shortNames = new Map();
function buildShortNames(names) {
  let scope = names.length > 1 ? names[0].slice(0, names[0].lastIndexOf('/') + 1) : '';
  while (scope && !names.every((name) => name.startsWith(scope))) scope = scope.slice(0, scope.slice(0, -1).lastIndexOf('/') + 1);
  const rests = names.map((name) => name.slice(scope.length));
  const firsts = rests.map((rest) => rest.split('/')[0]);
  shortNames = new Map(names.map((name, i) => [name, firsts.filter((first) => first === firsts[i]).length > 1 ? rests[i] : firsts[i]]));
}
// The engine's messages name layers in full; the page shows them as the layer menu does.
function withShortLayerNames(message) {
  let text = message;
  for (const [name, short] of [...shortNames].sort((a, b) => b[0].length - a[0].length)) text = text.split(name).join(short);
  return text;
}
function shortLayer(name) {
  return shortNames.get(name) ?? name;
}
function layerInfo(name) {
  return state.description.layers.find((layer) => layer.name === name);
}
function currentLayer() {
  return state.layer ?? state.description.defaultLayer;
}

// Loads `input` into the engine; on failure the previous model stays and the error is shown. The
// user's panels stay when the new model has their methods; the notice names those that could not.
async function useModel(input, { id, name }) {
  const description = await engine.loadModel(input);
  const previous = state.description ? panels.map((panel) => ({ name: panel.method.name, params: panel.params })) : null;
  state.description = description;
  state.modelId = id;
  if (id === 'custom') state.customModelName = name;
  state.layer = null;
  state.classIndex = null;
  buildShortNames(description.layers.map((layer) => layer.name));
  layerDistances = distancesToOutput(description.layers);
  if (restoring?.layer && description.layers.some((layer) => layer.spatial && layer.name === restoring.layer)) {
    state.layer = restoring.layer === description.defaultLayer ? null : restoring.layer;
  }
  updateModelSelect();
  buildLayerSelect();
  if (previous) {
    const dropped = previous.filter((panel) => !methodInfo(panel.name)?.applies);
    const kept = previous.filter((panel) => !dropped.includes(panel));
    buildPanels(kept.map((panel) => panel.name));
    panels.forEach((panel, i) => { panel.params = kept[i].params; });
    if (dropped.length) {
      showNotice(`Your panels stay, except ${dropped.map((panel) => droppedReason(panel.name)).join('; ')}.`);
    }
  } else {
    buildPanels(restoring?.methods ?? DEFAULT_METHODS);
  }
  buildGallery();
  const galleries = galleryFor(id);
  const imageFits = state.image && (state.imageSource === 'user' || galleries.includes(state.imageSource));
  const wanted = restoring?.sample && galleries
    .map((gallery) => ({ gallery, sample: samples[gallery]?.find((entry) => entry.file === restoring.sample) }))
    .find((found) => found.sample);
  const first = samples[galleries[0]]?.[0];
  if (wanted) {
    await loadSample(wanted.gallery, wanted.sample);
    return;
  }
  if (!imageFits && first) {
    await loadSample(galleries[0], first);
    return;
  }
  if (state.image) {
    state.crop = defaultCrop(state.image, state.sample);
    cropBox.setBox(state.crop);
    updateCropReadout();
    await explainAll();
  }
}

// Why the panel of method `name` could not follow the user to the new model.
function droppedReason(name) {
  const method = methodInfo(name);
  if (!method) return `${name}, which this model's engine does not know`;
  return `${method.title}, which does not apply to this model${method.why ? ` (${withShortLayerNames(method.why).replace(/\.$/, '')})` : ''}`;
}

function stillLoaded() {
  if (!state.modelId) return '';
  return state.modelId === 'custom' ? `Your model '${state.customModelName}' is still loaded.` : `The ${modelTitle()} model is still loaded.`;
}

function updateModelSelect() {
  let custom = ui.modelSelect.querySelector('option[value="custom"]');
  if (state.modelId === 'custom') {
    if (!custom) {
      custom = el('option', { value: 'custom' });
      ui.modelSelect.append(custom);
    }
    custom.textContent = `Your model: ${state.customModelName}`;
  }
  ui.modelSelect.value = state.modelId;
}

async function selectBuiltinModel(id) {
  try {
    await useModel(await fetchBuiltinModel(id), { id });
    ui.modelNote.hidden = true;
  } catch (error) {
    ui.modelSelect.value = state.modelId;
    showError(`Could not switch to ${BUILTIN_MODELS[id].title}: ${sentence(error.message)} ${stillLoaded()}`);
  }
}

async function loadModelFiles(files) {
  try {
    const { name, input } = await readModelFiles(files);
    await useModel(input, { id: 'custom', name });
    showNotice(`Loaded your model '${name}': ${state.description.labels.length} classes, ` +
      `input ${state.description.input.width}×${state.description.input.height} ${state.description.input.color}.`);
    const assumed = assumedDefaultsNotice(name, input, state.description);
    if (assumed) showNotice(assumed);
    ui.modelNote.hidden = !assumed;
    ui.modelNote.title = assumed ?? '';
  } catch (error) {
    showError(`Could not load that model: ${sentence(error.message)} ${stillLoaded()}`);
  }
}

// ---- image ----

function defaultCrop(image, sample) {
  if (BUILTIN_MODELS[state.modelId]?.faceCrop && sample?.face) return clampBox(sample.face, image);
  const crop = state.description?.defaultCrop;
  if (crop === 'full') return wholeImage(image);
  if (crop && typeof crop === 'object') return clampBox(crop, image);
  return centerSquare(image);
}

async function useImage(image, { source, sample = null }) {
  await engine.setImage({ width: image.width, height: image.height, data: image.data });
  state.image = image;
  state.imageSource = source;
  state.sample = sample;
  state.classIndex = null;
  state.crop = defaultCrop(image, sample);
  if (restoring) {
    if (restoring.crop && sample?.file === restoring.sample) state.crop = clampBox(restoring.crop, image);
    if (restoring.classIndex < state.description.labels.length) state.classIndex = restoring.classIndex;
    restoring = null;
  }
  ui.viewerEmpty.hidden = true;
  cropBox.setImage(image, state.crop);
  const shrunk = image.sourceWidth > image.width ? ` (from ${image.sourceWidth}×${image.sourceHeight})` : '';
  ui.imageName.textContent = `${image.name} · ${image.width}×${image.height}${shrunk}`;
  updateCropReadout();
  markGallerySelection();
  await explainAll();
}

async function loadImageFile(file) {
  let image;
  showDecoding(`Reading ${file.name}…`);
  try {
    image = await decodeImage(file, file.name, {
      onSize: (width, height) => showDecoding(`Decoding ${file.name} (${width}×${height})…`),
    });
  } catch (error) {
    showError(`${sentence(error.message)} ${state.image ? `The previous image (${state.image.name}) is still loaded.` : ''}`);
    return;
  } finally {
    showDecoding(null);
  }
  clearErrors();
  if (image.sourceWidth > image.width) {
    const { input } = state.description;
    showNotice(`'${image.name}' is ${image.sourceWidth}×${image.sourceHeight}: it was shrunk to ${image.width}×${image.height} ` +
      `for display (camlens shows images at most ${MAX_SIDE} pixels a side); the model sees the box resized to its ` +
      `${input.width}×${input.height} input anyway.`);
  }
  await useImage(image, { source: 'user' });
}

// The viewer's progress while a file decodes (a large photo takes seconds); null hides it.
function showDecoding(text) {
  ui.viewerProgress.hidden = text === null;
  ui.viewerProgressText.textContent = text ?? '';
}

async function loadSample(gallery, sample) {
  const response = await fetch(`samples/${sample.file}`);
  if (!response.ok) throw new Error(`sample ${sample.file} is missing on the server (HTTP ${response.status})`);
  const image = await decodeImage(await response.blob(), sample.file.split('/').pop());
  await useImage(image, { source: gallery, sample });
}

function setCrop(box) {
  state.crop = clampBox(box, state.image);
  updateCropReadout();
  track(explainAll());
}

function updateCropReadout() {
  const { input } = state.description;
  const { x, y, width, height } = state.crop;
  ui.cropReadout.textContent = `Box ${width}×${height} at (${x}, ${y}) → ${input.width}×${input.height} ${input.color}`;
  ui.cropReadout.title = `The model sees the ${width}×${height} box at (${x}, ${y}), resized to its ${input.width}×${input.height} ${input.color} input`;
}

// ---- gallery ----

function buildGallery() {
  const items = galleryFor(state.modelId).flatMap((gallery) => (samples[gallery] ?? []).map((sample) => ({ gallery, sample })));
  ui.gallery.replaceChildren(...items.map(({ gallery, sample }) => el('li', {},
    el('button', {
      type: 'button', class: 'gallery-item', title: sample.title, 'aria-label': `Sample: ${sample.title}`,
      dataset: { file: sample.file },
      onclick: () => track(loadSample(gallery, sample).catch(showError)),
    }, el('img', { src: `samples/${sample.file}`, alt: '', loading: 'lazy', class: gallery === 'fashion-mnist' ? 'pixelated' : null })))));
  markGallerySelection();
}

function markGallerySelection() {
  for (const button of ui.gallery.querySelectorAll('.gallery-item')) {
    const selected = state.sample?.file === button.dataset.file;
    button.classList.toggle('selected', selected);
    button.setAttribute('aria-pressed', String(selected));
  }
}

// ---- predictions ----

// Sized through the CSSOM: the CSP forbids style attributes.
function barFill(probability) {
  const fill = el('span', { class: 'prediction-fill' });
  fill.style.width = `${Math.max(0.5, probability * 100).toFixed(2)}%`;
  return fill;
}

function showPrediction(prediction) {
  state.prediction = prediction;
  // The thread count says why the same photo runs faster on an isolated page (tools/serve.mjs).
  const threads = engine.threads > 1 ? ` · ${engine.threads} threads` : '';
  ui.forwardTime.textContent = `forward ${formatMs(prediction.timings.forward)}${threads}`;
  const explained = state.classIndex ?? prediction.classes[0].index;
  // Every class can be explained: the list shows the most probable, and the rest on request (or
  // when the class explained is among them).
  const explainedRank = prediction.classes.findIndex((entry) => entry.index === explained);
  const showAll = showAllClasses || explainedRank >= SHOWN_CLASSES;
  const shown = showAll ? prediction.classes : prediction.classes.slice(0, SHOWN_CLASSES);
  ui.predictions.replaceChildren(...shown.map((entry, rank) => el('li', {},
    el('button', {
      type: 'button',
      class: `prediction${entry.index === explained ? ' selected' : ''}`,
      'aria-pressed': String(entry.index === explained),
      'aria-label': `Explain ${entry.label}, ${formatPercent(entry.probability)}`,
      onclick: () => selectClass(rank === 0 ? null : entry.index),
    },
    el('span', { class: 'prediction-label' }, entry.label),
    el('span', { class: 'prediction-bar', 'aria-hidden': 'true' },
      barFill(entry.probability)),
    el('span', { class: 'prediction-value' }, formatPercent(entry.probability))))));
  const hidden = prediction.classes.length - SHOWN_CLASSES;
  ui.moreClasses.hidden = hidden <= 0 || explainedRank >= SHOWN_CLASSES;
  ui.moreClasses.setAttribute('aria-expanded', String(showAll));
  ui.moreClasses.textContent = showAll ? `Show the top ${SHOWN_CLASSES} only` : `Show ${hidden} more class${hidden > 1 ? 'es' : ''}`;
  const chosen = prediction.classes.find((entry) => entry.index === explained);
  ui.explainedClass.textContent = chosen ? `${chosen.label} ${formatPercent(chosen.probability)}` : state.description.labels[explained];
  ui.explainedNote.textContent = state.classIndex === null ? 'the top class' : `your choice; the top class is ${prediction.classes[0].label}`;
}

function selectClass(classIndex) {
  state.classIndex = classIndex;
  track(explainAll());
}

// ---- method panels ----

function methodInfo(name) {
  return state.description.methods.find((method) => method.name === name);
}

function buildPanels(names) {
  panels.forEach((panel) => panel.cancel());
  panels = names.map(methodInfo).filter(Boolean).map(makePanel);
  ui.panels.replaceChildren(...panels.map((panel) => panel.element));
  buildMethodMenu();
}

function makePanel(method) {
  return new MethodPanel(method, {
    onRemove: removePanel,
    onRetry: (panel) => track(runPanel(panel, generation)),
    fileName: () => state.image?.name.replace(/\.[^.]+$/, '') ?? 'image',
    fullSizeOverlay,
    describeLayer: (explanation) => describePanelLayer(method, explanation),
  });
}

// A method with a layer of its own (CAM: the one its global average pool reads) explains there
// whichever layer the menu names; the panel says so.
function keepsOwnLayer(method) {
  return Boolean(method.ownLayer) && state.layer !== null && state.layer !== method.ownLayer;
}

// What a panel says of the layer its map was made at (per-pixel methods explain the input).
function describePanelLayer(method, explanation) {
  if (method.perPixel) return { layer: null, note: null };
  const layer = shortLayer(explanation.layer);
  return { layer, note: keepsOwnLayer(method) ? `${method.title} is defined only at ${layer}, so it is shown there.` : null };
}

// What a panel's own request changes in the view's: its options, and its own layer if it keeps one.
function panelOverrides(panel) {
  return { params: panel.params, ...(keepsOwnLayer(panel.method) ? { layer: null } : {}) };
}

function removePanel(panel) {
  panel.cancel();
  panel.element.remove();
  panels = panels.filter((other) => other !== panel);
  buildMethodMenu();
  ui.methodAdd.focus();
  saveUrlState();
}

function addPanel(name) {
  const panel = makePanel(methodInfo(name));
  panels.push(panel);
  ui.panels.append(panel.element);
  buildMethodMenu();
  panel.element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  track(runPanel(panel, generation));
}

// Adding happens on the button only: arrow keys on the menu merely choose.
function addChosenPanel() {
  const name = ui.methodAdd.value;
  if (name && methodInfo(name)?.applies) addPanel(name);
}

function buildMethodMenu() {
  const shown = new Set(panels.map((panel) => panel.method.name));
  const options = state.description.methods.filter((method) => !shown.has(method.name)).map((method) => el('option', {
    value: method.name,
    disabled: !method.applies,
    title: method.applies ? method.summary : method.why,
  }, `${method.title}${method.slow ? ' (slow)' : ''}${method.applies ? '' : ' (does not apply)'}`));
  ui.methodAdd.replaceChildren(...(options.length ? options : [el('option', { value: '' }, 'All methods shown')]));
  const firstApplicable = options.find((option) => !option.disabled);
  if (firstApplicable) ui.methodAdd.value = firstApplicable.value;
  ui.methodAdd.disabled = options.length === 0;
  ui.methodAddButton.disabled = !firstApplicable;
}

function buildLayerSelect() {
  const spatial = state.description.layers.filter((layer) => layer.spatial);
  ui.layerSelect.replaceChildren(...spatial.map((layer) => el('option', { value: layer.name },
    `${shortLayer(layer.name)} · ${layer.shape.join('×')} · ${distanceLabel(layerDistances.get(layer.name))}` +
    `${layer.name === state.description.defaultLayer ? ' (default)' : ''}`)));
  showLayerChoice();
}

function showLayerChoice() {
  ui.layerSelect.title = currentLayer();
  ui.layerSelect.value = currentLayer();
  const distance = distanceText(layerDistances.get(currentLayer()));
  ui.layerNote.textContent = `${distance ? `${shortLayer(currentLayer())} is ${distance}. ` : ''}${DISTANCE_NOTE}`;
}

// What every explanation of the current view asks for, whatever the method.
function viewOptions() {
  return {
    classIndex: state.classIndex,
    layer: state.layer,
    crop: state.crop,
    colormap: state.colormap,
    alpha: state.alpha,
    smooth: state.smooth,
    maxSide: drawnSide(),
  };
}

// Maps are drawn as large as the panels show them on this screen, not as large as the photo: four
// overlays of a 2048-pixel crop took 15 times as long as the network that explains them. A PNG
// download draws its map again at the crop's full size. Steps of 128 keep a small resize from
// changing the size.
function drawnSide() {
  const widest = Math.max(256, ...panels.map((panel) => panel.canvas.clientWidth));
  return Math.min(1024, Math.ceil((widest * devicePixelRatio) / 128) * 128);
}

// The overlay of a shown explanation at the crop's full size, in the current colours.
function fullSizeOverlay(explanation) {
  const { map, crop } = explanation;
  return engine.render({ map, crop, colormap: state.colormap, alpha: state.alpha, smooth: state.smooth })
    .then((rendered) => rendered.overlay);
}

function explainOptions(method, overrides = {}) {
  return { method, ...viewOptions(), params: {}, ...overrides };
}

async function runPanel(panel, runGeneration) {
  const { method } = panel;
  if (!method.applies) {
    panel.fail(method.why ?? `${method.title} does not apply to this model.`);
    return;
  }
  const crop = state.crop;
  const job = engine.explain(explainOptions(method.name, panelOverrides(panel)),
    { onProgress: (fraction, stage) => panel.onProgress(fraction, stage) });
  panel.start(job);
  // A newer run of this panel alone (new options) supersedes this one, as a newer generation does.
  const current = () => runGeneration === generation && panel.job === job;
  try {
    const explanation = await job.promise;
    if (current()) panel.show({ ...explanation, crop });
  } catch (error) {
    if (!current()) return;
    if (error.name === 'CancelledError') panel.fail('Cancelled.', { cancelled: true });
    else panel.fail(withShortLayerNames(error.message));
  }
}

// The fast panels in ONE engine call (their methods share the forward pass). A panel's cancel
// (its removal) lets the others' call finish; the call is cancelled once every panel let go. When
// the call fails, each panel runs alone, so a failure shows on its own panel only.
async function runFastPanels(fastPanels, runGeneration) {
  const applicable = fastPanels.filter((panel) => panel.method.applies);
  for (const panel of fastPanels.filter((other) => !other.method.applies)) await runPanel(panel, runGeneration);
  if (applicable.length === 0) return;
  const crop = state.crop;
  const job = engine.explainMany({ methods: applicable.map((panel) => panel.method.name), ...viewOptions() });
  const holders = new Set(applicable);
  for (const panel of applicable) {
    panel.start({
      promise: job.promise,
      cancel() {
        holders.delete(panel);
        if (holders.size === 0) job.cancel();
      },
    });
  }
  let explanations;
  try {
    explanations = await job.promise;
  } catch (error) {
    if (runGeneration !== generation) return;
    if (error.name === 'CancelledError') applicable.forEach((panel) => panel.fail('Cancelled.', { cancelled: true }));
    else for (const panel of applicable) await runPanel(panel, runGeneration);
    return;
  }
  if (runGeneration === generation) {
    applicable.forEach((panel, i) => panel.show({ ...explanations[i], crop, sharedBy: applicable.length }));
  }
}

// Predicts, then explains every fast panel in one call, then the top-3 and layer-sweep strips,
// then the slow panels one by one (each with its progress and cancel). A newer run cancels this one.
async function explainAll() {
  const runGeneration = ++generation;
  panels.forEach((panel) => panel.cancel());
  try {
    const prediction = await engine.predict({ crop: state.crop, top: state.description.labels.length });
    if (runGeneration !== generation) return;
    showPrediction(prediction);
    const fast = panels.filter((panel) => !panel.method.slow && !keepsOwnLayer(panel.method));
    const alone = panels.filter((panel) => !panel.method.slow && keepsOwnLayer(panel.method));
    const slow = panels.filter((panel) => panel.method.slow);
    await runFastPanels(fast, runGeneration);
    for (const panel of alone) await runPanel(panel, runGeneration);
    if (runGeneration !== generation) return;
    await refreshStrips(runGeneration);
    for (const panel of slow) {
      await runPanel(panel, runGeneration);
      if (runGeneration !== generation) return;
    }
  } catch (error) {
    if (runGeneration === generation) showError(error);
  }
}

// ---- top-3 and layer sweep ----

async function refreshStrips(runGeneration) {
  const common = { crop: state.crop, colormap: state.colormap, alpha: state.alpha, smooth: state.smooth };
  const crop = state.crop;
  const stripMethod = methodInfo(STRIP_METHOD);
  if (!stripMethod?.applies) {
    ui.topk.replaceChildren(el('p', { class: 'muted' }, `${STRIP_METHOD} does not apply to this model.`));
    ui.sweep.replaceChildren();
    return;
  }
  const top = await engine.topK({ k: Math.min(3, state.description.labels.length), method: STRIP_METHOD, layer: state.layer, ...common });
  if (runGeneration !== generation) return;
  ui.topkNote.textContent = `${stripMethod.title} at ${shortLayer(currentLayer())}`;
  topkThumbs = top.map((explanation) => thumbnail({ ...explanation, crop }, explanation.label, {
      detail: formatPercent(explanation.probability),
      selected: explanation.classIndex === (state.classIndex ?? state.prediction.classes[0].index),
      label: `Explain ${explanation.label}`,
      onSelect: () => selectClass(explanation.classIndex === state.prediction.classes[0].index ? null : explanation.classIndex),
    }));
  ui.topk.replaceChildren(...topkThumbs.map((thumb) => thumb.element));

  const sweep = await engine.layerSweep({ method: STRIP_METHOD, classIndex: state.classIndex, ...common });
  if (runGeneration !== generation) return;
  sweepThumbs = sweep.map((explanation) => {
    const info = layerInfo(explanation.layer);
    return thumbnail({ ...explanation, crop }, shortLayer(explanation.layer), {
      detail: info ? info.shape.join('×') : '',
      selected: explanation.layer === currentLayer(),
      label: `Explain at layer ${shortLayer(explanation.layer)}`,
      onSelect: () => selectLayer(explanation.layer),
    });
  });
  ui.sweep.replaceChildren(...sweepThumbs.map((thumb) => thumb.element));
}

function selectLayer(name) {
  state.layer = name === state.description.defaultLayer ? null : name;
  showLayerChoice();
  track(explainAll());
}

// ---- colour: recolour what is drawn, no recomputation ----

let recolorRunning = false;
let recolorAgain = false;
async function recolorAll() {
  if (recolorRunning) {
    recolorAgain = true;
    return;
  }
  recolorRunning = true;
  try {
    do {
      recolorAgain = false;
      const style = { colormap: state.colormap, alpha: state.alpha, smooth: state.smooth };
      const targets = [...panels, ...topkThumbs, ...sweepThumbs].filter((target) => target.explanation);
      for (const target of targets) {
        const { heat, crop } = target.explanation;
        target.recolor(await engine.render({ heat, crop, ...style }));
      }
    } while (recolorAgain);
  } catch (error) {
    showError(error);
  } finally {
    recolorRunning = false;
  }
}

// ---- downloads ----

async function downloadGrid() {
  const shown = panels.filter((panel) => panel.explanation);
  if (!shown.length) return;
  const cell = 256, caption = 40, gap = 12;
  const columns = Math.min(4, shown.length);
  const rows = Math.ceil(shown.length / columns);
  const canvas = el('canvas', { width: gap + columns * (cell + gap), height: gap + rows * (cell + caption + gap) });
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  shown.forEach((panel, i) => {
    const x = gap + (i % columns) * (cell + gap);
    const y = gap + Math.floor(i / columns) * (cell + caption + gap);
    context.imageSmoothingEnabled = panel.explanation.overlay.width >= 128;
    context.drawImage(panel.canvas, x, y + caption, cell, cell);
    context.fillStyle = '#1d2330';
    context.font = '600 15px system-ui, sans-serif';
    context.fillText(panel.method.title, x, y + 16);
    context.fillStyle = '#5b6475';
    context.font = '12px system-ui, sans-serif';
    context.fillText(`${panel.explanation.label} · ${shortLayer(panel.explanation.layer)}`.slice(0, 40), x, y + 33);
  });
  const name = state.image.name.replace(/\.[^.]+$/, '');
  saveBlob(await canvasToPngBlob(canvas), `${fileSafe(name)}.${fileSafe(panels[0].explanation?.label ?? 'maps')}.grid.png`);
}

// ---- input: picker, drop anywhere, paste ----

function engineReady() {
  if (engine && state.description) return true;
  showError('camlens is still starting: try again in a moment.');
  return false;
}

function handleFiles(files) {
  if (!files.length || !engineReady()) return;
  if (files.some(isModelFile)) {
    track(loadModelFiles(files.filter(isModelFile)));
    return;
  }
  const images = files.filter(isImageFile);
  const image = images[0] ?? files[0];
  if (images.length > 1) {
    showNotice(`You gave ${images.length} images; camlens explains one at a time, so it opened '${image.name}'. ` +
      'Drop the others one by one.');
  }
  track(loadImageFile(image));
}

function setupDropAnywhere() {
  let depth = 0;
  const hasFiles = (event) => [...(event.dataTransfer?.types ?? [])].includes('Files');
  document.addEventListener('dragenter', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    if (++depth === 1) ui.dropTarget.hidden = false;
  });
  document.addEventListener('dragover', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  });
  document.addEventListener('dragleave', (event) => {
    if (!hasFiles(event)) return;
    if (--depth <= 0) {
      depth = 0;
      ui.dropTarget.hidden = true;
    }
  });
  document.addEventListener('drop', (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    ui.dropTarget.hidden = true;
    handleFiles([...event.dataTransfer.files]);
  });
}

function setupPaste() {
  document.addEventListener('paste', (event) => {
    if (isEditable(event.target)) return;
    const files = [...(event.clipboardData?.files ?? [])].filter(isImageFile);
    if (!files.length) return;
    event.preventDefault();
    if (!engineReady()) return;
    track(loadImageFile(files[0]));
  });
}

function setupControls() {
  ui.modelSelect.addEventListener('change', () => {
    const id = ui.modelSelect.value;
    if (id === state.modelId || id === 'custom') return;
    if (!engineReady()) {
      ui.modelSelect.value = state.modelId ?? 'emotion';
      return;
    }
    track(selectBuiltinModel(id));
  });
  ui.modelFilesButton.addEventListener('click', () => ui.modelFilesInput.click());
  ui.modelFilesInput.addEventListener('change', () => {
    const files = [...ui.modelFilesInput.files];
    ui.modelFilesInput.value = '';
    if (files.length && engineReady()) track(loadModelFiles(files));
  });
  ui.imageFileButton.addEventListener('click', () => ui.imageFileInput.click());
  ui.imageFileInput.addEventListener('change', () => {
    const file = ui.imageFileInput.files[0];
    ui.imageFileInput.value = '';
    if (file && engineReady()) track(loadImageFile(file));
  });
  ui.cropReset.addEventListener('click', () => {
    if (!state.image) return;
    cropBox.setBox(defaultCrop(state.image, state.sample));
    setCrop(cropBox.box);
  });
  ui.cropFull.addEventListener('click', () => {
    if (!state.image) return;
    cropBox.setBox(wholeImage(state.image));
    setCrop(cropBox.box);
  });
  ui.layerSelect.addEventListener('change', () => selectLayer(ui.layerSelect.value));
  ui.colormapSelect.addEventListener('change', () => {
    state.colormap = ui.colormapSelect.value;
    track(recolorAll());
  });
  ui.opacity.addEventListener('input', () => {
    state.alpha = Number(ui.opacity.value) / 100;
    ui.opacityValue.textContent = `${ui.opacity.value}%`;
    track(recolorAll());
  });
  ui.smooth.addEventListener('change', () => {
    state.smooth = ui.smooth.checked;
    track(explainAll());
  });
  ui.methodAddButton.addEventListener('click', addChosenPanel);
  ui.modelNote.addEventListener('click', () => showNotice(ui.modelNote.title));
  ui.moreClasses.addEventListener('click', () => {
    showAllClasses = ui.moreClasses.getAttribute('aria-expanded') !== 'true';
    showPrediction(state.prediction);
  });
  ui.downloadGrid.addEventListener('click', () => track(downloadGrid().catch(showError)));
}

// ---- start: engine, model and first sample fetched in parallel ----

async function start() {
  setupControls();
  setupDropAnywhere();
  setupPaste();
  byId('image-limits').textContent = SIZE_LIMITS;
  restoring = readUrlState();
  const modelId = restoring.model in BUILTIN_MODELS ? restoring.model : 'emotion';
  state.colormap = restoring.colormap ?? state.colormap;
  state.alpha = restoring.alpha ?? state.alpha;
  ui.colormapSelect.value = state.colormap;
  ui.opacity.value = String(Math.round(state.alpha * 100));
  ui.opacityValue.textContent = `${ui.opacity.value}%`;
  const samplesReady = fetch('samples/samples.json').then((response) => response.json());
  const [createdEngine, modelInput, loadedSamples] = await Promise.all([createEngine(), fetchBuiltinModel(modelId), samplesReady]);
  engine = createdEngine;
  samples = loadedSamples;
  try {
    await useModel(modelInput, { id: modelId });
  } finally {
    restoring = null;
  }
}

// The tests' window into the page: the engine and what each panel drew.
window.camlens = {
  whenIdle,
  get engine() { return engine; },
  get state() { return state; },
  panels: () => panels.map((panel) => ({ method: panel.method.name, explanation: panel.explanation })),
  setCrop: (box) => {
    cropBox.setBox(box);
    setCrop(cropBox.box);
  },
};

track(start().catch((error) => {
  ui.viewerEmpty.textContent = 'camlens could not start.';
  showError(`camlens could not start: ${error.message}`);
}));
