// One ONNX model in camlens's page module (build/wasm/camlens.mjs, Explainer.fromOnnx) and in
// onnxruntime-web's wasm backend, on the same thread count, in one Web Worker (as the page's engine
// runs; on a page's main thread every wait for a thread spins). Served by bench/browser/onnx.mjs,
// which loads one page per model and thread count: onnxruntime-web fixes its thread count when its
// module starts, and a fresh camlens module per model makes its memory that model's alone.
//
// Each round times three calls in a rotating order, with GAP_MS idle before each (so that no
// runtime's threads are still spinning from the call before): camlens's prediction (a view without
// maps), onnxruntime-web's session.run, and camlens's Grad-CAM (a view with its map, no pictures).
// The camlens calls move the crop by a pixel each time, so each runs the forward pass again.
// Per round: the ratios of those calls. Posts {line} for progress, then {results}.
import * as ort from '/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs';
import createCamlens from '/build/wasm/camlens.mjs';

const params = new URLSearchParams(location.search);
const MODEL = params.get('model');
const THREADS = Number(params.get('threads') ?? 1);
const ROUNDS = Number(params.get('rounds') ?? 40);
const GAP_MS = Number(params.get('gap') ?? 100);
const SIZE = 224;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const PHOTO = '/web/samples/astronaut.jpg';
// V8 runs WebAssembly from baseline code until background compiles swap in optimised code, which
// takes seconds for onnxruntime's large module on a busy machine: warm-up goes on for at least
// WARMUP_MIN_ROUNDS rounds and WARMUP_MIN_MS, then in blocks of rounds until a block's best calls
// are within 3% of the block before, for at most WARMUP_LIMIT_MS.
const WARMUP_BLOCK_ROUNDS = 3;
const WARMUP_MIN_ROUNDS = 12;
const WARMUP_MIN_MS = 10000;
const WARMUP_LIMIT_MS = 40000;

function log(line) {
  postMessage({ line });
}

const idle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// The photo drawn at the model's input size, so that camlens's resize is the identity and both
// runtimes get the same input (the logits check below relies on it).
async function photoPixels() {
  const bitmap = await createImageBitmap(new Blob([await fetchBytes(PHOTO)]));
  const context = new OffscreenCanvas(SIZE, SIZE).getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, SIZE, SIZE);
  return context.getImageData(0, 0, SIZE, SIZE).data;
}

// The metadata's preprocessing ((v / 255 - mean) / std) in float32, planar RGB (NCHW).
function nchwInput(rgba) {
  const pixels = SIZE * SIZE;
  const data = new Float32Array(3 * pixels);
  for (let i = 0; i < pixels; ++i) {
    for (let c = 0; c < 3; ++c) data[c * pixels + i] = (Math.fround(rgba[4 * i + c] / 255) - MEAN[c]) / STD[c];
  }
  return new ort.Tensor('float32', data, [1, 3, SIZE, SIZE]);
}

function quantiles(samples) {
  const s = [...samples].sort((x, y) => x - y);
  const pick = (q) => s[Math.floor(q * (s.length - 1))];
  return { median: pick(0.5), p10: pick(0.1), p90: pick(0.9), min: s[0], runs: s.length };
}

// The engine's WebAssembly memory: it only grows, so after a call it is the peak so far.
const memoryBytes = (camlens) => camlens.HEAP8.buffer.byteLength;

function relativeError(actual, expected) {
  let worst = 0, scale = 0;
  for (let i = 0; i < expected.length; ++i) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / scale;
}

const argmax = (values) => values.reduce((best, value, i) => (value > values[best] ? i : best), 0);

function expectPasses(view, forward, backward, what) {
  if (view.passes.forward !== forward || view.passes.backward !== backward) {
    throw new Error(`bench: ${what} ran ${view.passes.forward} forward and ${view.passes.backward} backward passes, ` +
                    `expected ${forward} and ${backward}`);
  }
}

