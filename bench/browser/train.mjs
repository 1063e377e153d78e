// The in-browser training benchmark: a training epoch of each built-in preset (train/architecture.h)
// on 10,000 Fashion-MNIST images, camlens (the trainer's defaults: batch 64, AdamW, augmentation)
// against TensorFlow.js training the same layers on each of its backends, in one page, one session;
// then what following ten probes adds to a camlens epoch. Loaded by train.html after tf.min.js and
// tf-backend-wasm.min.js (the global `tf`); served by bench/browser/run.mjs --training, which serves
// Debian's Fashion-MNIST files under /datasets/fashion-mnist/ and collects window.benchResults.
//
// Query parameters (all optional): presets=a,b  epochs=N (timed camlens epochs per preset)
// backends=wasm,cpu,webgl  tfSeconds=S and tfSteps=N (the least time and steps timed per TensorFlow.js
// backend and preset, after one warm-up step)
// probeRounds=N  probePresets=a,b.
const PRESETS = ['vgg-quick', 'vgg', 'xception-quick', 'xception'];
const TRAIN_IMAGES = 10000;
const VALIDATION_IMAGES = 1000;
const BATCH = 64;
const LEARNING_RATE = 0.002;  // TrainOptions' peak learning rate
const THREADS = 2;
const WARMUP_IMAGES = 5 * BATCH;
const PROBES = 10;
const LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const query = new URLSearchParams(location.search);
const listParam = (name, fallback) => query.get(name)?.split(',').filter(Boolean) ?? fallback;
const numberParam = (name, fallback) => (query.has(name) ? Number(query.get(name)) : fallback);

const logElement = document.getElementById('log');
function log(line) {
  console.log(line);
  logElement.textContent += `${line}\n`;
}

function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const pick = (q) => s[Math.floor(q * (s.length - 1))];
  return { median: pick(0.5), p10: pick(0.1), p90: pick(0.9), runs: s.length, samples };
}

// ---- Fashion-MNIST from the gzipped IDX files: magic 0 0 8 rank, rank big-endian sizes, bytes ----

async function fetchIdx(name) {
  const response = await fetch(`/datasets/fashion-mnist/${name}`);
  if (!response.ok) throw new Error(`${name}: HTTP ${response.status} (is dataset-fashion-mnist installed?)`);
  const bytes = new Uint8Array(await new Response(response.body.pipeThrough(new DecompressionStream('gzip'))).arrayBuffer());
  const view = new DataView(bytes.buffer);
  if (view.getUint16(0) !== 0 || bytes[2] !== 8) throw new Error(`${name}: not an IDX file of unsigned bytes`);
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  return { dims, values: bytes.subarray(4 + 4 * rank) };
}

async function loadFashion(images, labels, count) {
  const [x, y] = await Promise.all([fetchIdx(images), fetchIdx(labels)]);
  if (x.dims[0] < count || y.dims[0] < count) throw new Error(`${images}: fewer than ${count} images`);
  return { pixels: x.values.slice(0, count * 784), labels: y.values.slice(0, count), count };
}

function firstImages(data, count) {
  return { pixels: data.pixels.slice(0, count * 784), labels: data.labels.slice(0, count), count };
}

// ---- TensorFlow.js: the presets with tf.layers ----

// The stages of each preset, as train/architecture.cpp lists them.
const ARCHITECTURES = {
  vgg: { stem: [[32, true], [64, false], [64, true], [128, false]], blocks: [], head: 0 },
  'vgg-quick': { stem: [[12, true], [24, true], [48, false], [48, false]], blocks: [], head: 0 },
  xception: { stem: [[32, false]], blocks: [64, 128], head: 128 },
  'xception-quick': { stem: [[16, true]], blocks: [32, 64], head: 64 },
};

// BatchNorm as the engine's: epsilon 1e-3, moving statistics' momentum 0.9.
const batchNorm = () => tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.9 });

