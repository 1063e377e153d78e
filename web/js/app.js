// The page: wires the controls to the engine (engine.js, the only module that talks to the worker)
// and draws what it returns. UI state lives here; pixels and maps come from the engine.
import { createEngine } from './engine.js';
import { el, byId, canvasToPngBlob, saveBlob, fileSafe, formatMs, formatPercent, isEditable } from './dom.js';
import { MAX_SIDE, SIZE_LIMITS, decodeImage, isImageFile, isModelFile } from './images.js';
import { CropBox, clampBox, wholeImage } from './crop-box.js';
import { FaceBoxes } from './faces.js';
import { MethodPanel, thumbnail } from './panels.js';
import { BUILTIN_MODELS, fetchBuiltinModel, isOnnxFile, readModelFiles } from './models.js';
import { clearErrors, sentence, showError, showNotice } from './messages.js';
import { readUrlState, writeAuditUrlState, writeCompareUrlState, writeTrainingUrlState, writeUrlState } from './url-state.js';
import { DISTANCE_NOTE, distanceLabel, distanceText, shortLayerNames } from './layers.js';
import { assumedDefaultsNotice } from './model-notes.js';
import { VisualizeView } from './visualize.js';
import { TrainingView, filesFromDrop } from './training.js';
import { LiveTrainer } from './train-live.js';
import { AuditView } from './audit.js';
import { SanityView } from './sanity.js';
import { CompareView } from './compare.js';
import { DEFAULT_TIMELINE } from './timeline.js';
import { Webcam } from './webcam.js';

const DEFAULT_METHODS = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
const STRIP_METHOD = 'grad-cam';
const SHOWN_CLASSES = 5;  // the prediction list's length until the user asks for every class

const state = {
  modelId: null,         // 'emotion', 'fashion-mnist' or 'custom'
  customModelName: null,
  description: null,     // the model's description (docs/result.schema.json, kind "model")
  image: null,           // {width, height, data, name}
  imageSource: null,     // the gallery the image came from, or 'user'
  sample: null,          // the gallery entry, when the image is one
  crop: null,
  defaultCrop: null,     // the box the engine starts with (a face model's: the best face found)
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
let layerDistances = new Map();  // layer name -> layers between it and the logits (the engine's depth)
let visualizeView = null;  // "What the model looks for" (visualize.js)
let trainingView = null;   // the Training view (training.js)
let liveTrainer = null;    // its Train panel (train-live.js)
let auditView = null;      // the Audit view (audit.js)
let sanityView = null;     // the explain view's sanity check (sanity.js)
let compareView = null;    // the Compare view (compare.js)
let sceneSerial = 0;       // bumped by every new model or image: what faithfulness numbers belong to
let baselineCache = null;  // {key, random, sobel}: the baselines' metrics for the last image, box and class scored
let view = 'explain';      // the view shown: 'explain', 'compare', 'training' or 'audit'

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
  dropTitle: byId('drop-title'),
  dropDetail: byId('drop-detail'),
  tabs: { explain: byId('tab-explain'), compare: byId('tab-compare'), training: byId('tab-training'), audit: byId('tab-audit') },
  explainView: byId('explain-view'),
  modelControls: byId('model-controls'),
};

const cropBox = new CropBox({
  viewer: ui.viewer,
  canvas: byId('image-canvas'),
  box: byId('crop-box'),
  onChange: (box) => setCrop(box),
});

const faceBoxes = new FaceBoxes({
  canvas: byId('image-canvas'),
  viewer: ui.viewer,
  layer: byId('face-layer'),
  list: byId('faces'),
  notice: byId('face-notice'),
  onSelect: (crop) => {
    cropBox.setBox(crop);
    setCrop(cropBox.box);
  },
});

