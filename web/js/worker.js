// The Web Worker that owns the WebAssembly engine: the page never blocks on a forward or backward
// pass. It keeps one camlens.Explainer (the model, the image, the crop and the maps already made)
// and answers one request at a time; web/js/engine.js is the only module that talks to it.
//
// Messages in:  {id, type, args}
// Messages out: {id, loaded: {model, image}} once a model or photo is in, {id, progress: {fraction,
//               stage}} and {id, part} while a view runs, then
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

let camlens = null;
let explainer = null;  // camlens.Explainer
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
  return (fraction, stage) => {
    self.postMessage({ id, progress: { fraction, stage } });
    return !cancelFlag || Atomics.load(cancelFlag, 0) === 0;
  };
}

// A new model replaces the current one only once it loaded, and with the photo given (or the
// current one) set: a model or photo that fails leaves the page's engine as it was.
function withModel({ modelJson, shards, metadataJson }, image) {
  const next = new camlens.Explainer(modelJson, shards, metadataJson ?? '');
  try {
    const description = next.describe();
    const photo = image ?? currentImage;
    const shown = photo ? next.setImage(photo.data, photo.width, photo.height) : null;
    explainer?.delete();
    explainer = next;
    return { description, shown };
  } catch (error) {
    next.delete();
    throw error;
  }
}
let currentImage = null;  // {width, height, data}: what a new model is shown

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
  act({ model, image, view }, id) {
    const out = {};
    if (model) {
      const { description, shown } = withModel(model, image);
      out.model = description;
      if (shown) out.image = shown;
    } else if (image) {
      out.image = needExplainer().setImage(image.data, image.width, image.height);
    }
    if (image) currentImage = image;
    // The page sets up its panels and crop box from these before the view's parts arrive.
    if (model || image) self.postMessage({ id, loaded: { model: out.model, image: out.image } });
    if (view) {
      const part = (piece) => self.postMessage({ id, part: piece }, [...buffersOf(piece)]);
      out.view = needExplainer().view(view, progressOf(id), part);
    }
    return out;
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
};

self.onmessage = async ({ data: { id, type, args } }) => {
  try {
    await loading;
    const handler = handlers[type];
    if (!handler) throw new Error(`worker: unknown request '${type}'`);
    const result = handler(args ?? {}, id);
    self.postMessage({ id, result }, [...buffersOf(result)]);
  } catch (error) {
    const { name = 'Error', message = String(error) } = error instanceof Error ? error : {};
    self.postMessage({ id, error: { name, message } });
  }
};