function convBn(x, filters, kernelSize, strides, padding, relu) {
  let y = tf.layers.conv2d({ filters, kernelSize, strides, padding, useBias: false, kernelInitializer: 'heUniform' }).apply(x);
  y = batchNorm().apply(y);
  return relu ? tf.layers.reLU().apply(y) : y;
}

// Depthwise 3x3 then pointwise 1x1 (no BatchNorm between them, as the engine's separable pair), then BatchNorm.
function separableBn(x, filters, relu) {
  let y = tf.layers.separableConv2d({ filters, kernelSize: 3, padding: 'same', useBias: false,
    depthwiseInitializer: 'heUniform', pointwiseInitializer: 'heUniform' }).apply(x);
  y = batchNorm().apply(y);
  return relu ? tf.layers.reLU().apply(y) : y;
}

function tfModel(name) {
  const spec = ARCHITECTURES[name];
  const input = tf.input({ shape: [28, 28, 1] });
  let x = input;
  for (const [channels, pool] of spec.stem) {
    x = convBn(x, channels, 3, 1, 'same', true);
    if (pool) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }).apply(x);
  }
  for (const channels of spec.blocks) {
    let y = separableBn(x, channels, true);
    y = separableBn(y, channels, false);
    y = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(y);
    const shortcut = convBn(x, channels, 1, 2, 'valid', false);
    x = tf.layers.add().apply([y, shortcut]);
  }
  if (spec.head > 0) x = separableBn(x, spec.head, true);
  x = tf.layers.globalAveragePooling2d({}).apply(x);
  const logits = tf.layers.dense({ units: 10, kernelInitializer: 'glorotUniform' }).apply(x);
  return tf.model({ inputs: input, outputs: logits });
}

function trainableCount(model) {
  return model.trainableWeights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0);
}

// The trainer's augmentation, on the batch's floats: a left-right flip with probability 1/2, then a
// shift of up to 2 pixels each way, zeros where the shifted image falls outside.
function augment(batch, count) {
  const scratch = new Float32Array(784);
  for (let n = 0; n < count; ++n) {
    const image = batch.subarray(n * 784, (n + 1) * 784);
    const flip = Math.random() < 0.5;
    const dy = Math.floor(Math.random() * 5) - 2, dx = Math.floor(Math.random() * 5) - 2;
    for (let y = 0; y < 28; ++y) {
      for (let x = 0; x < 28; ++x) {
        const sy = y - dy, sx0 = x - dx;
        const sx = flip ? 27 - sx0 : sx0;
        scratch[y * 28 + x] = sy >= 0 && sy < 28 && sx0 >= 0 && sx0 < 28 ? image[sy * 28 + sx] : 0;
      }
    }
    image.set(scratch);
  }
}

// One shuffled batch at a time, as floats value / 255, augmented.
function batches(data) {
  const order = Array.from({ length: data.count }, (_, i) => i);
  let next = data.count;
  const pixels = new Float32Array(BATCH * 784);
  const labels = new Int32Array(BATCH);
  return () => {
    if (next + BATCH > data.count) {
      for (let i = order.length - 1; i > 0; --i) {
        const j = Math.floor(Math.random() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
      next = 0;
    }
    for (let n = 0; n < BATCH; ++n) {
      const index = order[next++];
      for (let p = 0; p < 784; ++p) pixels[n * 784 + p] = data.pixels[index * 784 + p] / 255;
      labels[n] = data.labels[index];
    }
    augment(pixels, BATCH);
    return { pixels, labels };
  };
}

// Steps of TensorFlow.js training (Adam at the trainer's learning rate, batch 64, softmax
// cross-entropy on the logits, BatchNorm in training mode) until at least `minSteps` steps and
// `minSeconds` seconds after a warm-up step (shaders compiled, buffers allocated); the loss is read back after every step, as a training
// loop that reports it does. -> per-step seconds, and an epoch of 10,000 images extrapolated from them.
async function timeTfTraining(name, data, { minSteps, minSeconds, maxSteps }) {
  const model = tfModel(name);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const next = batches(data);
  const step = async () => {
    const { pixels, labels } = next();
    const loss = tf.tidy(() => {
      const x = tf.tensor4d(pixels, [BATCH, 28, 28, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, 'int32'), 10);
      return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true })), true);
    });
    const value = (await loss.data())[0];
    loss.dispose();
    if (!Number.isFinite(value)) throw new Error(`${name}: the loss is ${value}`);
  };
  try {
    await step();
    const samples = [];
    const start = performance.now();
    while (samples.length < maxSteps && (samples.length < minSteps || performance.now() - start < minSeconds * 1000)) {
      const t0 = performance.now();
      await step();
      samples.push((performance.now() - t0) / 1000);
    }
    const perStep = summarize(samples);
    const epochSteps = Math.floor(TRAIN_IMAGES / BATCH);
    return { step_seconds: { ...perStep, samples: undefined }, timed_steps: samples.length, epoch_steps: epochSteps,
             epoch_seconds: perStep.median * epochSteps, extrapolated: samples.length < epochSteps,
             trainable_parameters: trainableCount(model) };
  } finally {
    model.dispose();
    optimizer.dispose();
  }
}