// The Webcam source: live frames on the model loaded; Pause makes the last one the photo.
const webcam = new Webcam({
  ui: {
    panel: byId('webcam'), video: byId('webcam-video'), overlay: byId('webcam-overlay'), status: byId('webcam-status'),
    rate: byId('webcam-rate'), top: byId('webcam-top'), startButton: byId('webcam-button'), pauseButton: byId('webcam-pause'),
    stopButton: byId('webcam-stop'), card: byId('viewer').closest('.card'), imageName: ui.imageName,
  },
  engine: () => engine,
  look: () => ({ colormap: state.colormap, alpha: state.alpha, smooth: state.smooth, layer: state.layer }),
  canStart: engineReady,
  onPause: (image) => track(useImage(image, { source: 'user' })),
  showError,
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
  if (view === 'training') {
    writeTrainingUrlState(trainingView.urlState());
    return;
  }
  if (view === 'audit') {
    writeAuditUrlState({ model: state.modelId === 'custom' ? null : state.modelId, ...auditView.urlState() });
    return;
  }
  if (!state.description || !state.crop || restoring) return;
  if (view === 'compare') {
    writeCompareUrlState({ model: state.modelId === 'custom' ? null : state.modelId,
      sample: state.imageSource === 'user' ? null : state.sample?.file, crop: state.crop, ...compareView.urlState() });
    return;
  }
  writeUrlState({
    model: state.modelId === 'custom' ? null : state.modelId,
    sample: state.imageSource === 'user' ? null : state.sample?.file,
    crop: state.crop,
    classIndex: state.classIndex,
    layer: state.layer,
    methods: panels.map((panel) => panel.method.name),
    colormap: state.colormap,
    alpha: state.alpha,
    sanity: sanityView?.urlState() ?? null,
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

// Short layer names (layers.js); full names stay in titles.
let shortNames = new Map();
function buildShortNames(names) {
  shortNames = shortLayerNames(names);
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
  return state.layer ?? state.description.default_layer;
}

// Loads `input` into the engine with a photo (a sample when the one shown does not suit the model)
// and its view, in one request; on failure the previous model stays and the error is shown. The
// user's panels stay when the new model has their methods; the notice names those that could not.
// image: a picture to explain instead of a sample ({width, height, data, name}; a training probe).
async function useModel(input, { id, name, image: given = null }) {
  const previous = state.description ? panels.map((panel) => ({ name: panel.method.name, params: panel.params })) : null;
  const galleries = galleryFor(id);
  const imageFits = state.image && (state.imageSource === 'user' || galleries.includes(state.imageSource));
  const wanted = restoring?.sample && galleries
    .map((gallery) => ({ gallery, entry: samples[gallery]?.find((entry) => entry.file === restoring.sample) }))
    .find((found) => found.entry);
  const first = samples[galleries[0]]?.[0];
  if (given) webcam.leaveLive();  // a training frame opened while live is shown, not hidden under the video
  const chosen = given ? null : wanted ?? (!imageFits && first ? { gallery: galleries[0], entry: first } : null);
  const sample = chosen ? { ...chosen, image: await fetchSample(chosen.entry) } : null;
  const crop = sample ? restoredCrop(sample.image, sample.entry) : null;
  await runView({
    model: input,
    image: given ?? sample?.image ?? null,
    methods: previous ? previous.map((panel) => panel.name) : restoring?.methods ?? DEFAULT_METHODS,
    view: { crop, class: restoring?.classIndex ?? null, layer: restoring?.layer ?? null },
    onLoaded: ({ model: description, image }) => {
      state.description = description;
      state.modelId = id;
      if (id === 'custom') state.customModelName = name;
      state.layer = null;
      state.classIndex = null;
      buildShortNames(description.layers.map((layer) => layer.name));
      layerDistances = new Map(description.layers.filter((layer) => layer.depth >= 0).map((layer) => [layer.name, layer.depth]));
      if (restoring?.layer && description.layers.some((layer) => layer.spatial && layer.name === restoring.layer)) {
        state.layer = restoring.layer === description.default_layer ? null : restoring.layer;
      }
      if (restoring?.classIndex < description.labels.length) state.classIndex = restoring.classIndex;
      updateModelSelect();
      buildLayerSelect();
      visualizeView?.setModel(description, shortLayer);
      sanityView?.setModel(description);
      ++sceneSerial;
      auditView?.setModel(description, modelTitle(), shortLayer);
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
      if (given) showImage(given, { source: 'user', crop: image.crop });
      else if (sample) showImage(sample.image, { source: sample.gallery, sample: sample.entry, crop: crop ?? image.crop, defaultCrop: image.crop });
      else if (image) showCrop(image.crop);
      restoring = null;
    },
  });
}

// Why the panel of method `name` could not follow the user to the new model.
function droppedReason(name) {
  const method = methodInfo(name);
  if (!method) return `${name}, which this model's engine does not know`;
  return `${method.title}, which does not apply to this model${method.why_not ? ` (${withShortLayerNames(method.why_not).replace(/\.$/, '')})` : ''}`;
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
    const { name, input } = await readModelFiles(files, (fraction) => showDecoding(`Reading the model: ${Math.round(fraction * 100)}%`));
    showDecoding(input.onnx ? `Loading ${name}.onnx…` : null);
    await useModel(input, { id: 'custom', name });
    showDecoding(null);
    showNotice(`Loaded your model '${name}': ${state.description.labels.length} classes, ` +
      `input ${state.description.input.width}×${state.description.input.height} ${state.description.input.color}.`);
    const assumed = assumedDefaultsNotice(name, input, state.description);
    if (assumed) showNotice(assumed);
    ui.modelNote.hidden = !assumed;
    ui.modelNote.title = assumed ?? '';
  } catch (error) {
    showDecoding(null);
    showError(`Could not load that model: ${sentence(error.message)} ${stillLoaded()}`);
  }
}

// ---- image ----

// The box the address asked for, when it is of this sample.
function restoredCrop(image, sample) {
  return restoring?.crop && sample?.file === restoring.sample ? clampBox(restoring.crop, image) : null;
}

function showCrop(crop) {
  state.defaultCrop = crop;
  state.crop = crop;
  cropBox.setBox(crop);
  updateCropReadout();
}

// defaultCrop: the box "Reset box" returns to, when not `crop` (a restored address's box).
function showImage(image, { source, sample = null, crop, defaultCrop = crop }) {
  ++sceneSerial;
  state.image = image;
  state.imageSource = source;
  state.sample = sample;
  ui.viewerEmpty.hidden = true;
  state.defaultCrop = defaultCrop;
  state.crop = crop;
  cropBox.setImage(image, crop);
  const shrunk = image.sourceWidth > image.width ? ` (from ${image.sourceWidth}×${image.sourceHeight})` : '';
  ui.imageName.textContent = `${image.name} · ${image.width}×${image.height}${shrunk}`;
  updateCropReadout();
  markGallerySelection();
}

// Shows `image` and its view in one request, from the model's default box (a face model's: the
// best face the worker found). classIndex: the class to explain (null: the top one).
async function useImage(image, { source, sample = null, classIndex = null }) {
  webcam.leaveLive();  // a photo chosen while live is shown, not hidden under the video
  await runView({
    image,
    view: { crop: null, class: classIndex },
    onLoaded: ({ image: shown }) => {
      state.classIndex = classIndex;
      showImage(image, { source, sample, crop: shown.crop });
    },
  });
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

async function fetchSample(sample) {
  const response = await fetch(`samples/${sample.file}`);
  if (!response.ok) throw new Error(`sample ${sample.file} is missing on the server (HTTP ${response.status})`);
  return decodeImage(await response.blob(), sample.file.split('/').pop());
}

async function loadSample(gallery, sample) {
  await useImage(await fetchSample(sample), { source: gallery, sample });
}

function setCrop(box) {
  state.crop = clampBox(box, state.image);
  updateCropReadout();
  faceBoxes.highlight(state.crop);
  track(runView());
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

// The prediction (every class, best first); forwardMs: the forward pass, when the view ran one.
function showPrediction(prediction, forwardMs = 0) {
  state.prediction = prediction;
  // The thread count says why the same photo runs faster on an isolated page (tools/serve.mjs).
  const threads = engine.threads > 1 ? ` · ${engine.threads} threads` : '';
  if (forwardMs > 0) ui.forwardTime.textContent = `forward ${formatMs(forwardMs)}${threads}`;
  const explained = state.classIndex ?? prediction.classes[0].class;
  // Every class can be explained: the list shows the most probable, and the rest on request (or
  // when the class explained is among them).
  const explainedRank = prediction.classes.findIndex((entry) => entry.class === explained);
  const showAll = showAllClasses || explainedRank >= SHOWN_CLASSES;
  const shown = showAll ? prediction.classes : prediction.classes.slice(0, SHOWN_CLASSES);
  ui.predictions.replaceChildren(...shown.map((entry, rank) => el('li', {},
    el('button', {
      type: 'button',
      class: `prediction${entry.class === explained ? ' selected' : ''}`,
      'aria-pressed': String(entry.class === explained),
      'aria-label': `Explain ${entry.label}, ${formatPercent(entry.probability)}`,
      onclick: () => selectClass(rank === 0 ? null : entry.class),
    },
    el('span', { class: 'prediction-label' }, entry.label),
    el('span', { class: 'prediction-bar', 'aria-hidden': 'true' },
      barFill(entry.probability)),
    el('span', { class: 'prediction-value' }, formatPercent(entry.probability))))));
  const hidden = prediction.classes.length - SHOWN_CLASSES;
  ui.moreClasses.hidden = hidden <= 0 || explainedRank >= SHOWN_CLASSES;
  ui.moreClasses.setAttribute('aria-expanded', String(showAll));
  ui.moreClasses.textContent = showAll ? `Show the top ${SHOWN_CLASSES} only` : `Show ${hidden} more class${hidden > 1 ? 'es' : ''}`;
  const chosen = prediction.classes.find((entry) => entry.class === explained);
  ui.explainedClass.textContent = chosen ? `${chosen.label} ${formatPercent(chosen.probability)}` : state.description.labels[explained];
  ui.explainedNote.textContent = explained === prediction.classes[0].class ? 'the top class'
    : `your choice; the top class is ${prediction.classes[0].label}`;
}

function selectClass(classIndex) {
  state.classIndex = classIndex;
  track(runView());
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
    onRetry: () => track(runView()),
    fileName: () => state.image?.name.replace(/\.[^.]+$/, '') ?? 'image',
    fullSizeOverlay,
    describeLayer: (explanation) => describePanelLayer(method, explanation),
    onEvaluate: (panel) => track(evaluatePanel(panel)),
    mapKey: (explanation) => `${sceneKey(explanation.class, explanation.layer)}|${JSON.stringify(panelParams(method.name))}`,
  });
}

function panelParams(name) {
  return panels.find((panel) => panel.method.name === name)?.params ?? null;
}

// What a map of the explain view depends on, beside its method and options.
function sceneKey(classIndex = state.classIndex, layer = state.layer) {
  return `${sceneSerial}|${JSON.stringify(state.crop)}|${classIndex}|${layer}`;
}

// ---- faithfulness: a panel's map scored beside the random and Sobel baselines ----

// The engine's stages name layers in full and maps by their method's name ("grad-cam: deletion").
function shortStage(stage, method) {
  const [map, rest] = (stage ?? '').split(': ');
  const name = map === method.name ? method.title : map === 'sobel' ? 'Sobel baseline' : map === 'random' ? 'random baseline' : map;
  return withShortLayerNames(rest ? `${name}: ${rest}` : name);
}

// Deletion, insertion and ROAD of the panel's map, on the crop, class and layer it was made for;
// the baselines' are computed once per image, box and class.
async function evaluatePanel(panel) {
  const explanation = panel.explanation;
  if (!explanation || panel.faith.busy) return;
  const key = panel.mapKey(explanation);
  const baselineKey = sceneKey(explanation.class, null);
  const cached = baselineCache?.key === baselineKey ? baselineCache : null;
  const job = engine.evaluate({
    crop: state.crop, class: explanation.class, layer: state.layer, model: modelTitle(),
    methods: [{ name: panel.method.name, params: panel.params }], baselines: !cached,
  }, { onProgress: (fraction, stage) => panel.faith.onProgress(fraction, shortStage(stage, panel.method)) });
  panel.faith.start(job, key);
  try {
    const document = await job.promise;
    if (panel.faith.key !== key) return;  // the map changed meanwhile
    const [image] = document.images;
    if (image.failures.length) throw new Error(image.failures[0].message);
    const baseline = (name) => cached?.[name] ?? image.maps.find((map) => map.method === name);
    const scores = { map: image.maps.find((map) => !map.baseline), random: baseline('random'), sobel: baseline('sobel') };
    if (!cached) baselineCache = { key: baselineKey, random: scores.random, sobel: scores.sobel };
    panel.faith.show(scores);
  } catch (error) {
    if (panel.faith.key !== key) return;
    panel.faith.fail(withShortLayerNames(error.message), { cancelled: error.name === 'CancelledError' });
  }
}

// What a panel says of the layer its map was made at (per-pixel methods explain the input), and
// the engine's note when that is not the layer asked for (CAM stays at its own layer).
function describePanelLayer(method, explanation) {
  if (method.per_pixel) return { layer: null, note: null };
  return { layer: shortLayer(explanation.layer), note: explanation.note ? withShortLayerNames(explanation.note) : null };
}

function removePanel(panel) {
  panel.cancel();
  panel.element.remove();
  panels = panels.filter((other) => other !== panel);
  buildMethodMenu();
  ui.methodAdd.focus();
  saveUrlState();
}

// The new panel's map in one request: the engine keeps the others' and sends them back as they were.
function addPanel(name) {
  const panel = makePanel(methodInfo(name));
  panels.push(panel);
  ui.panels.append(panel.element);
  buildMethodMenu();
  panel.element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  track(runView());
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
    title: method.applies ? method.summary : method.why_not,
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
    `${layer.name === state.description.default_layer ? ' (default)' : ''}`)));
  showLayerChoice();
}

