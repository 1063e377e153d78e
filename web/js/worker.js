// The Web Worker that owns the WebAssembly engine: the page never blocks on a forward or backward
// pass. It keeps the current model and image as engine handles (deleted as soon as they are
// replaced) and answers one request at a time; web/js/engine.js is the only module that talks to it.
//
// Messages in:  {id, type, args}
// Messages out: {id, progress: {fraction, stage}} while a slow call runs, then
//               {id, result} or {id, error: {name, message}}.
// Results are fresh copies out of WASM memory; their buffers are transferred, not copied again.
//
// Threads: on a cross-origin isolated page a threaded module (with NAME.worker.js for its thread
// workers) runs the engine on all the threads it prespawned (Module.maxThreads); elsewhere there is
// no shared memory, and the one-thread build (camlens-single.mjs) runs it. Of the threaded two,
// camlens.mjs multiplies with relaxed SIMD's fused multiply-add, which a browser may not accept;
// camlens-simd128.mjs is the same engine on SIMD128 alone.

import { RELAXED_SIMD_PROBE } from './relaxed-simd.js';

let camlens = null;
let model = null;  // camlens.Model
let image = null;  // camlens.Image
// An Int32Array over a SharedArrayBuffer: engine.js stores 1 in it to cancel the running call,
// which the progress callback reads between steps. null when the page is not cross-origin isolated.
let cancelFlag = null;

function moduleName() {
  if (!self.crossOriginIsolated) return 'camlens-single.mjs';
  return WebAssembly.validate(RELAXED_SIMD_PROBE) ? 'camlens.mjs' : 'camlens-simd128.mjs';
}

const MODULE_NAME = moduleName();
const MODULE_URL = `../engine/${MODULE_NAME}`;
const loading = import(MODULE_URL)
  .then(({ default: createCamlens }) => createCamlens())
  .then((module) => {
    module.setThreadCount(module.maxThreads ?? 1);
    camlens = module;
  });

function needModel() {
  if (!model) throw new Error('no model loaded: call loadModel first');
  return model;
}

function needImage() {
  if (!image) throw new Error('no image set: call setImage first');
  return image;
}

// The progress callback the engine calls between steps of call `id`; false cancels.
function progressOf(id) {
  return (fraction, stage) => {
    self.postMessage({ id, progress: { fraction, stage } });
    return !cancelFlag || Atomics.load(cancelFlag, 0) === 0;
  };
}

// The engine's description, in the contract's shape (see /work/bridge-api.md).
function description(info) {
  const [height, width, channels] = info.inputShape;
  const explainable = new Set(info.explainable);
  return {
    labels: info.labels,
    input: { height, width, channels, color: info.metadata.input.color },
    defaultLayer: info.defaultLayer,
    defaultCrop: info.metadata.crop,
    metadata: info.metadata,
    layers: info.nodes.slice(1).map(({ name, kind, inputs, shape, spatial }) =>
      ({ name, kind, inputs, shape, spatial, explainable: explainable.has(name) })),
    methods: info.methods,
  };
}

// Wall time of the whole call, beside the engine's own per-step timings.
function withTotal(call) {
  const start = performance.now();
  const result = call();
  const total = performance.now() - start;
  for (const explanation of Array.isArray(result) ? result : [result]) explanation.timings.total = total;
  return result;
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
  loadModel({ modelJson, shards, metadataJson }) {
    const next = new camlens.Model(modelJson, shards, metadataJson ?? '');
    let described;
    try {
      described = description(next.describe());
    } catch (error) {
      next.delete();
      throw error;
    }
    model?.delete();
    model = next;
    return described;
  },
  setImage({ width, height, data }) {
    const next = new camlens.Image(data, width, height);
    image?.delete();
    image = next;
    return { width, height };
  },
  methods({ layer }) {
    return needModel().methods(layer ?? '');
  },
  predict({ crop, top }) {
    return needModel().predict(needImage(), crop ?? null, top ?? 5);
  },
  explain(options, id) {
    return withTotal(() => needModel().explain(needImage(), options, progressOf(id)));
  },
  explainMany(options, id) {
    return withTotal(() => needModel().explainMany(needImage(), options, progressOf(id)));
  },
  topK(options) {
    return withTotal(() => needModel().topK(needImage(), options));
  },
  layerSweep(options) {
    return withTotal(() => needModel().layerSweep(needImage(), options));
  },
  render(options) {
    return needModel().render(needImage(), options);
  },
  activationMaximization(options, id) {
    return needModel().activationMaximization(options, progressOf(id));
  },
  heapBytes() {
    return camlens.heapBytes();
  },
};

// Every ArrayBuffer inside a result, to transfer rather than copy.
function buffersOf(value, found = new Set()) {
  if (ArrayBuffer.isView(value)) {
    found.add(value.buffer);
  } else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) buffersOf(item, found);
  }
  return found;
}

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