async function selectBackend(name) {
  if (name === 'wasm') {
    tf.wasm.setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    tf.wasm.setThreadsCount(THREADS);
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed to initialise the backend`);
  await tf.ready();
}

// ---- the benchmark ----

async function main() {
  const results = { userAgent: navigator.userAgent, hardwareConcurrency: navigator.hardwareConcurrency,
                    crossOriginIsolated: self.crossOriginIsolated, threads: THREADS, batch: BATCH,
                    train_images: TRAIN_IMAGES, validation_images: VALIDATION_IMAGES };
  const presets = listParam('presets', PRESETS);
  const epochs = numberParam('epochs', 3);
  const backends = listParam('backends', ['wasm', 'cpu', 'webgl']);
  const tfSeconds = numberParam('tfSeconds', 20);
  const tfSteps = numberParam('tfSteps', 3);
  const probeRounds = numberParam('probeRounds', 3);
  const probePresets = listParam('probePresets', ['vgg-quick', 'xception-quick']);

  const [train, validation] = await Promise.all([
    loadFashion('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', TRAIN_IMAGES),
    loadFashion('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', VALIDATION_IMAGES)]);
  const warmup = firstImages(train, WARMUP_IMAGES);
  log(`Fashion-MNIST: ${train.count} training and ${validation.count} validation images`);

  const { default: createBrowserBench } = await import('/build/wasm/camlens_bench_browser.mjs');
  const bench = await createBrowserBench();
  bench.setThreadCount(THREADS);

  // camlens: per preset a warm-up epoch of 5 batches (V8 swaps in optimised code), then `epochs`
  // epochs of the 10,000 images, each followed by the validation of 1,000.
  results.camlens = {};
  for (const name of presets) {
    const small = new bench.EpochBench(name, warmup.pixels, warmup.labels, validation.pixels, validation.labels);
    small.epoch();
    small.delete();
    const trainer = new bench.EpochBench(name, train.pixels, train.labels, validation.pixels, validation.labels);
    const reports = [];
    for (let e = 0; e < epochs; ++e) {
      reports.push(trainer.epoch());
      log(`camlens ${name} epoch ${e + 1}: ${reports.at(-1).trainSeconds.toFixed(2)} s training, ` +
          `${reports.at(-1).validationSeconds.toFixed(2)} s validation`);
    }
    results.camlens[name] = {
      epoch_seconds: summarize(reports.map((r) => r.trainSeconds)),
      validation_seconds: summarize(reports.map((r) => r.validationSeconds)),
      steps: reports[0].steps, multiply_adds_per_image: reports[0].multiplyAddsPerImage,
      trainable_parameters: trainer.parameters(),
    };
    trainer.delete();
  }

  // TensorFlow.js on each backend: the same layers, Adam, batch 64.
  results.tfjs = { version: tf.version.tfjs, backends: {} };
  for (const backend of backends) {
    const entry = { presets: {}, failures: {} };
    results.tfjs.backends[backend] = entry;
    try {
      await selectBackend(backend);
      if (backend === 'wasm') entry.threads = tf.wasm.getThreadsCount();
      if (backend === 'webgl') entry.renderer = webglRenderer();
    } catch (error) {
      entry.error = String(error?.message ?? error);
      log(`tfjs-${backend}: ${entry.error}`);
      continue;
    }
    for (const name of presets) {
      try {
        const timed = await timeTfTraining(name, train, { minSteps: tfSteps, minSeconds: tfSeconds, maxSteps: 156 });
        if (results.camlens[name] && timed.trainable_parameters !== results.camlens[name].trainable_parameters) {
          throw new Error(`${name} has ${timed.trainable_parameters} trainable values in TensorFlow.js but ` +
                          `${results.camlens[name].trainable_parameters} in camlens: the models differ`);
        }
        entry.presets[name] = timed;
        log(`tfjs-${backend} ${name}: ${timed.step_seconds.median.toFixed(3)} s per step over ${timed.timed_steps} steps, ` +
            `${timed.epoch_seconds.toFixed(1)} s per epoch${timed.extrapolated ? ' (extrapolated)' : ''}`);
      } catch (error) {
        entry.failures[name] = String(error?.message ?? error);
        log(`tfjs-${backend} ${name} failed: ${entry.failures[name]}`);
      }
    }
  }

  // The probes' cost: a run following ten probes and one following none (train/run.h, CAM maps),
  // an epoch of each in turn after a warm-up epoch each.
  results.probes = {};
  for (const name of probePresets) {
    const runs = [PROBES, 0].map((count) => new bench.RunEpochBench(name, train.pixels, train.labels,
      validation.pixels, validation.labels, LABELS, count));
    runs.forEach((run) => run.epoch());
    const withProbes = [], withoutProbes = [], ratios = [];
    for (let round = 0; round < probeRounds; ++round) {
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      const timed = [];
      for (const i of order) timed[i] = runs[i].epoch();
      withProbes.push(timed[0]);
      withoutProbes.push(timed[1]);
      ratios.push(timed[0].wallSeconds / timed[1].wallSeconds);
    }
    runs.forEach((run) => run.delete());
    const pick = (list, key) => summarize(list.map((t) => t[key]));
    const entry = {
      probes: PROBES, method: 'cam', rounds: probeRounds,
      with_probes: { epoch_seconds: pick(withProbes, 'epochSeconds'), after_epoch_seconds: pick(withProbes, 'afterSeconds'),
                     wall_seconds: pick(withProbes, 'wallSeconds') },
      without_probes: { epoch_seconds: pick(withoutProbes, 'epochSeconds'), after_epoch_seconds: pick(withoutProbes, 'afterSeconds'),
                        wall_seconds: pick(withoutProbes, 'wallSeconds') },
      wall_ratio_with_over_without: summarize(ratios),
    };
    entry.probes_share_of_epoch = (entry.with_probes.after_epoch_seconds.median - entry.without_probes.after_epoch_seconds.median) /
      entry.without_probes.epoch_seconds.median;
    results.probes[name] = entry;
    log(`probes ${name}: after the epoch ${entry.with_probes.after_epoch_seconds.median.toFixed(3)} s with ${PROBES} probes, ` +
        `${entry.without_probes.after_epoch_seconds.median.toFixed(3)} s without; epoch ${entry.without_probes.epoch_seconds.median.toFixed(2)} s; ` +
        `probes ${(100 * entry.probes_share_of_epoch).toFixed(2)}% of an epoch; wall ratio ${entry.wall_ratio_with_over_without.median.toFixed(3)}`);
  }
  return results;
}

function webglRenderer() {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  const info = gl?.getExtension('WEBGL_debug_renderer_info');
  return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER);
}

main().then((results) => { window.benchResults = results; },
  (error) => { log(`error: ${error.stack ?? error}`); window.benchResults = { error: String(error?.stack ?? error) }; });
