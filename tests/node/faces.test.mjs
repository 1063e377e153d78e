// The face detector in our WebAssembly module (camlens.FaceDetector, what the page's worker runs)
// against TensorFlow.js running BlazeFace with the same input and decoding
// (blazeface_oracle.mjs): the same faces, boxes within one pixel, scores within 1e-4, for both
// models the page runs (the back-camera one on photos, the front-camera one on webcam frames).
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, readModelFiles } from './support.mjs';
import { canvasWithFaces, tfjsDetector } from './blazeface_oracle.mjs';

const camlens = await loadCamlens('camlens-test');
const DETECTORS = [{ folder: 'models/blazeface', size: 256 }, { folder: 'models/blazeface-front', size: 128 }];

function rgbaOf({ width, height, pixels }) {
  const rgba = new Uint8Array(width * height * 4).fill(255);
  for (let i = 0; i < width * height; ++i) rgba.set(pixels.subarray(i * 3, i * 3 + 3), i * 4);
  return rgba;
}

for (const { folder, size } of DETECTORS) {
  test(`FaceDetector (${folder}) finds the faces TensorFlow.js finds, boxes within one pixel, each with its square crop`, async () => {
    const { modelJson, shards } = readModelFiles(folder);
    const tfjsFaces = await tfjsDetector(folder, size);
    const detector = new camlens.FaceDetector(modelJson, shards);
    try {
      for (const [image, count] of [[canvasWithFaces(300, 200, [[100, 30]]), 1], [canvasWithFaces(420, 220, [[40, 40], [240, 40]]), 2]]) {
        const ours = detector.detect(rgbaOf(image), image.width, image.height, camlens.faceCropScale);
        const theirs = tfjsFaces(image);
        assert.equal(ours.length, count);
        assert.equal(theirs.length, count);
        let worst = 0;
        ours.forEach((face, i) => {
          for (const key of ['x', 'y', 'width', 'height']) worst = Math.max(worst, Math.abs(face[key] - theirs[i][key]));
          assert.ok(Math.abs(face.score - theirs[i].score) <= 1e-4);
          // The crop: a square around the face, inside the image.
          const { x, y, width, height } = face.crop;
          assert.equal(width, height);
          assert.ok(x >= 0 && y >= 0 && x + width <= image.width && y + height <= image.height, JSON.stringify(face.crop));
          assert.ok(x <= face.x && x + width >= face.x + face.width, JSON.stringify([face, face.crop]));
        });
        // A model's wider framing ({"face": 1.8}): the same faces, squares 1.8 / 1.25 times as wide, as centred.
        const wide = detector.detect(rgbaOf(image), image.width, image.height, 1.8);
        wide.forEach((face, i) => {
          assert.deepEqual([face.x, face.y, face.width, face.height], [ours[i].x, ours[i].y, ours[i].width, ours[i].height]);
          assert.ok(Math.abs(face.crop.width / ours[i].crop.width - 1.8 / 1.25) < 0.03, JSON.stringify([face.crop, ours[i].crop]));
        });
        console.log(`${folder}, ${image.width}x${image.height}, ${count} face(s): max |box ours - tfjs| = ${worst.toExponential(2)} px`);
        assert.ok(worst <= 1, `boxes differ by ${worst} px`);
      }
      assert.throws(() => detector.detect(new Uint8Array(10), 4, 4, camlens.faceCropScale), (e) => e instanceof Error && /needs 64 bytes, got 10/.test(e.message));
    } finally {
      detector.delete();
    }
  });
}

test('FaceDetector refuses a model that is not BlazeFace, saying why', () => {
  const emotion = readModelFiles('models/emotion');
  assert.throws(() => new camlens.FaceDetector(emotion.modelJson, emotion.shards),
    (e) => e instanceof Error && /face detector: the model's input is \[64, 64, 1\]/.test(e.message));
});
