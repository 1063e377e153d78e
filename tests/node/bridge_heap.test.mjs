// The page's bridge does not leak: the WASM heap (bytes malloc has handed out, and the memory's
// size) is the same after 1,050 views of the astronaut's face as after a warm-up, with every result
// copied out and every handle deleted. The tests' module (camlens-test.mjs) is the page's bridge
// plus heapBytes.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, readModelFiles, astronautFace, FACE_SIDE } from './support.mjs';

const { modelJson, shards, metadataJson } = readModelFiles('models/emotion');
const HAPPY = 3;
const SIDE = FACE_SIDE;
const CROP = { x: 10, y: 5, width: 120, height: 110 };
const WHOLE = { x: 0, y: 0, width: SIDE, height: SIDE };
const { rgba } = astronautFace();

const camlens = await loadCamlens('camlens-test');
const explainer = new camlens.Explainer(modelJson, shards, metadataJson);
explainer.setImage(rgba, SIDE, SIDE);

test('the WASM heap stays flat over 1,050 views', () => {
  // Mostly CAM (one forward pass, the cheapest); every fifth a method with a backward pass. The crop
  // alternates, so every view runs its forward pass and replaces the kept maps; every third is
  // recoloured, and every seventh streams its parts. The pattern repeats every 210 views, and the
  // heap is read at the same point of it each time: what the engine keeps depends on the last view.
  const methods = ['cam', 'cam', 'cam', 'cam', 'grad-cam', 'cam', 'cam', 'cam', 'cam', 'saliency'];
  const viewSome = (from, to) => {
    for (let i = from; i < to; ++i) {
      const request = { methods: [methods[i % methods.length]], crop: i % 2 ? CROP : WHOLE, smooth: i % 3 > 0 };
      const parts = [];
      const view = i % 7 ? explainer.view(request) : explainer.view(request, undefined, (part) => parts.push(part));
      assert.equal(view.explanations[0].class, HAPPY);
      if (i % 3 === 0) assert.equal(explainer.view({ ...request, colormap: 'viridis' }).passes.forward, 0);
    }
  };
  viewSome(0, 210);  // warm-up, one whole pattern: the graph's buffers and the kept maps reach their largest sizes
  const before = { inUse: camlens.heapBytes(), memory: camlens.HEAP8.length };
  viewSome(210, 210 + 5 * 210);
  const after = { inUse: camlens.heapBytes(), memory: camlens.HEAP8.length };
  console.log(`heap over 1,050 views: ${before.inUse} -> ${after.inUse} bytes in use, ` +
    `WASM memory ${before.memory} -> ${after.memory} bytes`);
  // Allocation order may shift a block by a few bytes; a leak of even one map or one string per
  // view would add hundreds of kilobytes over 1,050 views.
  assert.ok(Math.abs(after.inUse - before.inUse) < 1024, `heap in use moved by ${after.inUse - before.inUse} bytes`);
  assert.equal(after.memory, before.memory);
});

// `cycle` 20 times leaves the heap as one warm-up cycle left it.
function assertHeapFlat(cycle) {
  cycle();
  const before = camlens.heapBytes();
  for (let i = 0; i < 20; ++i) cycle();
  assert.equal(camlens.heapBytes(), before);
}

test('replacing the explainer and the image (as the worker does), errors and cancels included, leaves the heap as it was', () => {
  assertHeapFlat(() => {
    const next = new camlens.Explainer(modelJson, shards, metadataJson);
    next.setImage(rgba, SIDE, SIDE);
    assert.equal(next.view({ methods: ['cam'] }).explanations[0].class, HAPPY);
    next.setImage(rgba, SIDE, SIDE);
    // The error paths must not leak either.
    assert.throws(() => next.view({ methods: ['no-such'] }), /no method named/);
    assert.throws(() => next.view({ methods: ['cam'], colour: 'jet' }), /unknown field/);
    assert.throws(() => next.view({ methods: ['grad-cam'] }, () => false, undefined), { name: 'CancelledError' });
    next.delete();
  });
});

test('a model that fails to load leaves the heap as it was', () => {
  assertHeapFlat(() => {
    assert.throws(() => new camlens.Explainer(modelJson, [], metadataJson), /was not given/);
  });
});

test('drawing kept maps again (renderMap), refused ones included, leaves the heap as it was', () => {
  const raw = Array.from({ length: 49 }, (_, i) => Math.sin(i));
  assertHeapFlat(() => {
    assert.equal(camlens.renderMap(raw, 7, 7, rgba, SIDE, SIDE, { colormap: 'viridis', max_side: 64 }).overlay.width, 64);
    assert.throws(() => camlens.renderMap(raw, 7, 6, rgba, SIDE, SIDE, {}), /needs 42 values/);
    assert.throws(() => camlens.renderMap(raw, 7, 7, rgba, SIDE, SIDE, { colour: 'jet' }), /unknown field/);
  });
});
