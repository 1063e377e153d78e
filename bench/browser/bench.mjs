// The in-browser benchmark: camlens WebAssembly against TensorFlow.js in one page, one session.
// Loaded by index.html after tf.min.js and tf-backend-wasm.min.js (the global `tf`); served from the
// repository root by bench/browser/run.mjs, which collects window.benchResults.
//
// Every figure is a median over timed runs after warm-up, with the 10th and 90th percentiles. A run
// shorter than a few milliseconds repeats its work inside one sample (performance.now() may be
// coarsened); the sample is divided back per call. camlens runs at 1 thread (the comparison with
// tfjs-wasm on 1 thread), then again on all the threads it has (the page's setting).
//
// The page's module (camlens.mjs) has no raw forward pass: TensorFlow.js's execute is compared with
// TestModel.forward of the tests' module (camlens-test.mjs), which is the page's module (the same
// engine, the same flags) plus test hooks. Views go through the page's own Explainer.
const LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean';
const MODEL_DIR = '/models/emotion';
const PHOTO = '/tests/fixtures/images/astronaut_face.png';
const HEADLINE = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];
const GRADIENT_METHODS = ['grad-cam', 'grad-cam++', 'saliency'];
const CNN_BATCH = 64;
// A dropped phone photo's crop, and what the page draws it at on a 256-CSS-pixel panel with 2
// device pixels per CSS pixel (web/js/app.js, drawnSide).
const BIG_PHOTO_SIDE = 2048;
const PANEL_SIDE = 512;
const COLORMAPS = ['jet', 'viridis'];

// The Explainer keeps the forward pass and the maps of its crop, so a second identical view reuses
// everything. To time real work, successive views alternate between two crops one pixel apart: each
// runs the forward pass and every map again, as after setImage, without copying the photo in again.
function alternatingCrops(width, height) {
  const crops = [{ x: 0, y: 0, width, height }, { x: 1, y: 1, width: width - 1, height: height - 1 }];
  let calls = 0;
  return () => crops[calls++ % 2];
}

// Successive colormaps for a recolouring: the kept maps drawn again, no pass at all.
function alternatingColormaps() {
  let calls = 0;
  return () => COLORMAPS[calls++ % COLORMAPS.length];
}

// A view that must run no forward or backward pass (a recolouring) did not: else the time is not what it says.
function assertNoPass(view, what) {
  if (view.passes.forward !== 0 || view.passes.backward !== 0) {
    throw new Error(`bench: ${what} ran ${view.passes.forward} forward and ${view.passes.backward} backward passes, expected none`);
  }
}

const logElement = document.getElementById('log');
function log(line) {
  console.log(line);
  logElement.textContent += `${line}\n`;
}

function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q) => s[Math.floor(q * (s.length - 1))];
  return { median_ms: pick(0.5), p10_ms: pick(0.1), p90_ms: pick(0.9), runs: s.length };
}