async function main() {
  if (!MODEL) throw new Error('bench: the page needs ?model=NAME');
  if (!self.crossOriginIsolated && THREADS > 1) throw new Error('bench: the page is not cross-origin isolated: no threads');
  const [onnx, metadataJson, rgba] = await Promise.all([
    fetchBytes(`/onnx/${MODEL}.onnx`), fetch(`/onnx/${MODEL}.metadata.json`).then((r) => r.text()), photoPixels()]);

  const memory = {};
  const camlens = await createCamlens();
  if (camlens.maxThreads < THREADS) throw new Error(`bench: camlens has ${camlens.maxThreads} thread(s), ${THREADS} asked`);
  camlens.setThreadCount(THREADS);
  memory.module_bytes = memoryBytes(camlens);
  const explainer = camlens.Explainer.fromOnnx(onnx, metadataJson, []);
  memory.loaded_bytes = memoryBytes(camlens);
  explainer.setImage(rgba, SIZE, SIZE);
  // A new thread starts only once this one returns to its event loop.
  await idle(100);

  ort.env.wasm.numThreads = THREADS;
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ['wasm'] });
  const feeds = { [session.inputNames[0]]: nchwInput(rgba) };
  const outputName = session.outputNames[0];

  // Both runtimes run the same model on the same input: their logits must agree.
  const full = { x: 0, y: 0, width: SIZE, height: SIZE };
  const first = explainer.view({ crop: full, pictures: false });
  memory.after_forward_bytes = memoryBytes(camlens);
  const camlensLogits = [];
  for (const c of first.prediction.classes) camlensLogits[c.class] = c.logit;
  const ortLogits = (await session.run(feeds))[outputName].data;
  const logitError = relativeError(camlensLogits, ortLogits);
  if (logitError > 1e-3 || argmax(camlensLogits) !== argmax(ortLogits)) {
    throw new Error(`bench: camlens's and onnxruntime-web's logits differ by ${logitError.toExponential(2)} (relative)`);
  }
  const gradCam = explainer.view({ crop: { x: 1, y: 1, width: SIZE - 1, height: SIZE - 1 }, methods: ['grad-cam'], pictures: false });
  expectPasses(gradCam, 1, 1, 'Grad-CAM on a new crop');
  const layer = gradCam.explanations[0].layer;
  memory.after_grad_cam_bytes = memoryBytes(camlens);
  log(`${MODEL}, ${THREADS} thread(s): logits agree within ${logitError.toExponential(1)} (relative); Grad-CAM at ${layer}`);

  const crops = [full, { x: 1, y: 1, width: SIZE - 1, height: SIZE - 1 }];
  let calls = 0;
  const crop = () => crops[calls++ % 2];
  const works = {
    predict: async () => {
      const t0 = performance.now();
      const view = explainer.view({ crop: crop(), pictures: false });
      const wall = performance.now() - t0;
      expectPasses(view, 1, 0, 'a prediction on a new crop');
      return { wall, engine_forward: view.timings_ms.forward, engine_total: view.timings_ms.total };
    },
    ort: async () => {
      const t0 = performance.now();
      await session.run(feeds);
      return { wall: performance.now() - t0 };
    },
    grad_cam: async () => {
      const t0 = performance.now();
      const view = explainer.view({ crop: crop(), methods: ['grad-cam'], pictures: false });
      const wall = performance.now() - t0;
      expectPasses(view, 1, 1, 'Grad-CAM on a new crop');
      const t = view.explanations[0].timings_ms;
      return { wall, engine_forward: view.timings_ms.forward, engine_backward: t.backward, engine_total: view.timings_ms.total };
    },
  };
  const order = Object.keys(works);
  const round = async (index) => {
    const times = {};
    for (let k = 0; k < order.length; ++k) {
      const name = order[(index + k) % order.length];
      await idle(GAP_MS);
      times[name] = await works[name]();
    }
    return times;
  };

  const warmupStart = performance.now();
  let warmupRounds = 0, previous = Infinity;
  for (;;) {
    let best = { predict: Infinity, ort: Infinity, grad_cam: Infinity };
    for (let r = 0; r < WARMUP_BLOCK_ROUNDS; ++r) {
      const times = await round(warmupRounds++);
      for (const name of order) best[name] = Math.min(best[name], times[name].wall);
    }
    const total = best.predict + best.ort + best.grad_cam;
    const elapsed = performance.now() - warmupStart;
    const longEnough = warmupRounds >= WARMUP_MIN_ROUNDS && elapsed >= WARMUP_MIN_MS;
    if ((longEnough && total > 0.97 * previous) || elapsed > WARMUP_LIMIT_MS) break;
    previous = total;
  }
  log(`  warm-up: ${warmupRounds} rounds, ${((performance.now() - warmupStart) / 1000).toFixed(1)} s`);

  const rounds = [];
  for (let r = 0; r < ROUNDS; ++r) rounds.push(await round(r));
  memory.after_rounds_bytes = memoryBytes(camlens);
  const series = (pick) => quantiles(rounds.map(pick));
  const results = {
    model: MODEL, threads: THREADS, rounds: ROUNDS, gap_ms: GAP_MS, warmup_rounds: warmupRounds,
    user_agent: navigator.userAgent, ort_version: ort.env.versions?.web ?? null,
    ort_wasm_files: performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')),
    grad_cam_layer: layer, logit_max_rel_error: logitError, memory,
    camlens_forward_ms: series((t) => t.predict.engine_forward),
    camlens_predict_view_ms: series((t) => t.predict.wall),
    ort_run_ms: series((t) => t.ort.wall),
    camlens_grad_cam_view_ms: series((t) => t.grad_cam.wall),
    camlens_grad_cam_engine_ms: series((t) => t.grad_cam.engine_total),
    camlens_grad_cam_backward_ms: series((t) => t.grad_cam.engine_backward),
    ratios: {
      forward_over_ort: series((t) => t.predict.engine_forward / t.ort.wall),
      predict_view_over_ort: series((t) => t.predict.wall / t.ort.wall),
      // The whole Grad-CAM request in the engine (crop, forward, backward, map) over the forward pass alone.
      grad_cam_over_forward: series((t) => t.grad_cam.engine_total / t.predict.engine_forward),
      grad_cam_view_over_predict_view: series((t) => t.grad_cam.wall / t.predict.wall),
    },
    per_round: rounds,
  };
  const r = results.ratios;
  log(`  camlens forward ${results.camlens_forward_ms.median.toFixed(1)} ms, onnxruntime-web ${results.ort_run_ms.median.toFixed(1)} ms, ` +
      `ratio ${r.forward_over_ort.median.toFixed(3)} [${r.forward_over_ort.p10.toFixed(3)}-${r.forward_over_ort.p90.toFixed(3)}]; ` +
      `Grad-CAM ${results.camlens_grad_cam_engine_ms.median.toFixed(1)} ms, ${r.grad_cam_over_forward.median.toFixed(2)}x the forward pass`);
  return results;
}

main().then((results) => postMessage({ results }),
            (error) => { log(`failed: ${error.message}`); postMessage({ results: { error: error.message } }); });