function showLayerChoice() {
  ui.layerSelect.title = currentLayer();
  ui.layerSelect.value = currentLayer();
  const distance = distanceText(layerDistances.get(currentLayer()));
  ui.layerNote.textContent = `${distance ? `${shortLayer(currentLayer())} is ${distance}. ` : ''}${DISTANCE_NOTE}`;
}

// Maps are drawn as large as the panels show them on this screen, not as large as the photo: drawing
// a big crop's overlays at full size costs more than the network that explains them. A PNG download
// draws its map again at the crop's full size. Steps of 128 keep a small resize from changing the size.
function drawnSide() {
  const widest = Math.max(256, ...panels.map((panel) => panel.canvas.clientWidth));
  return Math.min(1024, Math.ceil((widest * devicePixelRatio) / 128) * 128);
}
const THUMBNAIL_SIDE = 128;

// The view as the page shows it now: one request for the prediction, every panel, both strips.
function viewRequest({ methods = panels.map((panel) => panel.method.name), strips = true, maxSide = drawnSide() } = {}) {
  const topK = Math.min(3, state.description?.labels.length ?? 3);
  return {
    crop: state.crop,
    class: state.classIndex,
    layer: state.layer,
    methods: methods.map((name) => ({ name, params: panels.find((panel) => panel.method.name === name)?.params ?? null })),
    top_k: strips ? topK : 0,
    layer_sweep: strips,
    strip_method: STRIP_METHOD,
    colormap: state.colormap,
    alpha: state.alpha,
    smooth: state.smooth,
    max_side: maxSide,
    thumbnail_side: Math.ceil(THUMBNAIL_SIDE * devicePixelRatio),
  };
}

