// The Web Worker that owns the WebAssembly engine: the page never blocks on a forward or backward
// pass. It keeps one camlens.Explainer (the model, the image, the crop and the maps already made)
// and answers one request at a time; web/js/engine.js is the only module that talks to it.
//
// Beside the Explainer it keeps one camlens.Training (live training: its data, probes and run) and
// the snapshot of the run's last finished epoch, which a cancelled epoch leaves usable. A dataset
// audit runs on a camlens.Audit of its own, made from the model loaded last and deleted when it ends.
// Faithfulness metrics and sanity checks run on a camlens.Evaluation of the model loaded last (its
// own copy: a sanity check randomises parameters), made on first use, on the photo shown last.
// The Compare view's second model is a second camlens.Explainer, shown the same photo. The webcam's
// frames run on an Explainer of their own of the model loaded last, so the explain view's photo stays.
//
// Messages in:  {id, type, args}
// Messages out: {id, loaded: {model, image}} once a model or photo is in, {id, progress: {fraction,
//               stage, stage_fraction (a view's slow method alone)}} and {id, part} while a view
//               runs, then
//               {id, result} or {id, error: {name, message}}.
// Results and parts are in the result schema (docs/result.schema.json); their typed arrays are
// fresh copies out of WASM memory, so their buffers are transferred, not copied again.
//
// Threads: on a cross-origin isolated page a threaded module (with NAME.worker.js for its thread
// workers) runs the engine on all the threads it prespawned (Module.maxThreads); elsewhere there is
// no shared memory, and the one-thread build (camlens-single.mjs) runs it. Of the threaded two,
// camlens.mjs multiplies with relaxed SIMD's fused multiply-add, which a browser may not accept;
// camlens-simd128.mjs is the same engine on SIMD128 alone.

import { RELAXED_SIMD_PROBE } from './relaxed-simd.js';
import { decode } from './decode.js';
import { formatOf, imageSize, jpegLooksTruncated } from './image-format.js';
import { FaceFinder, LIVE_DETECTOR, PHOTO_DETECTOR, faceCropScale, isFaceModel, viewOrigin } from './face-finder.js';

let camlens = null;
let explainer = null;  // camlens.Explainer
let training = null;   // camlens.Training
let lastSnapshot = null;  // {epoch, modelJson, weightsFile, weights}: the run's last finished epoch
let currentModel = null;  // {modelJson, shards, metadataJson} or {onnx, metadataJson, external}: the explainer's model, which an audit loads again
let evaluation = null;    // camlens.Evaluation of currentModel, or null until the page asks for one
let photoFaceFinder = null;  // BlazeFace (back camera) for a face model's photos (face-finder.js), made on first use
let liveFaceFinder = null;   // BlazeFace (front camera) for a face model's webcam frames, made on first use
let faceScale = null;     // the explainer's model starts on a face framed this wide (face-finder.js); null: not a face model
let faceOrigin = null;    // for a face model: its photo's faces and the crop they give (face-finder.js)
let compared = null;       // camlens.Explainer of the Compare view's second model
let comparedImage = null;  // the photo `compared` was shown last: currentImage once it caught up
let comparedFaceScale = null;  // as faceScale, for the compared model
let live = null;           // {model, explainer}: the webcam's own camlens.Explainer of currentModel
// An Int32Array over a SharedArrayBuffer: engine.js stores 1 in it to cancel the running call,
// which the progress callback reads between steps. null when the page is not cross-origin isolated.
let cancelFlag = null;

function moduleName() {
  if (!self.crossOriginIsolated) return 'camlens-single.mjs';
  return WebAssembly.validate(RELAXED_SIMD_PROBE) ? 'camlens.mjs' : 'camlens-simd128.mjs';
}

const MODULE_NAME = moduleName();
const loading = import(`../engine/${MODULE_NAME}`)
  .then(({ default: createCamlens }) => createCamlens())
  .then((module) => {
    module.setThreadCount(module.maxThreads ?? 1);
    camlens = module;
  });

function needExplainer() {
  if (!explainer) throw new Error('no model loaded: call loadModel first');
  return explainer;
}

// Every ArrayBuffer inside a result, to transfer rather than copy.
function buffersOf(value, found = new Set()) {
  if (ArrayBuffer.isView(value)) {
    found.add(value.buffer);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) buffersOf(item, found);
  }
  return found;
}

