// The two gender models (models/gender, a mini-Xception classifier, and models/gender-ssrnet-imdb,
// SSR-Net's stage-wise regression) in our WebAssembly module against TensorFlow.js itself (cpu
// backend): the same outputs within 1e-4 on seeded random and smooth inputs, and on the astronaut's
// face with each model's preprocessing written in TensorFlow.js (bilinear resize with half-pixel
// centres on both sides).
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, loadTf, seededRandom, maxAbsDiff, tfArtifacts, readModelFiles, astronautFace, FACE_SIDE } from './support.mjs';

const SIZE = 64;
const GENDER_LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean';
const SSRNET_OUTPUT = 'StatefulPartitionedCall/functional_7/pred/add_25';
// Its metadata says "output": "score": the engine adds two logits [-l/2, l/2], l = log(s / (1 - s)).
const SSRNET_LOGITS = `${SSRNET_OUTPUT}/two_classes`;

// The score s back from each pair of logits (clamped to 1e-6 .. 1 - 1e-6 on the way in).
function scores(logits) {
  return Float32Array.from({ length: logits.length / 2 }, (_, n) => 1 / (1 + Math.exp(-2 * logits[2 * n + 1])));
}

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();

// `batch` inputs of 64x64x`channels` in [lo, hi]: four seeded random, then a ramp and rings.
function inputs(channels, lo, hi) {
  const batch = 6;
  const item = SIZE * SIZE * channels;
  const data = new Float32Array(batch * item);
  for (let n = 0; n < 4; ++n) {
    const random = seededRandom(2000 + n);
    for (let i = 0; i < item; ++i) data[n * item + i] = lo + random() * (hi - lo);
  }
  for (let y = 0; y < SIZE; ++y) {
    for (let x = 0; x < SIZE; ++x) {
      for (let c = 0; c < channels; ++c) {
        const at = (y * SIZE + x) * channels + c;
        data[4 * item + at] = lo + (hi - lo) * ((x + c * 7) % SIZE) / (SIZE - 1);
        data[5 * item + at] = lo + (hi - lo) * (0.5 + 0.5 * Math.cos(Math.hypot(x - 32, y - 24 + 3 * c) / 9));
      }
    }
  }
  return { data, batch };
}

// Loads `folder` in both engines; runs `check(ours, reference)` and frees both.
async function withBoth(folder, check) {
  const { modelJson, shards, weights, metadataJson } = readModelFiles(folder);
  const reference = await tf.loadGraphModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
  const ours = new camlens.TestModel(modelJson, shards, metadataJson);
  try {
    await check(ours, reference);
  } finally {
    ours.delete();
    reference.dispose();
  }
}

// The astronaut's face (or `crop` of it, in pixels) as TensorFlow.js would feed it: resized with
// half-pixel centres, on 0..1, then `finish` (gray or scaled colour).
function tfFace(finish, crop) {
  return tf.tidy(() => {
    let image = tf.tensor3d(astronautFace().rgb, [FACE_SIDE, FACE_SIDE, 3], 'int32').toFloat();
    if (crop) image = image.slice([crop.y, crop.x, 0], [crop.height, crop.width, 3]);
    return finish(tf.image.resizeBilinear(image, [SIZE, SIZE], false, true).div(255)).expandDims(0);
  });
}

test('gender: names, labels and the explained layer', () => {
  const { modelJson, shards, metadataJson } = readModelFiles('models/gender');
  const model = new camlens.TestModel(modelJson, shards, metadataJson);
  const explainer = new camlens.Explainer(modelJson, shards, metadataJson);
  try {
    assert.deepEqual(model.names(), { input: 'input_1', inputShape: [64, 64, 1], logits: GENDER_LOGITS,
                                      probabilities: 'StatefulPartitionedCall/model_1/predictions/Softmax' });
    const info = explainer.describe();
    assert.deepEqual(info.labels, ['female', 'male']);
    assert.deepEqual(info.metadata.crop, { face: 1.6 });
    const features = info.layers.find((layer) => layer.name === info.metadata.explain_layer);
    assert.deepEqual({ kind: features.kind, shape: features.shape, spatial: features.spatial }, { kind: 'Add', shape: [4, 4, 128], spatial: true });
  } finally {
    model.delete();
    explainer.delete();
  }
});