// The overlay of a shown explanation at the crop's full size, in the current colours: the engine
// kept its map, so this runs no pass.
function fullSizeOverlay(explanation) {
  const request = { ...viewRequest({ methods: [explanation.method], strips: false, maxSide: null }), class: explanation.class };
  return engine.view(request).promise.then((view) => view.explanations[0].pictures.overlay);
}

let runningView = null;  // the view request in flight, cancelled by a newer one
let owed = new Set();    // the panels still waiting for that view's maps
let lastView = null;     // the last view the engine returned (tests read its passes)

// One user action, one request: the model and photo when they change, then the view, whose parts
// (prediction, fast maps, strips, each slow method) are drawn as they arrive. A newer view cancels
// this one; the engine keeps the maps it finished, so asking again costs only what was left.
//   methods: the panels' methods by default; view: fields that replace the page's (a new model's
//   or photo's view starts from its own crop, class and layer); recolor: only the panels already
//   drawn (a colour change must not start a cancelled method again).
async function runView({ model = null, image = null, methods = null, view = {}, onLoaded = null, recolor = false } = {}) {
  const runGeneration = ++generation;
  const fresh = Boolean(model || image);
  if (!fresh) runningView?.cancel();
  // A new box, class or layer makes a running score moot: it would only hold up the view.
  if (!recolor) for (const panel of panels) panel.faith.cancel();
  // A recolour cancels the view in flight, so it asks again for the maps that view still owed.
  const drawn = recolor ? panels.filter((panel) => panel.explanation || owed.has(panel)) : panels;
  const request = { ...viewRequest({ methods: methods ?? drawn.map((panel) => panel.method.name) }),
    ...(model ? { layer: null, top_k: 3 } : {}), ...view };
  let waiting = new Set();
  const shown = new Set();  // the panels this view drew
  const start = () => {
    waiting = new Set(recolor ? drawn : panels);
    owed = waiting;
    for (const panel of waiting) panel.start({ promise: job.promise, cancel: () => job.cancel() });
  };
  const job = engine.act({ model, image, view: request }, {
    onLoaded: (loaded) => {
      if (runGeneration !== generation) return;
      onLoaded?.(loaded);
      if (loaded.image) faceBoxes.show(loaded.image, state.crop);
      start();
    },
    onProgress: (fraction, stage, progress) => {
      if (runGeneration !== generation) return;
      // Slow methods run one after another: each panel shows its own, which the stage names first.
      for (const panel of waiting) {
        if (panel.method.slow && stage?.startsWith(panel.method.name)) panel.onProgress(progress?.stage_fraction ?? fraction, stage);
      }
    },
    onPart: (part) => { if (runGeneration === generation) showPart(part, waiting, shown); },
  });
  if (!fresh) start();
  runningView = job;
  try {
    const result = (await job.promise).view;
    lastView = result;
    if (runGeneration !== generation) return;
    sanityView.sceneChanged();
    compareView.sceneChanged();
    if (result.timings_ms.forward > 0) showPrediction(result.prediction, result.timings_ms.forward);
    const made = [...shown].filter((panel) => !panel.explanation.reused).length;
    for (const panel of shown) panel.showCallTime(result, made);
    for (const panel of waiting) panel.fail(`${panel.method.title} gave no map for this view.`);
  } catch (error) {
    if (runGeneration !== generation) return;
    if (error.name === 'CancelledError') {
      for (const panel of waiting) panel.fail('Cancelled.', { cancelled: true });
    } else {
      for (const panel of waiting) panel.fail(withShortLayerNames(error.message));
      if (fresh) throw error;
      showError(withShortLayerNames(error.message));
    }
  }
}

