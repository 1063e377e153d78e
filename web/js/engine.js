// The one main-thread module that talks to the engine (the contract: /work/bridge-api.md). The
// WebAssembly module lives in a Web Worker (worker.js); every call here is a Promise, and requests
// run one at a time in the order they were made.
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
  #kept = { model: null, image: null };  // what a restarted worker loads again
  #ready = false;  // the module loaded once: a failing worker is restarted from then on
  #terminated = false;
  #threads = { threads: 1, maxThreads: 1 };  // the engine's thread count, and the most it can run
  #moduleName = null;  // the build the worker loaded: camlens.mjs, camlens-simd128.mjs or camlens-single.mjs

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

  loadModel({ modelJson, shards, metadataJson }) {
    const spec = { modelJson, shards, metadataJson };
    return this.#submit('loadModel', spec).promise.then((description) => {
      this.#kept.model = spec;
      return description;
    });
  }

  setImage({ width, height, data }) {
    const kept = { width, height, data: new Uint8ClampedArray(data) };
    return this.#submit('setImage', kept).promise.then((result) => {
      this.#kept.image = kept;
      return result;
    });
  }

  predict({ crop = null, top = 5 } = {}) {
    return this.#submit('predict', { crop, top }).promise;
  }

  // -> {promise, cancel()}
  explain(options, { onProgress } = {}) {
    return this.#submit('explain', options, onProgress);
  }

  // Several methods after one shared forward pass: options as explain's, with `methods` (names)
  // instead of `method` and `params` keyed by method name. -> {promise (one explanation per
  // method, in order; timings.total is the whole call on each), cancel()}
  explainMany(options, { onProgress } = {}) {
    return this.#submit('explainMany', options, onProgress);
  }

  render(options) {
    return this.#submit('render', options).promise;
  }

  topK(options) {
    return this.#submit('topK', options).promise;
  }

  layerSweep(options) {
    return this.#submit('layerSweep', { method: 'grad-cam', ...options }).promise;
  }

  // -> {promise, cancel()}
  activationMaximization(options, { onProgress } = {}) {
    return this.#submit('activationMaximization', options, onProgress);
  }

  // The methods with whether each applies at `layer` (null: the model's default layer).
  methods(layer = null) {
    return this.#submit('methods', { layer }).promise;
  }

  heapBytes() {
    return this.#submit('heapBytes', {}).promise;
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

  #submit(type, args, onProgress) {
    if (this.#terminated) return { promise: Promise.reject(new Error('the engine was terminated')), cancel() {} };
    const job = { id: this.#nextId++, type, args, onProgress, settled: false };
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
    this.#worker.postMessage({ id: job.id, type: job.type, args: job.args });
  }

  #onMessage({ id, progress, result, error }) {
    const job = this.#running;
    if (!job || job.id !== id) return;  // from a job cancelled with its worker
    if (progress) {
      if (!job.settled) job.onProgress?.(progress.fraction, progress.stage);
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
    if (this.#kept.model) restore.push({ type: 'loadModel', args: this.#kept.model });
    if (this.#kept.image) restore.push({ type: 'setImage', args: this.#kept.image });
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