// The progress callback the engine calls between steps of call `id`; false cancels.
function progressOf(id) {
  return (fraction, stage, stageFraction = -1) => {
    self.postMessage({ id, progress: { fraction, stage, ...(stageFraction >= 0 ? { stage_fraction: stageFraction } : {}) } });
    return !cancelFlag || Atomics.load(cancelFlag, 0) === 0;
  };
}

// A model descriptor (act's: model.json with its shards, or an .onnx file) as a new Explainer.
function explainerOf({ modelJson, shards, onnx, metadataJson, external }) {
  return onnx ? camlens.Explainer.fromOnnx(onnx, metadataJson ?? '', external ?? [])
    : new camlens.Explainer(modelJson, shards, metadataJson ?? '');
}

// A new model replaces the current one only once it loaded, and with the photo given (or the
// current one) set: a model or photo that fails leaves the page's engine as it was.
function withModel({ modelJson, shards, onnx, metadataJson, external }, image) {
  const next = explainerOf({ modelJson, shards, onnx, metadataJson, external });
  try {
    const description = next.describe();
    const photo = image ?? currentImage;
    const shown = photo ? next.setImage(photo.data, photo.width, photo.height) : null;
    explainer?.delete();
    explainer = next;
    currentModel = { modelJson, shards, onnx, metadataJson, external };
    evaluation?.delete();
    evaluation = null;
    return { description, shown };
  } catch (error) {
    next.delete();
    throw error;
  }
}
let currentImage = null;  // {width, height, data}: what a new model is shown

// ---- live training ----

// Debian's dataset-fashion-mnist, as tools/serve.mjs serves it.
const FASHION_MNIST = new URL('../datasets/fashion-mnist/', import.meta.url);
const FASHION_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
const FASHION_MISSING = 'Fashion-MNIST is not on this server: install it with `apt-get install dataset-fashion-mnist` ' +
  'and reload, or drop a folder of class subfolders on the Train panel';