// Draws one part of a view as it arrives; `waiting` holds the panels still without a map.
function showPart(part, waiting, shown) {
  if (part.prediction) showPrediction(part.prediction, 0);
  const maps = part.explanations ?? [];
  for (const explanation of maps) {
    const panel = [...waiting].find((other) => other.method.name === explanation.method);
    if (!panel) continue;
    waiting.delete(panel);
    shown.add(panel);
    panel.show(explanation);
  }
  for (const failure of part.failures ?? []) {
    const panel = [...waiting].find((other) => other.method.name === failure.method);
    if (panel) {
      waiting.delete(panel);
      panel.fail(withShortLayerNames(failure.message));
    } else if (failure.method === STRIP_METHOD) {
      ui.topk.replaceChildren(el('p', { class: 'muted' }, withShortLayerNames(failure.message)));
      ui.sweep.replaceChildren();
    }
  }
  if (part.top_k?.length) showTopK(part.top_k);
  if (part.layer_sweep?.length) showSweep(part.layer_sweep);
}

// ---- top-3 and layer sweep ----

function showTopK(top) {
  const stripMethod = methodInfo(STRIP_METHOD);
  ui.topkNote.textContent = `${stripMethod?.title ?? STRIP_METHOD} at ${shortLayer(top[0].layer)}`;
  const chosen = state.classIndex ?? state.prediction?.classes[0].class;
  topkThumbs = top.map((explanation) => thumbnail(explanation, explanation.label, {
    detail: formatPercent(explanation.probability),
    selected: explanation.class === chosen,
    label: `Explain ${explanation.label}`,
    onSelect: () => selectClass(explanation.class === state.prediction.classes[0].class ? null : explanation.class),
  }));
  ui.topk.replaceChildren(...topkThumbs.map((thumb) => thumb.element));
}

