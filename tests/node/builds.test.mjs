// The three page modules (web/js/worker.js picks one) run one engine: camlens.mjs multiplies with
// relaxed SIMD's fused multiply-add, camlens-simd128.mjs and camlens-single.mjs with SIMD128's
// separate multiply and add. Only rounding may tell them apart: the same logits to 1e-5, the same
// four maps to 1e-4 (maps are scaled to [0, 1]), the same top class.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, maxAbsDiff, emotionExplainer } from './support.mjs';

const METHODS = ['cam', 'grad-cam', 'grad-cam++', 'saliency'];

async function runBuild(name) {
  const camlens = await loadCamlens(name);
  const explainer = emotionExplainer(camlens);
  const view = explainer.view({ methods: METHODS });
  explainer.delete();
  const { classes } = view.prediction;
  const logits = new Float32Array(classes.length);
  for (const { class: index, logit } of classes) logits[index] = logit;
  assert.deepEqual(view.explanations.map((e) => e.method), METHODS);
  return { logits, top: classes[0].label, maps: view.explanations.map((e) => e.raw.values) };
}

const fused = await runBuild('camlens');

for (const name of ['camlens-simd128', 'camlens-single']) {
  test(`${name}.mjs agrees with camlens.mjs (fused multiply-add) up to rounding`, async () => {
    const plain = await runBuild(name);
    assert.equal(plain.top, fused.top);
    assert.ok(maxAbsDiff(plain.logits, fused.logits) <= 1e-5, `logits differ by ${maxAbsDiff(plain.logits, fused.logits)}`);
    for (const [i, method] of METHODS.entries()) {
      const difference = maxAbsDiff(plain.maps[i], fused.maps[i]);
      assert.ok(difference <= 1e-4, `${method}: maps differ by ${difference}`);
    }
  });
}