// The best time of calls to `run` over at least `calls` calls and `ms` milliseconds.
function bestOf(run, calls, ms) {
  let best = Infinity;
  const start = performance.now();
  for (let i = 0; i < calls || performance.now() - start < ms; ++i) {
    const t0 = performance.now();
    run();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

// V8 first runs WebAssembly from its baseline compiler (Liftoff) and swaps in optimised (TurboFan)
// code function by function, each when its background compile ends: seconds on a busy machine,
// during which a call takes up to twice its steady time. So the warm-up goes on in rounds of at
// least `warmup` calls and warmupMs until a round's best call is within 3% of the round before
// (at most WARMUP_LIMIT_MS), then samples until minRuns and minMs are both reached; short calls
// repeat inside a sample. first_call_ms: the warm-up's first call.
const WARMUP_LIMIT_MS = 20000;
function measure(run, { minRuns = 10, minMs = 500, warmup = 3, warmupMs = 500 } = {}) {
  const warmupStart = performance.now();
  const firstCall = bestOf(run, 1, 0);
  let previous = firstCall;
  let best = bestOf(run, warmup, warmupMs);
  while (best < 0.97 * previous && performance.now() - warmupStart < WARMUP_LIMIT_MS) {
    previous = best;
    best = bestOf(run, warmup, warmupMs);
  }
  const warmupDone = performance.now();
  const repeats = Math.max(1, Math.min(50, Math.ceil(5 / Math.max(best, 0.01))));
  const samples = [];
  const start = performance.now();
  while (samples.length < minRuns || performance.now() - start < minMs) {
    const t0 = performance.now();
    for (let i = 0; i < repeats; ++i) run();
    samples.push((performance.now() - t0) / repeats);
  }
  return { ...summarize(samples), calls_per_sample: repeats, first_call_ms: firstCall,
           warmup_ms: Math.round(warmupDone - warmupStart) };
}

// Two calls timed in alternation, sample for sample, once each has warmed up as measure() warms it:
// a machine that slows down or speeds up during the run moves both sides alike, and the ratio of each
// round's two samples cancels the drift. Rounds alternate which side goes first. -> {a, b} summaries
// and ratio {median, p10, p90, rounds} of a's time over b's.
function measureAlternating(a, b, { minRounds = 20, minMs = 2000 } = {}) {
  const repeats = [measure(a, { minMs: 300 }), measure(b, { minMs: 300 })].map((t) => t.calls_per_sample);
  const sample = (run, calls) => {
    const t0 = performance.now();
    for (let i = 0; i < calls; ++i) run();
    return (performance.now() - t0) / calls;
  };
  const samplesA = [], samplesB = [], ratios = [];
  const start = performance.now();
  while (ratios.length < minRounds || performance.now() - start < minMs) {
    const aFirst = ratios.length % 2 === 0;
    const first = aFirst ? sample(a, repeats[0]) : sample(b, repeats[1]);
    const second = aFirst ? sample(b, repeats[1]) : sample(a, repeats[0]);
    const [ta, tb] = aFirst ? [first, second] : [second, first];
    samplesA.push(ta);
    samplesB.push(tb);
    ratios.push(ta / tb);
  }
  const r = summarize(ratios);
  return { a: summarize(samplesA), b: summarize(samplesB),
           ratio: { median: r.median_ms, p10: r.p10_ms, p90: r.p90_ms, rounds: r.runs } };
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

async function fetchText(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

// The photo's RGBA at its own size, or drawn at side x side (smoothed): a stand-in for a phone
// photo's size.
async function decodePhoto(url, side) {
  const bitmap = await createImageBitmap(new Blob([await fetchBytes(url)]));
  const width = side ?? bitmap.width, height = side ?? bitmap.height;
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  context.imageSmoothingQuality = 'high';
  context.drawImage(bitmap, 0, 0, width, height);
  return { width, height, rgba: context.getImageData(0, 0, width, height).data };
}

function maxAbsDifference(a, b) {
  let worst = 0;
  for (let i = 0; i < a.length; ++i) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

// ---- TensorFlow.js: the emotion graph as tf ops, for tf.grad (the graph model's execute is forward only) ----

function decodeAttr(attr, key) {
  const value = attr?.[key];
  if (!value) return undefined;
  if (value.s !== undefined) return atob(value.s);
  if (value.list?.i) return value.list.i.map(Number);
  if (value.list?.s) return value.list.s.map((s) => atob(s));
  return undefined;
}

// Evaluates `output` from `feeds` ({nodeName: tensor}) through the graph's nodes, with weights from
// the loaded graph model: what a TensorFlow.js user writes to differentiate a converted model.
function makeTfGraph(modelJson, graphModel) {
  const nodes = new Map(JSON.parse(modelJson).modelTopology.node.map((n) => [n.name, n]));
  const weight = (name) => graphModel.weights[name][0];
  return function evaluate(feeds, output) {
    const values = new Map(Object.entries(feeds));
    const value = (name) => {
      if (values.has(name)) return values.get(name);
      const node = nodes.get(name);
      const inputs = (node.input ?? []).filter((i) => !i.startsWith('^'));
      const attr = node.attr ?? {};
      const pad = decodeAttr(attr, 'padding')?.toLowerCase();
      const strides = decodeAttr(attr, 'strides')?.slice(1, 3);
      let result;
      switch (node.op) {
        case '_FusedConv2D':
          result = tf.fused.conv2d({
            x: value(inputs[0]), filter: weight(inputs[1]), bias: weight(inputs[2]), strides, pad,
            activation: decodeAttr(attr, 'fused_ops').includes('Relu') ? 'relu' : 'linear',
          });
          break;
        case 'DepthwiseConv2dNative':
          result = tf.depthwiseConv2d(value(inputs[0]), weight(inputs[1]), strides, pad);
          break;
        case 'MaxPool':
          result = tf.maxPool(value(inputs[0]), decodeAttr(attr, 'ksize').slice(1, 3), strides, pad);
          break;
        case 'AddV2': result = tf.add(value(inputs[0]), value(inputs[1])); break;
        case 'Relu': result = tf.relu(value(inputs[0])); break;
        case 'Mean': result = tf.mean(value(inputs[0]), [1, 2]); break;
        default: throw new Error(`bench: op ${node.op} (${name}) is not handled`);
      }
      values.set(name, result);
      return result;
    };
    return value(output);
  };
}

// ReLU -> min-max -> bilinear (half-pixel centres) -> min-max, as the engine and pytorch-grad-cam do.
function scaleMap(map, size) {
  const positive = tf.relu(map);
  const first = tf.div(tf.sub(positive, tf.min(positive)), tf.add(tf.max(positive), 1e-7));
  const resized = tf.image.resizeBilinear(first.expandDims(-1), size, false, true).squeeze([2]);
  return tf.div(tf.sub(resized, tf.min(resized)), tf.add(tf.max(resized), 1e-7));
}

function oneHotLogit(logits, target) {
  return tf.sum(tf.mul(logits, tf.oneHot([target], logits.shape[1])));
}

function tfMethods(evaluate, input, layer, target, size) {
  const x = tf.tensor4d(input, [1, 64, 64, 1]);
  const head = (a) => oneHotLogit(evaluate({ input_1: x, [layer]: a }, LOGITS), target);
  const cam = (weightsOf) => () => tf.tidy(() => {
    const a = evaluate({ input_1: x }, layer);
    const g = tf.grad(head)(a);
    const w = weightsOf(a, g);
    const raw = tf.sum(tf.mul(a, w), -1).squeeze([0]);
    return { raw, map: scaleMap(raw, size) };
  });
  const gradCamWeights = (a, g) => tf.mean(g, [0, 1, 2]);
  const gradCamPlusPlusWeights = (a, g) => {
    const g2 = tf.square(g);
    const g3 = tf.mul(g2, g);
    const sumA = tf.sum(a, [0, 1, 2]);
    const alpha = tf.where(tf.notEqual(g, 0), tf.div(g2, tf.add(tf.add(tf.mul(2, g2), tf.mul(sumA, g3)), 1e-6)),
      tf.zerosLike(g));
    return tf.sum(tf.mul(tf.relu(g), alpha), [0, 1, 2]);
  };
  const saliency = () => tf.tidy(() => {
    const g = tf.grad((image) => oneHotLogit(evaluate({ input_1: image }, LOGITS), target))(x);
    const raw = tf.max(tf.abs(g), -1).squeeze([0]);
    return { raw, map: scaleMap(raw, size) };
  });
  return { 'grad-cam': cam(gradCamWeights), 'grad-cam++': cam(gradCamPlusPlusWeights), saliency };
}

function timeTf(run) {
  return measure(() => {
    const out = run();
    out.map.dataSync();
    tf.dispose(out);
  }, { minRuns: 5, minMs: 1000, warmup: 2 });
}

// ---- the benchmark ----

async function main() {
  const results = { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency,
                    crossOriginIsolated: self.crossOriginIsolated };
  const [modelJson, metadataJson, weights, photo] = await Promise.all([
    fetchText(`${MODEL_DIR}/model.json`), fetchText(`${MODEL_DIR}/metadata.json`),
    fetchBytes(`${MODEL_DIR}/emotion.bin`), decodePhoto(PHOTO)]);
  const shards = [{ name: 'emotion.bin', bytes: weights }];

  // camlens: the page's module in Chromium (relaxed SIMD's fused multiply-add) and its bridge; the
  // tests' module for raw forward passes; and camlens-simd128, the page's module where relaxed SIMD
  // is missing.
  const { default: createCamlens } = await import('/build/wasm/camlens.mjs');
  const camlens = await createCamlens();
  camlens.setThreadCount(1);  // the same-threads comparison with tfjs-wasm; all threads further down
  const { default: createTestCamlens } = await import('/build/wasm/camlens-test.mjs');
  const hooks = await createTestCamlens();
  hooks.setThreadCount(1);
  const { default: createPlainCamlens } = await import('/build/wasm/camlens-simd128.mjs');
  const plain = await createPlainCamlens();
  plain.setThreadCount(1);
  results.camlens_max_threads = camlens.maxThreads;
  const model = new hooks.TestModel(modelJson, shards, metadataJson);
  const input = model.preprocess(photo.rgba, photo.width, photo.height, 4, null);
  const coldStart = performance.now();
  const ourLogits = model.forward(input, 1);
  const coldForwardMs = performance.now() - coldStart;  // the module's first forward: baseline code
  const target = ourLogits.indexOf(Math.max(...ourLogits));
  log(`camlens: class ${target} (logits ${Array.from(ourLogits, (v) => v.toFixed(3)).join(' ')})`);
  results.forward = { camlens_wasm: measure(() => model.forward(input, 1), { minMs: 1000 }), camlens_cold_ms: coldForwardMs };
  log(`forward camlens ${results.forward.camlens_wasm.median_ms.toFixed(3)} ms`);

  // TensorFlow.js: wasm backend (SIMD, one thread), then cpu; the same weights, the same input.
  // The page is cross-origin isolated (for camlens's threads), which would let tfjs-wasm load its
  // threaded build: force the single-thread SIMD build, and record which .wasm it fetched.
  tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tf.wasm.setThreadsCount(1);
  await tf.setBackend('wasm');
  await tf.ready();
  results.tfjs = { version: tf.version.tfjs, wasm_simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
                   wasm_threads: tf.wasm.getThreadsCount(),
                   wasm_file: performance.getEntriesByType('resource').map((e) => e.name)
                     .filter((name) => name.includes('tfjs-backend-wasm') && name.endsWith('.wasm'))
                     .map((name) => name.split('/').pop()) };
  log(`tfjs-wasm loaded ${results.tfjs.wasm_file.join(', ')}, ${results.tfjs.wasm_threads} thread(s)`);
  results.logit_max_abs_difference = {};
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    const graphModel = await tf.loadGraphModel(`${MODEL_DIR}/model.json`);
    const x = tf.tensor4d(input, [1, 64, 64, 1]);
    const theirLogits = graphModel.execute(x, LOGITS);
    results.logit_max_abs_difference[`tfjs_${backend}`] = maxAbsDifference(ourLogits, theirLogits.dataSync());
    theirLogits.dispose();
    results.forward[`tfjs_${backend}`] = measure(() => {
      const y = graphModel.execute(x, LOGITS);
      y.dataSync();
      y.dispose();
    }, { minMs: 1000 });
    log(`forward tfjs-${backend} ${results.forward[`tfjs_${backend}`].median_ms.toFixed(3)} ms`);
    if (backend === 'wasm') {
      const alternating = measureAlternating(() => model.forward(input, 1), () => {
        const y = graphModel.execute(x, LOGITS);
        y.dataSync();
        y.dispose();
      });
      results.forward.alternating_with_tfjs_wasm = alternating;
      log(`forward in alternation: camlens ${alternating.a.median_ms.toFixed(3)} ms, tfjs-wasm ` +
          `${alternating.b.median_ms.toFixed(3)} ms, ratio ${alternating.ratio.median.toFixed(3)}`);
      // The module browsers without relaxed SIMD get: the same engine, multiply and add apart. It has
      // no raw forward pass, so it runs a view of the prediction alone, the crop alternating (the crop
      // preprocessed, one forward pass, every class copied out); camlens.mjs's own such view is timed
      // too, for what the view adds to the forward pass.
      const predictionView = (module) => {
        const explainer = new module.Explainer(modelJson, shards, metadataJson);
        explainer.setImage(photo.rgba, photo.width, photo.height);
        const crop = alternatingCrops(photo.width, photo.height);
        return { explainer, run: () => explainer.view({ crop: crop(), pictures: false }) };
      };
      const plainView = predictionView(plain);
      const plainAlternating = measureAlternating(plainView.run, () => {
        const y = graphModel.execute(x, LOGITS);
        y.dataSync();
        y.dispose();
      });
      results.forward.simd128_alternating_with_tfjs_wasm = plainAlternating;
      log(`prediction view in alternation with a tfjs-wasm forward: camlens-simd128 ${plainAlternating.a.median_ms.toFixed(3)} ms, ` +
          `tfjs-wasm ${plainAlternating.b.median_ms.toFixed(3)} ms, ratio ${plainAlternating.ratio.median.toFixed(3)}`);
      plainView.explainer.delete();
      const ownView = predictionView(camlens);
      results.forward.camlens_prediction_view = measure(ownView.run, { minMs: 1000 });
      log(`prediction view camlens ${results.forward.camlens_prediction_view.median_ms.toFixed(3)} ms`);
      ownView.explainer.delete();
    }
    if (backend === 'cpu') {
      const evaluate = makeTfGraph(modelJson, graphModel);
      const size = [photo.height, photo.width];
      const layer = JSON.parse(metadataJson).explain_layer;
      const methods = tfMethods(evaluate, input, layer, target, size);
      results.tfjs_cpu_methods = {};
      for (const name of GRADIENT_METHODS) {
        results.tfjs_cpu_methods[name] = timeTf(methods[name]);
        log(`${name} tfjs-cpu ${results.tfjs_cpu_methods[name].median_ms.toFixed(3)} ms`);
      }
    } else {
      graphModel.dispose();
    }
    x.dispose();
  }

  // camlens: every method, and the headline four back to back.
  const { default: createBrowserBench } = await import('/build/wasm/camlens_bench_browser.mjs');
  const bench = await createBrowserBench();
  bench.setThreadCount(1);
  const explainer = new bench.ExplainBench(modelJson, shards, metadataJson, input, photo.height, photo.width);
  results.camlens_methods = {};
  for (const name of bench.methodNames()) {
    results.camlens_methods[name] = measure(() => explainer.explain(name), { minRuns: 5, minMs: 1000, warmup: 1 });
    log(`${name} camlens ${results.camlens_methods[name].median_ms.toFixed(3)} ms`);
  }
  results.headline = measure(() => { for (const name of HEADLINE) explainer.explain(name); }, { minMs: 1000 });
  log(`${HEADLINE.join(' + ')} back to back, camlens ${results.headline.median_ms.toFixed(3)} ms`);
  // The same four after one shared forward pass: the engine alone (explain_all), and through the
  // page's bridge as its worker calls it (Explainer.view: one call, maps drawn as RGBA pictures, the
  // crop alternating so that every call makes them again); then the same view recoloured (no pass).
  results.headline_shared = measure(() => explainer.explainAll(HEADLINE), { minMs: 1000 });
  log(`${HEADLINE.join(' + ')} explain_all, camlens ${results.headline_shared.median_ms.toFixed(3)} ms`);
  const viewer = new camlens.Explainer(modelJson, shards, metadataJson);
  viewer.setImage(photo.rgba, photo.width, photo.height);
  const nextCrop = alternatingCrops(photo.width, photo.height);
  const headlineView = () => viewer.view({ crop: nextCrop(), methods: HEADLINE });
  const nextColormap = alternatingColormaps();
  const recolour = () => viewer.view({ methods: HEADLINE, colormap: nextColormap() });
  results.headline_view = measure(headlineView, { minMs: 1000 });
  assertNoPass(recolour(), 'a recoloured view');
  results.headline_recolour = measure(recolour, { minMs: 1000 });
  log(`${HEADLINE.join(' + ')} Explainer.view, camlens ${results.headline_view.median_ms.toFixed(3)} ms, ` +
      `recoloured ${results.headline_recolour.median_ms.toFixed(3)} ms`);

  // camlens again on every thread its modules prespawned: the page's own setting (engine.js).
  const threads = camlens.maxThreads;
  camlens.setThreadCount(threads);
  hooks.setThreadCount(threads);
  bench.setThreadCount(threads);
  const threaded = { threads, methods: {} };
  threaded.forward = measure(() => model.forward(input, 1), { minMs: 1000 });
  log(`${threads} threads: forward camlens ${threaded.forward.median_ms.toFixed(3)} ms`);
  for (const name of bench.methodNames()) {
    threaded.methods[name] = measure(() => explainer.explain(name), { minRuns: 5, minMs: 1000, warmup: 1 });
    log(`${threads} threads: ${name} camlens ${threaded.methods[name].median_ms.toFixed(3)} ms`);
  }
  threaded.headline = measure(() => { for (const name of HEADLINE) explainer.explain(name); }, { minMs: 1000 });
  threaded.headline_shared = measure(() => explainer.explainAll(HEADLINE), { minMs: 1000 });
  threaded.headline_view = measure(headlineView, { minMs: 1000 });
  threaded.headline_recolour = measure(recolour, { minMs: 1000 });
  log(`${threads} threads: ${HEADLINE.join(' + ')} back to back ${threaded.headline.median_ms.toFixed(3)} ms, ` +
      `explain_all ${threaded.headline_shared.median_ms.toFixed(3)} ms, ` +
      `Explainer.view ${threaded.headline_view.median_ms.toFixed(3)} ms, recoloured ${threaded.headline_recolour.median_ms.toFixed(3)} ms`);
  // A big photo, as a user drops one: the four maps drawn at a panel's size (what the page asks,
  // max_side) and at the crop's full size, in alternation, each call on the other crop (so each
  // makes the maps again); then recoloured at the panel's size.
  const big = await decodePhoto(PHOTO, BIG_PHOTO_SIDE);
  const bigViewer = new camlens.Explainer(modelJson, shards, metadataJson);
  bigViewer.setImage(big.rgba, big.width, big.height);
  const nextBigCrop = alternatingCrops(big.width, big.height);
  const bigAlternating = measureAlternating(
    () => bigViewer.view({ crop: nextBigCrop(), methods: HEADLINE, max_side: PANEL_SIDE }),
    () => bigViewer.view({ crop: nextBigCrop(), methods: HEADLINE }), { minRounds: 10, minMs: 3000 });
  const bigRecolour = () => bigViewer.view({ methods: HEADLINE, max_side: PANEL_SIDE, colormap: nextColormap() });
  assertNoPass(bigRecolour(), 'a recoloured view of the big photo');
  const bigRecoloured = measure(bigRecolour, { minMs: 1000 });
  threaded.big_photo = { side: BIG_PHOTO_SIDE, max_side: PANEL_SIDE, alternating: bigAlternating, recolour: bigRecoloured };
  log(`${threads} threads: ${BIG_PHOTO_SIDE}x${BIG_PHOTO_SIDE} photo, Explainer.view drawn at ${PANEL_SIDE} ` +
      `${bigAlternating.a.median_ms.toFixed(3)} ms, at ${BIG_PHOTO_SIDE} ${bigAlternating.b.median_ms.toFixed(3)} ms, ` +
      `recoloured at ${PANEL_SIDE} ${bigRecoloured.median_ms.toFixed(3)} ms`);
  bigViewer.delete();
  results.camlens_threads = threaded;
  camlens.setThreadCount(1);
  hooks.setThreadCount(1);
  bench.setThreadCount(1);
  viewer.delete();
  model.delete();

  // The built-in Fashion-MNIST CNN on a batch of 64.
  const cnn = new bench.CnnBench(CNN_BATCH);
  results.cnn = {
    batch: CNN_BATCH,
    forward: measure(() => cnn.forward(), { minMs: 1000 }),
    forward_backward: measure(() => cnn.forwardBackward(), { minMs: 1000 }),
  };
  log(`cnn batch ${CNN_BATCH}: forward ${results.cnn.forward.median_ms.toFixed(2)} ms, ` +
      `forward+backward ${results.cnn.forward_backward.median_ms.toFixed(2)} ms`);
  return results;
}

main().then((results) => { window.benchResults = results; },
  (error) => { log(`error: ${error.stack ?? error}`); window.benchResults = { error: String(error?.stack ?? error) }; });