function showSweep(sweep) {
  sweepThumbs = sweep.map((explanation) => {
    const info = layerInfo(explanation.layer);
    return thumbnail(explanation, shortLayer(explanation.layer), {
      detail: info ? info.shape.join('×') : '',
      selected: explanation.layer === currentLayer(),
      label: `Explain at layer ${shortLayer(explanation.layer)}`,
      onSelect: () => selectLayer(explanation.layer),
    });
  });
  ui.sweep.replaceChildren(...sweepThumbs.map((thumb) => thumb.element));
}

function selectLayer(name) {
  state.layer = name === state.description.default_layer ? null : name;
  showLayerChoice();
  track(runView());
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
    context.imageSmoothingEnabled = panel.explanation.pictures.overlay.width >= 128;
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
    // An .onnx model takes its labels (.txt) and external data files (any name) along.
    const withModel = files.some(isOnnxFile) ? files.filter((file) => !isImageFile(file))
      : files.filter((file) => isModelFile(file) || /\.txt$/i.test(file.name));
    track(loadModelFiles(withModel));
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
    if (++depth === 1) {
      const training = view === 'training';
      ui.dropTitle.textContent = training ? 'Drop a training run' : view === 'audit' ? 'Drop a folder to audit' : 'Drop to explain';
      ui.dropDetail.textContent = training
        ? 'A run folder that camlens train wrote (timeline.json, epochs/, probes/): it is shown beside the run open now.'
        : view === 'audit' ? `A folder with one subfolder per class, named after the labels of ${state.modelId ? modelTitle() : 'the model'}.`
          : 'An image, or a model: model.json with its .bin files (and metadata.json).';
      ui.dropTarget.hidden = false;
    }
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
    if (view === 'training') trainingView.handleDrop(filesFromDrop(event.dataTransfer));
    else if (view === 'audit') auditView.handleDrop(filesFromDrop(event.dataTransfer));
    else handleFiles([...event.dataTransfer.files]);
  });
}