async function gunzipped(name) {
  const response = await fetch(new URL(`${name}.gz`, FASHION_MNIST)).catch(() => null);
  if (!response?.ok) throw new Error(FASHION_MISSING);
  const stream = response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function cancelled() {
  return cancelFlag !== null && Atomics.load(cancelFlag, 0) !== 0;
}

function cancelledError(what) {
  return Object.assign(new Error(`${what} was cancelled`), { name: 'CancelledError' });
}

// A new Training in place of the current one (and its run) once `fill` gave it data.
async function withTraining(fill) {
  const next = new camlens.Training();
  try {
    const summary = await fill(next);
    training?.delete();
    training = next;
    lastSnapshot = null;
    return { summary, probes: next.probes() };
  } catch (error) {
    next.delete();
    throw error;
  }
}

// Why a file cannot be a training image, in skipFile's terms, or null when it may be one.
function refusal(bytes, name) {
  if (!formatOf(bytes)) return { reason: 'not an image', detail: `'${name}' starts like no PNG, JPEG, GIF, WebP or BMP file` };
  if (jpegLooksTruncated(bytes)) return { reason: 'unreadable', detail: `'${name}' is a damaged JPEG: the file ends before the image does` };
  return null;
}

// A listed file decoded into RGBA, or an Error whose `reason` is skipFile's ('not an image', 'too
// large' or 'unreadable').
async function decodeFile(file, name) {
  if (!file) throw Object.assign(new Error(`'${name}' was not among the files given`), { reason: 'unreadable' });
  const bytes = new Uint8Array(await file.arrayBuffer());
  const refused = refusal(bytes, name);
  if (refused) throw Object.assign(new Error(refused.detail), { reason: refused.reason });
  const size = imageSize(bytes) ?? {};
  try {
    return await decode({ blob: file, name, ...size });
  } catch (error) {
    throw Object.assign(error, { reason: /megapixels/.test(error.message) ? 'too large' : 'unreadable' });
  }
}

// Decodes the folder's planned files one by one into the Training, each skipped one with its reason.
async function readFolder(next, files, id) {
  const planned = next.planFolder(files.listing, files.options);
  self.postMessage({ id, loaded: { planned } });
  const byName = new Map(files.entries.map(({ name, file }) => [name, file]));
  let done = 0;
  for (let name = next.nextFile(); name !== null; name = next.nextFile()) {
    if (cancelled()) throw cancelledError('reading the folder');
    try {
      const image = await decodeFile(byName.get(name), name);
      next.addImage(image.data, image.width, image.height);
    } catch (error) {
      next.skipFile(error.reason ?? 'unreadable', error.message);
    }
    self.postMessage({ id, progress: { fraction: ++done / planned.files, stage: 'reading images' } });
  }
  return next.finishData();
}

// ---- the dataset audit ----

// Every file audited in turn (decoded here, explained by the engine), then the summary and the
// report with its example images decoded again: only the images' small maps are kept meanwhile.
async function auditFolder({ files, skipped, options }, id) {
  if (!currentModel) throw new Error('no model loaded: wait for the explain view\'s model, then audit');
  const audit = new camlens.Audit(currentModel, options);
  try {
    for (const file of skipped) audit.skipFile(file.file, file.reason);
    let unreadable = 0;
    for (const [i, { name, folder, file }] of files.entries()) {
      if (cancelled()) throw cancelledError('the audit');
      let image = null;
      try {
        image = await decodeFile(file, name);
      } catch (error) {
        audit.skipFile(name, error.message);
        ++unreadable;
      }
      if (image) audit.addImage(image.data, image.width, image.height, name, folder);
      self.postMessage({ id, progress: { fraction: (i + 1) / files.length, stage: 'auditing', done: i + 1, unreadable } });
    }
    self.postMessage({ id, progress: { fraction: 1, stage: 'summarising', done: files.length, unreadable } });
    const json = audit.finish();
    const byName = new Map(files.map(({ name, file }) => [name, file]));
    const shown = new Set(JSON.parse(json).classes.flatMap((c) => c.clusters.flatMap((cluster) => cluster.examples)));
    const examples = [];
    for (const name of shown) {
      if (cancelled()) throw cancelledError('the audit');
      const image = await decodeFile(byName.get(name), name).catch(() => null);  // the report shows its map alone
      if (image) examples.push({ file: name, rgba: image.data, width: image.width, height: image.height });
    }
    return { json, report: audit.report(examples) };
  } finally {
    audit.delete();
  }
}

// ---- faithfulness and sanity checks ----

function needEvaluation() {
  if (!currentModel || !currentImage) throw new Error('no model and photo loaded yet: wait for the explain view, then ask again');
  evaluation ??= new camlens.Evaluation(currentModel);
  return evaluation;
}

// ---- Compare: two models on the same photo and crop ----

// The compared model replaces the last one only once it loaded and took the photo.
function withComparedModel(model) {
  const next = explainerOf(model);
  try {
    const description = next.describe();
    if (currentImage) next.setImage(currentImage.data, currentImage.width, currentImage.height);
    compared?.delete();
    compared = next;
    comparedImage = currentImage;
    comparedFaceScale = isFaceModel(description) ? faceCropScale(camlens, description) : null;
    return description;
  } catch (error) {
    next.delete();
    throw error;
  }
}

// The square `scale` makes around the face whose square `crop` is in the explain view's photo; null
// when `crop` is no detected face's or `scale` is null (not a face model).
async function sameFaceFor(crop, scale) {
  if (!faceOrigin?.faces || scale === null || !crop) return null;
  const { face } = viewOrigin(faceOrigin, crop);
  if (face === undefined) return null;
  const framed = await photoFaceFinder.originOf(currentImage, crop, scale);
  return framed.faces?.[face]?.crop ?? null;
}

// The compared model, shown the explain view's photo if that changed since.
function needCompared() {
  if (!compared) throw new Error('no second model loaded: choose one in the Compare view first');
  if (!currentImage) throw new Error('no photo loaded yet: wait for the explain view, then compare');
  if (comparedImage !== currentImage) {
    compared.setImage(currentImage.data, currentImage.width, currentImage.height);
    comparedImage = currentImage;
  }
  return compared;
}

// Row `row`'s views and progress, as parts of call `id`: each row is half of the call's progress.
function compareRow(explainer, request, row, id) {
  const progress = progressOf(id);
  const part = (piece) => self.postMessage({ id, part: { row, part: piece } }, [...buffersOf(piece)]);
  return explainer.view(request, (fraction, stage) => progress((row + fraction) / 2, stage), part);
}

// ---- the webcam: each frame on an Explainer of its own, so the explain view's photo stays ----

function needLiveExplainer() {
  if (!currentModel) throw new Error('no model loaded yet: wait for the explain view\'s model, then start the webcam');
  if (live?.model !== currentModel) {
    live?.explainer.delete();
    live = null;  // a model that fails to load leaves no deleted Explainer behind
    live = { model: currentModel, explainer: explainerOf(currentModel) };
  }
  return live.explainer;
}

function needTraining() {
  if (!training) throw new Error('no training data yet: choose Fashion-MNIST or a folder first');
  return training;
}

const handlers = {
  init({ cancelBuffer }) {
    cancelFlag = cancelBuffer ? new Int32Array(cancelBuffer) : null;
    return { cancellable: cancelFlag !== null, threads: camlens.threadCount(), maxThreads: camlens.maxThreads ?? 1,
             module: MODULE_NAME };
  },
  setThreads({ threads }) {
    camlens.setThreadCount(threads);
    return { threads: camlens.threadCount() };
  },
  // One user action, in one message: a model to load, a photo to show, a view to compute (each
  // optional, in that order). -> {model (its description), image ({width, height, crop}), view}
  // A face model's image also carries face-finder.js's origin (its crop is then the best face's),
  // the new photo's view, unless it asks for a crop, explains that crop, and every view says where
  // its crop came from.
  async act({ model, image, view }, id) {
    const out = {};
    if (model) {
      const { description, shown } = withModel(model, image);
      out.model = description;
      faceScale = isFaceModel(description) ? faceCropScale(camlens, description) : null;
      if (shown) out.image = shown;
    } else if (image) {
      out.image = needExplainer().setImage(image.data, image.width, image.height);
    }
    if (image) currentImage = image;
    if (model || image) faceOrigin = null;
    if ((model || image) && faceScale !== null && out.image) {
      photoFaceFinder ??= new FaceFinder(camlens, PHOTO_DETECTOR);
      faceOrigin = await photoFaceFinder.originOf(currentImage, out.image.crop, faceScale);
      out.image = { ...out.image, ...faceOrigin };
    }
    // The page sets up its panels and crop box from these before the view's parts arrive.
    if (model || image) self.postMessage({ id, loaded: { model: out.model, image: out.image } });
    if (view) {
      const part = (piece) => self.postMessage({ id, part: piece }, [...buffersOf(piece)]);
      const onFace = faceOrigin && (model || image) && !view.crop;
      out.view = needExplainer().view(onFace ? { ...view, crop: faceOrigin.crop } : view, progressOf(id), part);
      if (faceOrigin) Object.assign(out.view, viewOrigin(faceOrigin, out.view.crop));
    }
    return out;
  },
  // One webcam frame ({width, height, data}) on the explain view's model, without touching its
  // photo: a face model's crop is the frame's best face (found by the front-camera detector, made
  // for faces near the camera and fast enough for every frame), any other model's its default box.
  // -> {view (kind "view", with the face origin's fields for a face model), detect_ms}
  async liveFrame({ image, view }) {
    const frameExplainer = needLiveExplainer();
    const shown = frameExplainer.setImage(image.data, image.width, image.height);
    let origin = null;
    const started = performance.now();
    if (faceScale !== null) {
      liveFaceFinder ??= new FaceFinder(camlens, LIVE_DETECTOR);
      origin = await liveFaceFinder.originOf(image, shown.crop, faceScale);
    }
    const detectMs = performance.now() - started;
    const result = frameExplainer.view({ ...view, crop: origin?.crop ?? shown.crop });
    if (origin) Object.assign(result, viewOrigin(origin, result.crop));
    return { view: result, detect_ms: detectMs };
  },
  // The webcam stopped: its copy of the model goes, the explain view's stays. -> {released}
  endLive() {
    const released = live !== null;
    live?.explainer.delete();
    live = null;
    return { released };
  },
  // Needs no model: the maps come drawn over the images given, one colormap for every view.
  renderMaps({ maps, images, look }) {
    return maps.map(({ raw, width, height, image }) => {
      const picture = images[image];
      if (!picture) throw new Error(`renderMaps: no image ${image} among the ${images.length} given`);
      return camlens.renderMap(raw, width, height, picture.data, picture.width, picture.height, look);
    });
  },
  visualize(options, id) {
    return needExplainer().visualize(options, progressOf(id));
  },

  // The Compare view's second model: {model} as act's -> its description (kind "model"); a model
  // that fails to load leaves the compared one as it was.
  compareModel({ model }) {
    return withComparedModel(model);
  },
  // Both models on the explain view's photo: first (a view request) on its model, second on the
  // compared one. Parts come as {row, part}. -> {first, second} (kind "view")
  // When row A's box is a detected face and the compared model is a face model too, row B sees the
  // same face framed as its own metadata asks (its crop then differs from A's).
  async compare({ first, second }, id) {
    const main = needExplainer();
    const other = needCompared();
    const crop = await sameFaceFor(first.crop, comparedFaceScale);
    return { first: compareRow(main, first, 0, id), second: compareRow(other, crop ? { ...second, crop } : second, 1, id) };
  },

  // Training data: {source: 'fashion-mnist'} (fetched from this server), or {source: 'folder',
  // listing, options, entries: [{name, file}]} (the listing's names with their Files; onLoaded
  // receives {planned}: the classes and counts before any decoding). -> {summary, probes}
  trainingData({ source, listing, options, entries }, id) {
    if (source === 'fashion-mnist') {
      return withTraining(async (next) => next.useIdx(...await Promise.all(FASHION_FILES.map(gunzipped))));
    }
    if (source === 'folder') return withTraining((next) => readFolder(next, { listing, options, entries }, id));
    throw new Error(`trainingData: the source must be 'fashion-mnist' or 'folder', got '${source}'`);
  },
  // A new run on the data and probes: train/session.h's settings. -> {timeline, stepsPerEpoch}
  trainingStart(settings) {
    const started = needTraining().start(settings);
    lastSnapshot = null;
    return started;
  },
  // The next epoch, with progress -> {entry, snapshot, epochsDone, finished}; a CancelledError when
  // cancelled (the run is then back after its last finished epoch).
  trainingEpoch(_, id) {
    const result = needTraining().epoch(progressOf(id));
    if (result === null) throw cancelledError('the epoch');
    const { snapshot } = result;
    lastSnapshot = { ...snapshot, epoch: result.entry.epoch, weights: snapshot.weights.slice() };
    return result;
  },
  // The last finished epoch's model (a copy), or null before the first epoch ends.
  trainingSnapshot() {
    return lastSnapshot && { ...lastSnapshot, weights: lastSnapshot.weights.slice() };
  },
  // The run's timeline.json text.
  trainingTimeline() {
    return needTraining().timeline();
  },

  // A dataset audit on the model loaded last: files [{name (relative to the folder), folder (its
  // class folder), file}], skipped [{file, reason}] (left out while listing), options (the Audit's:
  // method, layer, model, data). Progress carries {done, unreadable}. -> {json, report}: the texts
  // of audit.json and report.html, as `camlens audit` writes them.
  audit(request, id) {
    return auditFolder(request, id);
  },

  // The faithfulness metrics of maps of the photo shown: a view request's crop, class, layer and
  // methods, plus baselines, metrics, seed, step, batch_size and model (the Evaluation's). -> kind "evaluation"
  evaluate(request, id) {
    return needEvaluation().evaluate(currentImage, request, progressOf(id));
  },
  // The sanity cascade of one method's map of the photo shown -> {document (kind "evaluation"),
  // pictures: {original, cascading}}
  sanity(request, id) {
    return needEvaluation().sanity(currentImage, request, progressOf(id));
  },
};

self.onmessage = async ({ data: { id, type, args } }) => {
  try {
    await loading;
    const handler = handlers[type];
    if (!handler) throw new Error(`worker: unknown request '${type}'`);
    const result = await handler(args ?? {}, id);
    self.postMessage({ id, result }, [...buffersOf(result)]);
  } catch (error) {
    const { name = 'Error', message = String(error) } = error instanceof Error ? error : {};
    self.postMessage({ id, error: { name, message } });
  }
};
