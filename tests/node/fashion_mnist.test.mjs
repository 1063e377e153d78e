// The committed Fashion-MNIST model (models/fashion-mnist, a TensorFlow.js layers model written by
// our saver) in our WebAssembly module: >= 91% on the 10,000 official test images; and
// TensorFlow.js (cpu backend) loads the same files and agrees with our logits within 1e-4.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { loadCamlens, loadTf, maxAbsDiff, tfArtifacts, readModelFiles } from './support.mjs';

const dataDir = '/usr/share/datasets/fashion-mnist';
const SIDE = 28;

// An IDX file of unsigned bytes (magic 0 0 8 rank, big-endian dims): the values after the header.
function readIdx(file) {
  const bytes = zlib.gunzipSync(fs.readFileSync(path.join(dataDir, file)));
  assert.equal(bytes[2], 0x08, `${file}: not an unsigned-byte IDX file`);
  return bytes.subarray(4 + 4 * bytes[3]);
}

const images = Float32Array.from(readIdx('t10k-images-idx3-ubyte.gz'), (v) => v / 255);
const labels = readIdx('t10k-labels-idx1-ubyte.gz');
const { modelJson, shards, weights } = readModelFiles('models/fashion-mnist');

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();

function argmax(row) {
  let best = 0;
  for (let i = 1; i < row.length; ++i) if (row[i] > row[best]) best = i;
  return best;
}

test('fashion-mnist: our module scores at least 91% on the 10,000 test images', () => {
  const model = new camlens.TestModel(modelJson, shards);
  try {
    const batch = 500;
    const perImage = SIDE * SIDE;
    let correct = 0;
    for (let start = 0; start < labels.length; start += batch) {
      const logits = model.forward(images.subarray(start * perImage, (start + batch) * perImage), batch);
      const classes = logits.length / batch;
      for (let n = 0; n < batch; ++n) {
        if (argmax(logits.subarray(n * classes, (n + 1) * classes)) === labels[start + n]) ++correct;
      }
    }
    const accuracy = correct / labels.length;
    console.log(`fashion-mnist accuracy in WebAssembly: ${(100 * accuracy).toFixed(2)}%`);
    assert.ok(accuracy >= 0.91, `accuracy ${accuracy}`);
  } finally {
    model.delete();
  }
});

test('fashion-mnist: TensorFlow.js loads the committed files and agrees with our logits within 1e-4', async () => {
  const model = new camlens.TestModel(modelJson, shards);
  try {
    const { logits } = model.names();
    const tfModel = await tf.loadLayersModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
    const logitsModel = tf.model({ inputs: tfModel.inputs, outputs: tfModel.getLayer(logits).output });
    const count = 256;
    const batchImages = images.subarray(0, count * SIDE * SIDE);
    const expected = logitsModel.predict(tf.tensor4d(batchImages, [count, SIDE, SIDE, 1])).dataSync();
    const ours = model.forward(batchImages, count);
    const worst = maxAbsDiff(ours, expected);
    console.log(`fashion-mnist: max |ours - tfjs| over ${count} images' logits = ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-4, `max |ours - tfjs| = ${worst}`);
  } finally {
    model.delete();
  }
});
