// renderMap (wasm/bindings/bindings.cpp): a map kept at its layer's resolution, as a training
// timeline stores it, drawn again over its image. It must give the very pictures a view draws of
// that map, so the Training view's frames and the explain view's panels share one colormap.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, expectError, emotionExplainer, astronautFace, FACE_SIDE } from './support.mjs';

const camlens = await loadCamlens();
const explainer = emotionExplainer(camlens);
const WHOLE = { x: 0, y: 0, width: FACE_SIDE, height: FACE_SIDE };
const { rgba } = astronautFace();

function sameBytes(a, b, what) {
  assert.equal(a.length, b.length, `${what}: sizes differ`);
  let differing = 0;
  for (let i = 0; i < a.length; ++i) differing += a[i] !== b[i] ? 1 : 0;
  assert.equal(differing, 0, `${what}: ${differing} bytes differ`);
}

test('a view\'s raw map, drawn again, gives the view\'s pictures bit for bit in every look', () => {
  const looks = [
    { colormap: 'jet', alpha: 0.4, smooth: true },
    { colormap: 'viridis', alpha: 0.75, smooth: false },
    { colormap: 'gray', alpha: 1, smooth: true, max_side: 64 },
  ];
  for (const look of looks) {
    for (const method of ['cam', 'grad-cam']) {
      const view = explainer.view({ crop: WHOLE, methods: [method], ...look });
      const { raw, pictures } = view.explanations[0];
      const drawn = camlens.renderMap(Array.from(raw.values), raw.width, raw.height, rgba, FACE_SIDE, FACE_SIDE, look);
      const what = `${method} in ${JSON.stringify(look)}`;
      assert.deepEqual([drawn.overlay.width, drawn.overlay.height], [pictures.overlay.width, pictures.overlay.height], what);
      sameBytes(drawn.overlay.rgba, pictures.overlay.rgba, `${what}: overlay`);
      sameBytes(drawn.heatmap.rgba, pictures.heatmap.rgba, `${what}: heatmap`);
    }
  }
});

test('a map or an image of the wrong size, or a look the view refuses, is an Error that says so', () => {
  const raw = new Array(49).fill(1);
  expectError(() => camlens.renderMap(raw, 7, 6, rgba, FACE_SIDE, FACE_SIDE, {}), /a 7x6 map needs 42 values, got 49/);
  expectError(() => camlens.renderMap(raw, 0, 49, rgba, FACE_SIDE, FACE_SIDE, {}), /a 0x49 map needs 0 values, got 49/);
  expectError(() => camlens.renderMap(raw, 7, 7, rgba, 10, 10, {}), /a 10x10 RGBA image needs 400 bytes, got 78400/);
  expectError(() => camlens.renderMap(raw, 7, 7, rgba, FACE_SIDE, FACE_SIDE, { colormap: 'rainbow' }), /rainbow/);
  expectError(() => camlens.renderMap(raw, 7, 7, rgba, FACE_SIDE, FACE_SIDE, { alpha: 2 }), /alpha/);
});
