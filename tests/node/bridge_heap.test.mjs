// The page's bridge does not leak: the WASM heap (bytes malloc has handed out, and the memory's
// size) is the same after 1,000 explanations of the astronaut's face as after a warm-up, with
// every result copied out and every handle deleted.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, readModelFiles, astronautFace, FACE_SIDE } from './support.mjs';

const { modelJson, weights, metadataJson } = readModelFiles('models/emotion');
const HAPPY = 3;
const SIDE = FACE_SIDE;
const CROP = { x: 10, y: 5, width: 120, height: 110 };
const { rgba } = astronautFace();

const camlens = await loadCamlens();
const model = new camlens.Model(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
const image = new camlens.Image(rgba, SIDE, SIDE);

test('the WASM heap stays flat over 1,000 explanations', () => {
  // Mostly CAM (one forward pass, the cheapest); every tenth a method with a backward pass.
  const methods = ['cam', 'cam', 'cam', 'cam', 'grad-cam', 'cam', 'cam', 'cam', 'cam', 'saliency'];
  const explainSome = (count) => {
    for (let i = 0; i < count; ++i) {
      const e = model.explain(image, { method: methods[i % methods.length], crop: i % 2 ? CROP : null, smooth: i % 3 > 0 });
      assert.equal(e.classIndex, HAPPY);
    }
  };
  explainSome(20);  // warm-up: the graph's buffers reach their largest sizes
  const before = { inUse: camlens.heapBytes(), memory: camlens.HEAP8.length };
  explainSome(1000);
  const after = { inUse: camlens.heapBytes(), memory: camlens.HEAP8.length };
  console.log(`heap over 1,000 explanations: ${before.inUse} -> ${after.inUse} bytes in use, ` +
    `WASM memory ${before.memory} -> ${after.memory} bytes`);
  assert.deepEqual(after, before);
});

test('replacing the model and the image (as the worker does) leaves the heap as it was', () => {
  const cycle = () => {
    const nextModel = new camlens.Model(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
    const nextImage = new camlens.Image(rgba, SIDE, SIDE);
    assert.equal(nextModel.explain(nextImage, { method: 'cam' }).classIndex, HAPPY);
    try {
      nextModel.explain(nextImage, { method: 'no-such' });
    } catch {
      // the error path must not leak either
    }
    nextImage.delete();
    nextModel.delete();
  };
  cycle();
  const before = camlens.heapBytes();
  for (let i = 0; i < 20; ++i) cycle();
  assert.equal(camlens.heapBytes(), before);
});
