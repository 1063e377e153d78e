// Layers models both ways against TensorFlow.js (cpu backend): a functional model built and saved
// by tfjs, using every layer class our importer reads, loads in our module with the same logits;
// saved again by our saver, it loads in tf.loadLayersModel and still agrees.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, loadTf, seededRandom, maxAbsDiff, tfArtifacts } from './support.mjs';

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();

function buildModel() {
  const input = tf.input({ shape: [9, 8, 3], name: 'img' });
  const rescaled = tf.layers.rescaling({ scale: 2, offset: -1, name: 'rescale' }).apply(input);
  const padded = tf.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]], name: 'pad' }).apply(rescaled);
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, activation: 'relu', name: 'conv' }).apply(padded);
  const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv);
  const sep = tf.layers.separableConv2d({
    filters: 5, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu6', name: 'sep',
  }).apply(bn);
  const dw = tf.layers.depthwiseConv2d({ kernelSize: [3, 2], padding: 'same', useBias: false, activation: 'elu', name: 'dw' }).apply(bn);
  const cat = tf.layers.concatenate({ name: 'cat' }).apply([sep, dw]);
  const pool = tf.layers.maxPooling2d({ poolSize: 2, strides: 1, name: 'pool' }).apply(cat);
  const avg = tf.layers.averagePooling2d({ poolSize: 2, padding: 'same', name: 'avg' }).apply(pool);
  const act = tf.layers.activation({ activation: 'relu', name: 'act' }).apply(avg);
  // Keras's value-by-value activations, as layers and as a layer's own activation.
  const squashed = tf.layers.activation({ activation: 'sigmoid', name: 'squashed' }).apply(avg);
  const bent = tf.layers.activation({ activation: 'tanh', name: 'bent' }).apply(squashed);
  const hard = tf.layers.activation({ activation: 'hardSigmoid', name: 'hard' }).apply(avg);
  const sum = tf.layers.add({ name: 'sum' }).apply([act, avg, bent, hard]);
  const gap = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(sum);
  const flat = tf.layers.flatten({ name: 'flat' }).apply(sum);
  const both = tf.layers.concatenate({ name: 'both' }).apply([gap, flat]);
  const drop = tf.layers.dropout({ rate: 0.25, name: 'drop' }).apply(both);
  const hidden = tf.layers.dense({ units: 6, activation: 'swish', name: 'hidden' }).apply(drop);
  const logits = tf.layers.dense({ units: 4, name: 'fc' }).apply(hidden);
  const probs = tf.layers.activation({ activation: 'softmax', name: 'probs' }).apply(logits);
  const model = tf.model({ inputs: input, outputs: probs });
  // Seeded weights; BatchNorm gets statistics far from its defaults so it really acts.
  const random = seededRandom(42);
  model.setWeights(model.weights.map((w) => {
    const values = Float32Array.from({ length: w.shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5);
    if (w.originalName.endsWith('moving_variance')) values.forEach((v, i) => { values[i] = 0.5 + Math.abs(v); });
    return tf.tensor(values, w.shape);
  }));
  return model;
}

async function saveWithTf(model) {
  let artifacts;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  const modelJson = JSON.stringify({
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers',
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: artifacts.weightSpecs }],
  });
  return { modelJson, weights: new Uint8Array(artifacts.weightData) };
}

const logitsOf = (model, x) => tf.model({ inputs: model.inputs, outputs: model.getLayer('fc').output }).predict(x);

function images(batch) {
  const random = seededRandom(7);
  return Float32Array.from({ length: batch * 9 * 8 * 3 }, () => random());
}

test('a tfjs-saved layers model loads in our module with the same logits, and our saver writes it back for tfjs', async () => {
  const original = buildModel();
  const { modelJson, weights } = await saveWithTf(original);
  const ours = new camlens.TestModel(modelJson, [{ name: 'group1-shard1of1.bin', bytes: weights }]);
  const explainer = new camlens.Explainer(modelJson, [{ name: 'group1-shard1of1.bin', bytes: weights }], '');
  try {
    const names = ours.names();
    assert.deepEqual([names.input, names.inputShape, names.logits, names.probabilities], ['img', [9, 8, 3], 'fc', 'probs']);
    assert.deepEqual(explainer.describe().layers.map((n) => n.name).slice(0, 3), ['rescale', 'pad', 'conv']);

    const batch = 5;
    const data = images(batch);
    const x = tf.tensor4d(data, [batch, 9, 8, 3]);
    const expected = logitsOf(original, x);
    const logits = ours.forward(data, batch);
    const worst = maxAbsDiff(logits, expected.dataSync());
    console.log(`tfjs layers model in camlens: max |ours - tfjs| logits = ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-5, `max difference ${worst}`);

    const saved = ours.saveLayersModel();
    const reloaded = await tf.loadLayersModel(tf.io.fromMemory(tfArtifacts(saved.modelJson, saved.weights)));
    const again = logitsOf(reloaded, x);
    const worstBack = maxAbsDiff(logits, again.dataSync());
    console.log(`camlens-saved layers model in tfjs: max |ours - tfjs| logits = ${worstBack.toExponential(2)}`);
    assert.ok(worstBack <= 1e-5, `max difference ${worstBack}`);
    const probabilities = reloaded.predict(x);
    assert.ok(maxAbsDiff(probabilities.dataSync(), original.predict(x).dataSync()) <= 1e-6);
    tf.dispose([x, expected, again, probabilities]);
    reloaded.dispose();
  } finally {
    ours.delete();
    explainer.delete();
    original.dispose();
  }
});