test('gender: our logits match TensorFlow.js within 1e-4; on the astronaut both say female', async () => {
  await withBoth('models/gender', async (ours, reference) => {
    const { data, batch } = inputs(1, -1, 1);
    const x = tf.tensor4d(data, [batch, SIZE, SIZE, 1]);
    const theirs = reference.execute(x, GENDER_LOGITS);
    const logits = ours.forward(data, batch);
    const worst = maxAbsDiff(logits, theirs.dataSync());
    for (let n = 1; n < batch; ++n) assert.ok(maxAbsDiff(logits.subarray(0, 2), logits.subarray(2 * n, 2 * n + 2)) > 1e-3);

    const face = tfFace((rgb) => rgb.mul(tf.tensor1d([0.2989, 0.587, 0.114])).sum(-1, true).sub(0.5).mul(2));
    const ourFace = ours.preprocess(astronautFace().rgb, FACE_SIDE, FACE_SIDE, 3, null);
    const [faceLogits, faceProbabilities] = reference.execute(face, [GENDER_LOGITS, 'StatefulPartitionedCall/model_1/predictions/Softmax']);
    const ourFaceLogits = ours.forward(ourFace, 1);
    const inputDiff = maxAbsDiff(ourFace, face.dataSync());
    const faceDiff = maxAbsDiff(ourFaceLogits, faceLogits.dataSync());
    const [female, male] = faceProbabilities.dataSync();
    console.log(`gender logits: max |ours - tfjs| = ${worst.toExponential(2)} on ${batch} inputs, ` +
      `${faceDiff.toExponential(2)} on the astronaut (input ${inputDiff.toExponential(2)}); tfjs p(female) ${female.toFixed(4)}`);
    assert.ok(worst <= 1e-4, `max difference ${worst}`);
    assert.ok(inputDiff <= 1e-5, `input difference ${inputDiff}`);
    assert.ok(faceDiff <= 1e-4, `astronaut logit difference ${faceDiff}`);
    assert.ok(female > male && ourFaceLogits[0] > ourFaceLogits[1]);
    tf.dispose([x, theirs, face, faceLogits, faceProbabilities]);
  });
});

test('gender-ssrnet-imdb: our score matches TensorFlow.js within 1e-4 on 0..255 inputs and the astronaut fed BGR', async () => {
  await withBoth('models/gender-ssrnet-imdb', async (ours, reference) => {
    assert.deepEqual(ours.names(), { input: 'input_4', inputShape: [64, 64, 3], logits: SSRNET_LOGITS, probabilities: '' });
    const { data, batch } = inputs(3, 0, 255);
    const x = tf.tensor4d(data, [batch, SIZE, SIZE, 3]);
    const theirs = reference.execute(x);
    const output = scores(ours.forward(data, batch));
    assert.equal(output.length, batch);
    const worst = maxAbsDiff(output, theirs.dataSync());

    console.log(`gender-ssrnet-imdb: max |ours - tfjs| = ${worst.toExponential(2)} on ${batch} inputs ` +
      `(outputs ${Array.from(output, (v) => v.toFixed(4)).join(', ')})`);
    assert.ok(worst <= 1e-4, `max difference ${worst}`);
    // The inputs really differ: the outputs span most of 0..1.
    assert.ok(Math.max(...output) - Math.min(...output) > 0.5);

    // The whole face and a tighter square of it, blue first as the metadata says.
    const outputs = [];
    for (const crop of [null, { x: 10, y: 10, width: 120, height: 120 }]) {
      const face = tfFace((rgb) => tf.reverse(rgb, -1).mul(255), crop);
      const ourFace = ours.preprocess(astronautFace().rgb, FACE_SIDE, FACE_SIDE, 3, crop);
      const faceOutput = reference.execute(face);
      const ourFaceOutput = scores(ours.forward(ourFace, 1));
      const inputDiff = maxAbsDiff(ourFace, face.dataSync());
      const faceDiff = maxAbsDiff(ourFaceOutput, faceOutput.dataSync());
      console.log(`gender-ssrnet-imdb on the astronaut, crop ${JSON.stringify(crop)}: max |ours - tfjs| = ` +
        `${faceDiff.toExponential(2)} (input ${inputDiff.toExponential(2)}); ours ${ourFaceOutput[0].toFixed(5)}, ` +
        `tfjs ${faceOutput.dataSync()[0].toFixed(5)}`);
      // 0..255 inputs: a few ulps of 255.
      assert.ok(inputDiff <= 1e-3, `input difference ${inputDiff}`);
      assert.ok(faceDiff <= 1e-4, `astronaut difference ${faceDiff}`);
      outputs.push(ourFaceOutput[0]);
      tf.dispose([face, faceOutput]);
    }
    // Fed BGR, SSR-Net calls her female on both (fed RGB, it said male on the tighter one).
    assert.ok(outputs.every((output) => output < 0.5), `outputs ${outputs}`);
    tf.dispose([x, theirs]);
  });
});

// TensorFlow.js has no gradient for StridedSlice, which SSR-Net's head uses: the oracle runs the
// graph to the three stages' outputs and sums them as the head does, in ops tf.grad knows:
// sum over stages k of sum_i (i + local_k[i]) pred_k[i] / prod_{j <= k} 3 (1 + delta_j).
const STAGE_NODES = ['1', '2', '3'].flatMap((k) => ['pred_stage' + k + '/Relu', 'local_delta_stage' + k + '/Tanh',
  'delta_s' + k + '/Tanh'].map((name) => `StatefulPartitionedCall/functional_7/${name}`));
