// The one main-thread module that talks to the engine. The WebAssembly module lives in a Web Worker
// (worker.js); every call here is a Promise, and requests run one at a time in the order they were
// made. A page makes one request per user action: a view request returns everything the view shows
// (docs/result.schema.json), streamed in parts as they are ready.
//
// Cancelling: when the page is cross-origin isolated, a SharedArrayBuffer flag that the engine's
// progress callback reads stops a slow method between two steps. Otherwise the worker is
// terminated and a new one started, re-loading the model and image from the bytes kept here.
const WORKER_URL = new URL('./worker.js', import.meta.url);

function cancelledError(what) {
  const error = new Error(`${what} was cancelled`);
  error.name = 'CancelledError';
  return error;
}

function errorFrom({ name, message }) {
  const error = new Error(message);
  error.name = name;
  return error;
}

class Engine {
  #worker = null;
  #cancelFlag = null;  // Int32Array over a SharedArrayBuffer, or null
  #queue = [];         // jobs not yet sent to the worker
  #running = null;     // the job the worker is working on
  #nextId = 1;
  #kept = { model: null, image: null, compared: null };  // what a restarted worker loads again
  #ready = false;  // the module loaded once: a failing worker is restarted from then on
  #terminated = false;
  #threads = { threads: 1, maxThreads: 1 };  // the engine's thread count, and the most it can run
  #moduleName = null;  // the build the worker loaded: camlens.mjs, camlens-simd128.mjs or camlens-single.mjs
  #requests = 0;  // requests posted to the worker, restarts excluded: one per user action