function setupPaste() {
  document.addEventListener('paste', (event) => {
    if (isEditable(event.target) || view !== 'explain') return;
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
    cropBox.setBox(state.defaultCrop);
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
    track(runView({ recolor: true }));
  });
  ui.opacity.addEventListener('input', () => {
    state.alpha = Number(ui.opacity.value) / 100;
    ui.opacityValue.textContent = `${ui.opacity.value}%`;
    track(runView({ recolor: true }));
  });
  ui.smooth.addEventListener('change', () => {
    state.smooth = ui.smooth.checked;
    track(runView({ recolor: true }));
  });
  ui.methodAddButton.addEventListener('click', addChosenPanel);
  ui.modelNote.addEventListener('click', () => showNotice(ui.modelNote.title));
  ui.moreClasses.addEventListener('click', () => {
    showAllClasses = ui.moreClasses.getAttribute('aria-expanded') !== 'true';
    showPrediction(state.prediction);  // the forward time stays as it is
  });
  ui.downloadGrid.addEventListener('click', () => track(downloadGrid().catch(showError)));
}

// ---- views: explain one image, or watch a training run ----

function setView(next, { focus = false } = {}) {
  view = next;
  for (const [name, tab] of Object.entries(ui.tabs)) {
    const selected = name === next;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    tab.classList.toggle('selected', selected);
  }
  ui.explainView.hidden = next !== 'explain';
  // The audit runs on the explain view's model, so its menu stays in sight there.
  // The Compare view has model menus of its own.
  ui.modelControls.hidden = next === 'training' || next === 'compare';
  trainingView.setVisible(next === 'training');
  auditView.setVisible(next === 'audit');
  compareView.setVisible(next === 'compare');
  document.body.dataset.view = next;
  if (focus) ui.tabs[next].focus();
  if (next === 'training' && engine && !trainingView.runs.some(Boolean) && !trainingView.loading.some(Boolean)) {
    trainingView.openUrl(DEFAULT_TIMELINE);
  }
  saveUrlState();
}

function setupTabs() {
  for (const [name, tab] of Object.entries(ui.tabs)) tab.addEventListener('click', () => setView(name));
  byId('tab-explain').parentElement.addEventListener('keydown', (event) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    event.preventDefault();
    const names = Object.keys(ui.tabs);
    const step = event.key === 'ArrowRight' ? 1 : names.length - 1;
    setView(names[(names.indexOf(view) + step) % names.length], { focus: true });
  });
}

// A training frame in the explain view: that epoch's snapshot explaining that probe image.
async function openSnapshot({ input, name, image }) {
  if (!engineReady()) throw new Error('camlens is still starting');
  await useModel(input, { id: 'custom', name, image });
  setView('explain');
  showNotice(`Explaining ${image.name} with ${name}: every method of the explain view applies. The Training tab goes back to the time-lapse.`);
}

