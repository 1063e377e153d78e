// The emotion model (models/emotion, a TensorFlow.js graph model) in our WebAssembly module against
// TensorFlow.js itself (cpu backend): same logits within 1e-4 on seeded random and smooth images;
// the same model saved by our layers-model saver loads in tf.loadLayersModel and agrees too.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, loadTf, seededRandom, maxAbsDiff, tfArtifacts, readModelFiles } from './support.mjs';

const { modelJson, weights, metadataJson } = readModelFiles('models/emotion');
const LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean';
const SIZE = 64;

// Six 64x64 gray inputs in the model's range (-1..1): four seeded random, two smooth gradients.
function inputs() {
  const batch = 6;
  const data = new Float32Array(batch * SIZE * SIZE);
  for (let n = 0; n < 4; ++n) {
    const random = seededRandom(1000 + n);
    for (let i = 0; i < SIZE * SIZE; ++i) data[n * SIZE * SIZE + i] = random() * 2 - 1;
  }
  for (let y = 0; y < SIZE; ++y) {
    for (let x = 0; x < SIZE; ++x) {
      data[4 * SIZE * SIZE + y * SIZE + x] = (x / (SIZE - 1)) * 2 - 1;  // left-to-right ramp
      data[5 * SIZE * SIZE + y * SIZE + x] = Math.cos(Math.hypot(x - 32, y - 24) / 9);  // rings
    }
  }
  return { data, batch };
}

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();

test('emotion: the input, logits and probabilities nodes; describe() reports labels and the default layer', () => {
  const model = new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
  const explainer = new camlens.Explainer(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
  try {
    assert.deepEqual(model.names(), { input: 'input_1', inputShape: [64, 64, 1], logits: LOGITS,
                                      probabilities: 'StatefulPartitionedCall/model_1/predictions/Softmax' });
    const info = explainer.describe();
    assert.deepEqual(info.labels, ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral']);
    assert.deepEqual(info.input, { height: 64, width: 64, channels: 1, color: 'gray' });
    assert.equal(info.metadata.explain_layer, 'StatefulPartitionedCall/model_1/add_2/add');
    assert.equal(info.default_layer, info.metadata.explain_layer);
    assert.deepEqual(info.metadata.scaling, { scale: 2, offset: -1 });
    const features = info.layers.find((layer) => layer.name === info.metadata.explain_layer);
    assert.deepEqual({ kind: features.kind, shape: features.shape, spatial: features.spatial }, { kind: 'Add', shape: [8, 8, 256], spatial: true });
    assert.equal(info.layers.at(-1).kind, 'Softmax');
  } finally {
    model.delete();
    explainer.delete();
  }
});

test('emotion: our logits match TensorFlow.js (graph model, cpu backend) within 1e-4', async () => {
  const reference = await tf.loadGraphModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
  const model = new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
  try {
    const { data, batch } = inputs();
    const ours = model.forward(data, batch);
    const x = tf.tensor4d(data, [batch, SIZE, SIZE, 1]);
    const theirs = reference.execute(x, LOGITS);
    const expected = theirs.dataSync();
    assert.equal(ours.length, batch * 7);
    const worst = maxAbsDiff(ours, expected);
    console.log(`emotion logits, ${batch} inputs: max |ours - tfjs| = ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-4, `max difference ${worst}`);
    // The inputs really differ: no two rows of logits agree.
    for (let n = 1; n < batch; ++n) assert.ok(maxAbsDiff(ours.subarray(0, 7), ours.subarray(n * 7, n * 7 + 7)) > 1e-3);
    // One image alone gives what it gave in the batch.
    const single = model.forward(data.subarray(4 * SIZE * SIZE, 5 * SIZE * SIZE), 1);
    assert.ok(maxAbsDiff(single, ours.subarray(28, 35)) <= 1e-6);
    tf.dispose([x, theirs]);
  } finally {
    model.delete();
    reference.dispose();
  }
});

test('emotion: saved by our layers-model saver, it loads in tf.loadLayersModel and gives the same logits', async () => {
  const model = new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
  try {
    const saved = model.saveLayersModel();
    assert.equal(saved.weightsFile, 'weights.bin');
    const layersModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifacts(saved.modelJson, saved.weights)));
    const toLogits = tf.model({ inputs: layersModel.inputs, outputs: layersModel.getLayer(LOGITS).output });
    const { data, batch } = inputs();
    const x = tf.tensor4d(data, [batch, SIZE, SIZE, 1]);
    const theirs = toLogits.predict(x);
    const worst = maxAbsDiff(model.forward(data, batch), theirs.dataSync());
    console.log(`emotion as a layers model in tfjs: max |ours - tfjs| = ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-4, `max difference ${worst}`);
    // The saved file carries the metadata back to us.
    const reloaded = new camlens.Explainer(saved.modelJson, [{ name: saved.weightsFile, bytes: saved.weights }], '');
    const original = new camlens.Explainer(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
    assert.deepEqual(reloaded.describe().metadata, original.describe().metadata);
    assert.equal(reloaded.describe().labels[3], 'happy');
    original.delete();
    reloaded.delete();
    tf.dispose([x, theirs]);
    layersModel.dispose();
  } finally {
    model.delete();
  }
});

test('a corrupt model.json or weights file gives a JS Error carrying our message', () => {
  const shards = [{ name: 'emotion.bin', bytes: weights }];
  assert.throws(() => new camlens.TestModel(modelJson.slice(0, 5000), shards),
    (e) => e instanceof Error && /model\.json is not valid JSON/.test(e.message));
  assert.throws(() => new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights.subarray(0, 1000) }]),
    (e) => e instanceof Error && /shard file 'emotion\.bin' is too short: tensor '/.test(e.message));
  assert.throws(() => new camlens.TestModel(modelJson, []),
    (e) => e instanceof Error && /needs the shard file 'emotion\.bin', which was not given/.test(e.message));
  const model = new camlens.TestModel(modelJson, shards, metadataJson);
  assert.throws(() => model.forward(new Float32Array(10), 1),
    (e) => e instanceof Error && /TestModel\.forward: 1 input\(s\) of \[64, 64, 1\] need 4096 values, got 10/.test(e.message));
  model.delete();
});
