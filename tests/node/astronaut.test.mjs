// The astronaut check: on the face crop of scikit-image's astronaut photo
// (tests/fixtures/images/astronaut_face.rgb, 140x140 RGB bytes), our WebAssembly module (the tests'
// module's TestModel, the page's engine), with its own preprocessing from the model's metadata, gives the logits TensorFlow.js gives with the same
// preprocessing written in TensorFlow.js: bilinear resize to 64x64 with half-pixel centres
// (tf.image.resizeBilinear(..., alignCorners=false, halfPixelCenters=true), the convention both sides
// use), /255, gray = 0.2989 R + 0.5870 G + 0.1140 B, then (gray - 0.5) * 2. Both call it happy.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { root, loadCamlens, loadTf, maxAbsDiff, tfArtifacts, readModelFiles } from './support.mjs';

const { modelJson, weights, metadataJson } = readModelFiles('models/emotion');
const LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean';
const PROBABILITIES = 'StatefulPartitionedCall/model_1/predictions/Softmax';
const HAPPY = 3;
const SIDE = 140;
const face = new Uint8Array(fs.readFileSync(path.join(root, 'tests/fixtures/images/astronaut_face.rgb')));

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();

// TensorFlow.js's side of the preprocessing: [1, 64, 64, 1].
function tfInput(rgb, crop) {
  return tf.tidy(() => {
    let image = tf.tensor3d(rgb, [SIDE, SIDE, 3], 'int32').toFloat();
    if (crop) image = image.slice([crop.y, crop.x, 0], [crop.height, crop.width, 3]);
    const resized = tf.image.resizeBilinear(image, [64, 64], false, true).div(255);
    const gray = resized.mul(tf.tensor1d([0.2989, 0.587, 0.114])).sum(-1, true);
    return gray.sub(0.5).mul(2).expandDims(0);
  });
}

test('astronaut face: our preprocessing and logits match TensorFlow.js; both say happy with p > 0.999', async () => {
  assert.equal(face.length, SIDE * SIDE * 3);
  const reference = await tf.loadGraphModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
  const model = new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
  try {
    const ourInput = model.preprocess(face, SIDE, SIDE, 3, null);  // the metadata's "center" crop: the whole square
    const ourLogits = model.forward(ourInput, 1);

    const x = tfInput(face);
    const [theirLogits, theirProbabilities] = reference.execute(x, [LOGITS, PROBABILITIES]);
    const inputDiff = maxAbsDiff(ourInput, x.dataSync());
    const logitDiff = maxAbsDiff(ourLogits, theirLogits.dataSync());
    const happy = theirProbabilities.dataSync()[HAPPY];
    const ourHappy = Math.exp(ourLogits[HAPPY]) / ourLogits.reduce((sum, l) => sum + Math.exp(l), 0);
    console.log(`astronaut face: max |input ours - tfjs| = ${inputDiff.toExponential(2)}, ` +
      `max |logit ours - tfjs| = ${logitDiff.toExponential(2)}, p(happy) ours ${ourHappy.toFixed(7)}, tfjs ${happy.toFixed(7)}`);
    // Inputs: the same float operations in a different order; 1e-5 allows a few ulps at the [-1, 1] scale.
    assert.ok(inputDiff <= 1e-5, `input difference ${inputDiff}`);
    assert.ok(logitDiff <= 1e-4, `logit difference ${logitDiff}`);
    assert.equal(ourLogits.indexOf(Math.max(...ourLogits)), HAPPY);
    assert.ok(happy > 0.999 && ourHappy > 0.999, `p(happy) tfjs ${happy}, ours ${ourHappy}`);
    tf.dispose([x, theirLogits, theirProbabilities]);
  } finally {
    model.delete();
    reference.dispose();
  }
});

test('astronaut face, an off-centre crop: preprocess(..., crop) matches tf.slice then resizeBilinear', async () => {
  const reference = await tf.loadGraphModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
  const model = new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
  try {
    const crop = { x: 20, y: 30, width: 100, height: 90 };
    const ourInput = model.preprocess(face, SIDE, SIDE, 3, crop);
    const x = tfInput(face, crop);
    const theirLogits = reference.execute(x, LOGITS);
    assert.ok(maxAbsDiff(ourInput, x.dataSync()) <= 1e-5);
    const logitDiff = maxAbsDiff(model.forward(ourInput, 1), theirLogits.dataSync());
    console.log(`astronaut face, crop 20,30 100x90: max |logit ours - tfjs| = ${logitDiff.toExponential(2)}`);
    assert.ok(logitDiff <= 1e-4, `logit difference ${logitDiff}`);
    tf.dispose([x, theirLogits]);

    assert.throws(() => model.preprocess(face, SIDE, SIDE, 3, { x: 100, y: 100, width: 60, height: 60 }),
      (e) => e instanceof Error && /the crop box x=100 y=100 width=60 height=60 is not inside the 140x140 image/.test(e.message));
    assert.throws(() => model.preprocess(face.subarray(0, 100), SIDE, SIDE, 3, null),
      (e) => e instanceof Error && /a 140x140x3 image needs 58800 bytes/.test(e.message));
  } finally {
    model.delete();
    reference.dispose();
  }
});