  constructor() {
    if (globalThis.crossOriginIsolated && typeof SharedArrayBuffer === 'function') {
      this.#cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    }
  }

  // Starts the worker; resolves once the WebAssembly module is ready.
  start() {
    this.#startWorker();
    return this.#submit('init', { cancelBuffer: this.#cancelFlag?.buffer ?? null }).promise.then(({ threads, maxThreads, module }) => {
      this.#threads = { threads, maxThreads };
      this.#moduleName = module;
      this.#ready = true;
    });
  }

  // How many threads the engine runs on (all it has when the page is cross-origin isolated, else 1),
  // and the most it can run.
  get threads() { return this.#threads.threads; }
  get maxThreads() { return this.#threads.maxThreads; }
  // Which WebAssembly build runs the engine (web/js/worker.js picks it from what the browser offers).
  get moduleName() { return this.#moduleName; }

  // Runs the engine on `threads` threads (1 .. maxThreads; results do not change, only the speed).
  setThreads(threads) {
    return this.#submit('setThreads', { threads }).promise.then((result) => {
      this.#threads.threads = result.threads;
      return result.threads;
    });
  }

  // How many requests the page made of the worker (a test counts them per user action).
  get requests() { return this.#requests; }

  // One user action in one request: {model, image, view}, each optional, done in that order.
  //   model: {modelJson, shards: [{name, bytes}], metadataJson} -> result.model, its description
  //          (kind "model"); a model that fails to load leaves the last one, with its photo.
  //   image: {width, height, data: RGBA bytes} -> result.image, {width, height, crop}: crop is
  //          the model's default box of it. A new model without an image is shown the last photo.
  //          A face model's also has crop_source, faces (each with its square crop), face and
  //          warnings (web/js/face-finder.js): its default box is then the best face's.
  //   view:  what the view shows (explain/request_json.h lists the fields: crop, class, layer,
  //          methods, top_k, layer_sweep, colormap, alpha, smooth, max_side, thumbnail_side...)
  //          -> result.view (kind "view"); onPart(part) receives the prediction, the fast maps, the
  //          strips and each slow method's maps as they are ready.
  // onLoaded({model, image}) is called once the model and photo are in, before any part.
  // -> {promise, cancel()}
  act({ model = null, image = null, view = null }, { onProgress, onPart, onLoaded } = {}) {
    const args = { model, image: image && { width: image.width, height: image.height, data: new Uint8ClampedArray(image.data) }, view };
    const job = this.#submit('act', args, onProgress, onPart, onLoaded);
    job.promise = job.promise.then((result) => {
      if (model) this.#kept.model = model;
      if (args.image) this.#kept.image = args.image;
      return result;
    });
    return job;
  }

  loadModel(model) {
    return this.act({ model }).promise.then((result) => result.model);
  }

  setImage(image) {
    return this.act({ image }).promise.then((result) => result.image);
  }

  view(request, callbacks = {}) {
    const job = this.act({ view: request }, callbacks);
    return { promise: job.promise.then((result) => result.view), cancel: job.cancel };
  }

  // Activation maximisation: {class} or {layer, channel}, steps, start, seed.
  // -> {promise ({width, height, rgba, initial_objective, final_objective}), cancel()}
  visualize(options, { onProgress } = {}) {
    return this.#submit('visualize', options, onProgress);
  }

  // Maps kept at their layer's resolution (a training timeline's) drawn as a view draws its maps:
  // maps: [{raw (numbers, row-major), width, height, image (an index into images)}]; images:
  // [{width, height, data: RGBA bytes}]; look: a view request's colormap, alpha, smooth, max_side.
  // -> {promise ([{heatmap, overlay}] in the maps' order, each {width, height, rgba}), cancel()}
  renderMaps(maps, images, look) {
    return this.#submit('renderMaps', { maps, images, look });
  }

  // One webcam frame ({width, height, data: RGBA bytes}) explained by the explain view's model on a
  // copy of its own, so the explain view's photo and maps stay: view is a view request without its
  // crop (a face model's is the frame's best face, as for a photo; another model's, its default
  // box). The frame's bytes are transferred, not copied. -> {promise ({view, detect_ms}), cancel()}
  liveFrame(image, view) {
    return this.#submit('liveFrame', { image, view }, undefined, undefined, undefined, [image.data.buffer]);
  }

  // The webcam stopped: the worker frees liveFrame's copy of the model. -> {promise ({released}), cancel()}
  endLive() {
    return this.#submit('endLive', {});
  }

  // The model the explain view's explainer holds: the model act() was given last.
  get model() { return this.#kept.model; }

  // ---- Compare: a second model beside the explain view's, on its photo ----

  // Loads `model` (as act's) as the compared model and shows it the explain view's photo; a model
  // that fails to load leaves the compared one, and the explain view's, as they were.
  // -> {promise (its description, kind "model"), cancel()}
  loadComparedModel(model) {
    const job = this.#submit('compareModel', { model });
    job.promise = job.promise.then((description) => {
      this.#kept.compared = model;
      return description;
    });
    return job;
  }

  // Both models' views of the explain view's photo in one request: `first` (a view request) runs on
  // the explain view's model, `second` on the compared one. onPart({row (0 or 1), part}) as parts
  // are ready; onProgress(fraction, stage) over both. -> {promise ({first, second}: kind "view"), cancel()}
  compare({ first, second }, { onProgress, onPart } = {}) {
    return this.#submit('compare', { first, second }, onProgress, onPart);
  }

  // ---- live training (one Training in the worker: its data, probes and current run) ----

  // Fashion-MNIST from this server -> {promise ({summary, probes}), cancel()}
  trainOnFashionMnist({ onProgress } = {}) {
    return this.#submit('trainingData', { source: 'fashion-mnist' }, onProgress);
  }

  // A folder the page listed: listing (train/session.h's), options ({input, validation_fraction,
  // seed}), entries [{name, file}] naming each listed file's File. onPlanned(planned) receives the
  // classes and counts before any decoding, onProgress(fraction) the share of files read.
  // -> {promise ({summary, probes}), cancel()}
  trainOnFolder({ listing, options, entries }, { onPlanned, onProgress } = {}) {
    return this.#submit('trainingData', { source: 'folder', listing, options, entries }, onProgress, undefined,
      ({ planned }) => onPlanned?.(planned));
  }

  // A new run on the data and probes given last -> {promise ({timeline, stepsPerEpoch}), cancel()}
  startTraining(settings) {
    return this.#submit('trainingStart', settings);
  }

  // The run's next epoch; onProgress(fraction) within it. A cancelled epoch leaves the run after the
  // epoch before it. -> {promise ({entry, snapshot: {modelJson, weightsFile, weights}, epochsDone,
  // finished}), cancel()}
  trainEpoch({ onProgress } = {}) {
    return this.#submit('trainingEpoch', {}, onProgress);
  }

  // The run's last finished epoch's model, kept by the worker -> {epoch, modelJson, weightsFile, weights} or null
  trainingSnapshot() {
    return this.#submit('trainingSnapshot', {}).promise;
  }

  // The run's timeline.json text
  trainingTimeline() {
    return this.#submit('trainingTimeline', {}).promise;
  }

  // ---- the dataset audit ----

  // Audits a folder the page listed with the model loaded last (an Explainer of its own: the explain
  // view's image stays): files [{name, folder, file}], skipped [{file, reason}] (files left out
  // while listing), options {method, layer, model, data}. onProgress(fraction, stage, {done,
  // unreadable}) after each file. -> {promise ({json, report}: audit.json's and report.html's text), cancel()}
  audit({ files, skipped, options }, { onProgress } = {}) {
    return this.#submit('audit', { files, skipped, options }, onProgress);
  }

  // ---- faithfulness (the explain view's photo, on a model of its own in the worker) ----

  // Deletion, insertion, ROAD and confidence change of maps of the photo shown: request is a view
  // request's crop, class, layer and methods, plus baselines (true: the random and Sobel maps too),
  // metrics, seed and model (the name the result gives it). onProgress(fraction, stage) as it goes.
  // -> {promise (kind "evaluation", as `camlens evaluate --json` writes it), cancel()}
  evaluate(request, { onProgress } = {}) {
    return this.#submit('evaluate', request, onProgress);
  }

  // The sanity cascade of one method's map: its layers randomised from the output down (seeded),
  // the map made again after each; request as evaluate's with one method, plus the look (colormap,
  // alpha, smooth, max_side) the maps are drawn in. -> {promise ({document: kind "evaluation",
  // pictures: {original, cascading: [...]}}), cancel()}
  sanity(request, { onProgress } = {}) {
    return this.#submit('sanity', request, onProgress);
  }

  terminate() {
    this.#terminated = true;
    this.#worker.terminate();
    const error = new Error('the engine was terminated');
    for (const job of [this.#running, ...this.#queue]) job?.reject(error);
    this.#running = null;
    this.#queue = [];
  }

  #startWorker() {
    this.#worker = new Worker(WORKER_URL, { type: 'module' });
    this.#worker.onmessage = ({ data }) => this.#onMessage(data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      const error = new Error(`the engine's worker failed: ${event.message || 'it could not load the engine module'}`);
      if (this.#ready) {
        this.#restart(error);
      } else {
        this.#running?.reject(error);
        this.terminate();
      }
    };
  }

  #submit(type, args, onProgress, onPart, onLoaded, transfer = []) {
    if (this.#terminated) return { promise: Promise.reject(new Error('the engine was terminated')), cancel() {} };
    if (type !== 'init') ++this.#requests;
    const job = { id: this.#nextId++, type, args, onProgress, onPart, onLoaded, transfer, settled: false };
    job.promise = new Promise((resolve, reject) => {
      job.resolve = (value) => { job.settled = true; resolve(value); };
      job.reject = (error) => { job.settled = true; reject(error); };
    });
    this.#queue.push(job);
    this.#pump();
    return { promise: job.promise, cancel: () => this.#cancel(job) };
  }

  #pump() {
    if (this.#running || this.#queue.length === 0) return;
    const job = this.#queue.shift();
    this.#running = job;
    if (this.#cancelFlag) Atomics.store(this.#cancelFlag, 0, 0);
    this.#worker.postMessage({ id: job.id, type: job.type, args: job.args }, job.transfer ?? []);
  }

  #onMessage({ id, progress, loaded, part, result, error }) {
    const job = this.#running;
    if (!job || job.id !== id) return;  // from a job cancelled with its worker
    if (progress) {
      if (!job.settled) job.onProgress?.(progress.fraction, progress.stage, progress);
      return;
    }
    if (part || loaded) {
      if (!job.settled) (part ? job.onPart : job.onLoaded)?.(part ?? loaded);
      return;
    }
    this.#running = null;
    if (!job.settled) {
      if (error) job.reject(errorFrom(error));
      else job.resolve(result);
    }
    this.#pump();
  }

  #cancel(job) {
    if (job.settled) return;
    job.reject(cancelledError(job.type));
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
    } else if (job === this.#running) {
      // The worker answers with a CancelledError at its next step; that answer is dropped.
      if (this.#cancelFlag) Atomics.store(this.#cancelFlag, 0, 1);
      else this.#restart(null);
    }
  }

  // A new worker in place of the current one, given the model and image again before any other job.
  // `error`: why the running job failed (null when it was cancelled and already rejected).
  #restart(error) {
    this.#worker.terminate();
    if (this.#running && error) this.#running.reject(error);
    this.#running = null;
    this.#startWorker();
    const restore = [{ type: 'init', args: { cancelBuffer: this.#cancelFlag?.buffer ?? null } },
                     { type: 'setThreads', args: { threads: this.#threads.threads } }];
    if (this.#kept.model) restore.push({ type: 'act', args: { model: this.#kept.model, image: this.#kept.image } });
    if (this.#kept.compared) restore.push({ type: 'compareModel', args: { model: this.#kept.compared } });
    const jobs = restore.map(({ type, args }) => ({
      id: this.#nextId++, type, args, settled: false, resolve() {}, reject() {},
    }));
    this.#queue.unshift(...jobs);
    this.#pump();
  }
}

// Starts the worker and loads the WebAssembly module.
export async function createEngine() {
  const engine = new Engine();
  await engine.start();
  return engine;
}