function ssrnetHead(stages) {
  let out = null, divisor = null;
  for (let k = 0; k < 3; ++k) {
    const [pred, local, delta] = stages.slice(3 * k, 3 * k + 3);
    const stageDivisor = tf.mul(3, tf.add(1, delta));
    divisor = divisor ? tf.mul(divisor, stageDivisor) : stageDivisor;
    const term = tf.div(tf.sum(tf.mul(tf.add(tf.tensor1d([0, 1, 2]), local), pred), -1, true), divisor);
    out = out ? tf.add(out, term) : term;
  }
  return out;
}

test('gender-ssrnet-imdb: Grad-CAM at both streams and saliency equal tf.grad through TensorFlow.js', async () => {
  // A left-to-right ramp, shifted per channel: the model answers 0.07 on it, short of saturation
  // (it saturates at 0 or 1 on most faces), and both streams pass gradients (on many inputs the
  // Tanh stream's ReLUs are all off).
  const rgb = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; ++y) {
    for (let x = 0; x < SIZE; ++x) {
      // Written red last: the model reads blue first (its metadata's BGR).
      for (let c = 0; c < 3; ++c) rgb[(y * SIZE + x) * 3 + c] = ((x + (2 - c) * 7) % SIZE) * 4;
    }
  }
  const rgba = new Uint8ClampedArray(SIZE * SIZE * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[(i >> 2) * 3 + (i % 4)]));
  const { modelJson, shards, metadataJson } = readModelFiles('models/gender-ssrnet-imdb');
  const explainer = new camlens.Explainer(modelJson, shards, metadataJson);
  await withBoth('models/gender-ssrnet-imdb', async (ours, reference) => {
    explainer.setImage(rgba, SIZE, SIZE);
    const input = tf.tensor4d(ours.preprocess(rgb, SIZE, SIZE, 3, null), [1, SIZE, SIZE, 3]);
    const output = reference.execute(input, SSRNET_OUTPUT).dataSync()[0];
    assert.ok(output > 0.02 && output < 0.98, `output ${output}`);
    const head = tf.tidy(() => ssrnetHead(reference.execute(input, STAGE_NODES)).dataSync()[0]);
    assert.ok(Math.abs(head - output) <= 1e-5, `the oracle's head ${head}, the graph's ${output}`);

    // Class 1 (male) follows +ds through the two logits, times 1 / (2 s (1 - s)): the oracle's maps,
    // linear in the gradient, are scaled by that. Largest |ours - oracle| as a fraction of the
    // oracle's largest |value|.
    const logitSlope = 1 / (2 * output * (1 - output));
    const compare = (method, layer, unscaled) => {
      const oracle = unscaled.map((v) => v * logitSlope);
      const view = explainer.view({ methods: [method], class: 1, layer, pictures: false });
      const values = view.explanations[0].raw.values;
      assert.equal(values.length, oracle.length);
      let worst = 0, scale = 0;
      oracle.forEach((v, i) => { worst = Math.max(worst, Math.abs(values[i] - v)); scale = Math.max(scale, Math.abs(v)); });
      assert.ok(scale > 0, 'the oracle map is all zeros: a weak test');
      console.log(`gender-ssrnet-imdb ${method}${layer ? ` at ${layer.split('/').at(-2)}` : ''}: ` +
        `max |ours - TensorFlow.js| = ${(worst / scale).toExponential(2)} of max |map|`);
      assert.ok(worst / scale <= 1e-4, `${method} at ${layer}: ${worst / scale} of max |map|`);
    };
    for (const layer of ['activation_27/Relu', 'activation_31/Tanh'].map((name) => `StatefulPartitionedCall/functional_7/${name}`)) {
      // The other stream still reads the input: feed both, differentiate through the layer's activation.
      const activation = reference.execute(input, layer);
      const gradient = tf.grad((a) => tf.sum(ssrnetHead(reference.execute({ input_4: input, [layer]: a }, STAGE_NODES))))(activation);
      const [, h, w, c] = activation.shape;
      const a = activation.dataSync(), g = gradient.dataSync();
      const weights = new Float64Array(c);
      for (let p = 0; p < h * w; ++p) for (let k = 0; k < c; ++k) weights[k] += g[p * c + k] / (h * w);
      const map = new Float64Array(h * w);
      for (let p = 0; p < h * w; ++p) for (let k = 0; k < c; ++k) map[p] += weights[k] * a[p * c + k];
      compare('grad-cam', layer, map);
      tf.dispose([activation, gradient]);
    }
    const gradient = tf.grad((x) => tf.sum(ssrnetHead(reference.execute(x, STAGE_NODES))))(input);
    compare('saliency', null, Float64Array.from(tf.tidy(() => tf.max(tf.abs(gradient), -1)).dataSync()));
    tf.dispose([input, gradient]);
  });
  explainer.delete();
});