// What the Compare view puts beside its second model: the explain view's model, photo, box and colours.
function compareScene() {
  if (!state.description || !state.image || !state.crop) return null;
  const title = state.modelId === 'custom' ? `Your model: ${modelTitle()}` : modelTitle();
  return { modelId: state.modelId, title, description: state.description, image: state.image, crop: state.crop,
    look: { colormap: state.colormap, alpha: state.alpha, smooth: state.smooth }, key: sceneKey(null, null) };
}

// An audited image in the explain view, with its folder's class chosen (classIndex null: the top one).
async function openAuditImage({ file, name, classIndex, label }) {
  if (!engineReady()) throw new Error('camlens is still starting');
  const image = await decodeImage(file, name);
  setView('explain');
  await useImage(image, { source: 'user', classIndex });
  if (classIndex !== null) showNotice(`Explaining ${name} as ${label}, the class of its folder. The Audit tab goes back to the report.`);
}

// ---- start: engine, model and first sample fetched in parallel ----

async function start() {
  setupControls();
  setupDropAnywhere();
  setupPaste();
  setupTabs();
  byId('image-limits').textContent = SIZE_LIMITS;
  restoring = readUrlState();
  const training = restoring;  // useModel clears `restoring` once the explain view has taken it
  trainingView = new TrainingView({ track, showError, showNotice, onOpenSnapshot: openSnapshot, onChange: saveUrlState });
  trainingView.setLook(restoring);
  liveTrainer = new LiveTrainer({ view: trainingView, showError, showNotice });
  auditView = new AuditView({ track, showError, showNotice, onOpenImage: openAuditImage, onChange: saveUrlState });
  auditView.setOptions({ method: restoring.auditMethod, layer: restoring.auditLayer });
  sanityView = new SanityView({
    track, shortLayer, showError, onChange: saveUrlState,
    scene: () => (state.description && state.crop ? {
      crop: state.crop, class: state.classIndex, layer: state.layer, model: modelTitle(), params: panelParams,
      colormap: state.colormap, alpha: state.alpha, smooth: state.smooth, key: sceneKey(),
    } : null),
  });
  compareView = new CompareView({
    root: byId('compare-view'), track, showError, scene: compareScene, selectModel: selectBuiltinModel,
    showExplain: () => setView('explain', { focus: true }),
  });
  if (training.view === 'compare') compareView.restore(training);
  if (['training', 'audit', 'compare'].includes(training.view)) setView(training.view);
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
  trainingView.setEngine(engine);
  liveTrainer.setEngine(engine);
  auditView.setEngine(engine);
  compareView.setEngine(engine);
  if (view === 'training') {
    trainingView.openUrl(training.timeline ?? DEFAULT_TIMELINE, { epoch: training.epoch ?? null });
    if (training.compare) trainingView.openUrl(training.compare, { slot: 1 });
  }
  visualizeView = new VisualizeView({ root: byId('visualize'), engine, track, onError: showError });
  sanityView.setEngine(engine);
  try {
    await useModel(modelInput, { id: modelId });
  } finally {
    restoring = null;
  }
  if (training.sanity && view === 'explain') track(sanityView.restore(training.sanity));
}

// The tests' window into the page: the engine and what each panel drew.
window.camlens = {
  whenIdle,
  get engine() { return engine; },
  get state() { return state; },
  panels: () => panels.map((panel) => ({ method: panel.method.name, explanation: panel.explanation, crop: state.crop,
    faithfulness: panel.faith.scores })),
  get lastView() { return lastView; },
  get faces() { return faceBoxes.faces; },
  setCrop: (box) => {
    cropBox.setBox(box);
    setCrop(cropBox.box);
  },
  get training() { return trainingView; },
  get liveTrainer() { return liveTrainer; },
  get audit() { return auditView; },
  get sanity() { return sanityView; },
  get compare() { return compareView; },
  get view() { return view; },
  get webcam() { return webcam; },
};

track(start().catch((error) => {
  ui.viewerEmpty.textContent = 'camlens could not start.';
  showError(`camlens could not start: ${error.message}`);
}));
