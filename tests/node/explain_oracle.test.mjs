// Explanation maps against an independent oracle: Grad-CAM, Grad-CAM++ and vanilla saliency on the
// emotion model computed with TensorFlow.js (cpu backend, tf.grad through its own graph-model
// executor) and the formulas of pytorch-grad-cam (base_cam.py) written here in JS, compared with our raw
// (un-normalised) maps from the WebAssembly module within 1e-4 of the map's largest |value|.
// Both sides read the same input: our preprocessing of the astronaut's face (TestModel.preprocess
// in the tests' module); our maps come from Explainer.view on the same face.
//
// The gradient at a layer: TensorFlow.js runs the graph model from that layer on, fed with the
// activation as if it were an input (model.execute({[layer]: a}, logits)), and tf.grad takes
// d sum(logits * one-hot) / d a. Saliency: the same from the graph's input.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, loadTf, tfArtifacts, readModelFiles, astronautFace, FACE_SIDE, emotionExplainer } from './support.mjs';

const { modelJson, weights, metadataJson } = readModelFiles('models/emotion');
const LOGITS = 'StatefulPartitionedCall/model_1/global_average_pooling2d_1/Mean';
const INPUT = 'input_1';
const SIDE = FACE_SIDE;
const TOLERANCE = 1e-4;  // of the map's largest |value|
// [layer, class]: the head conv (the default layer: its gradient is 1/64 on the class's channel) for
// happy (the top-1) and sad, then the ends of blocks 3 and 2, whose gradients pass through the head
// conv and block 3's convolutions and pools. (TensorFlow.js's cpu backend takes seconds per deep
// gradient, so each deeper layer gets one class.)
const HEAD_CONV = 'StatefulPartitionedCall/model_1/conv2d_5/BiasAdd';
const CASES = [
  [HEAD_CONV, 3],
  [HEAD_CONV, 4],
  ['StatefulPartitionedCall/model_1/add_2/add', 4],
  ['StatefulPartitionedCall/model_1/add_1/add', 3],
];
const HAPPY = 3;

const { rgb } = astronautFace();

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();
const reference = await tf.loadGraphModel(tf.io.fromMemory(tfArtifacts(modelJson, weights)));
const model = new camlens.TestModel(modelJson, [{ name: 'emotion.bin', bytes: weights }], metadataJson);
const explainer = emotionExplainer(camlens);  // the metadata's crop, as preprocess below
const input = tf.tensor4d(model.preprocess(rgb, SIDE, SIDE, 3, null), [1, 64, 64, 1]);  // the metadata's crop: all 140x140

test.after(() => {
  model.delete();
  explainer.delete();
  reference.dispose();
  input.dispose();
});

function oneHot(classIndex) {
  return tf.oneHot(tf.tensor1d([classIndex], 'int32'), 7).toFloat();
}

// [A, G]: the layer's activation [1, H, W, C] and d logit[class] / d A, as TensorFlow.js computes them.
function activationAndGradient(layer, classIndex) {
  const activation = reference.execute(input, layer);
  const target = oneHot(classIndex);
  const gradient = tf.grad((a) => tf.sum(tf.mul(reference.execute({ [layer]: a }, LOGITS), target)))(activation);
  target.dispose();
  return [activation, gradient];
}

// pytorch-grad-cam's formulas on [H, W, C] arrays; each returns the raw map, H * W values, row-major.
function weightedSum(activation, weights) {
  const [, h, w, c] = activation.shape;
  const a = activation.dataSync();
  const map = new Float64Array(h * w);
  for (let p = 0; p < h * w; ++p) {
    for (let k = 0; k < c; ++k) map[p] += weights[k] * a[p * c + k];
  }
  return map;
}

function gradCam(activation, gradient) {
  const [, h, w, c] = gradient.shape;
  const g = gradient.dataSync();
  const weights = new Float64Array(c);
  for (let p = 0; p < h * w; ++p) for (let k = 0; k < c; ++k) weights[k] += g[p * c + k] / (h * w);
  return weightedSum(activation, weights);
}

// g2 = G^2; g3 = g2 * G; sA[k] = sum_ij A[k]; alpha = g2 / (2 g2 + sA g3 + 1e-6), 0 where G == 0;
// w[k] = sum_ij relu(G) * alpha.
function gradCamPlusPlus(activation, gradient) {
  const [, h, w, c] = gradient.shape;
  const a = activation.dataSync();
  const g = gradient.dataSync();
  const activationSums = new Float64Array(c);
  for (let p = 0; p < h * w; ++p) for (let k = 0; k < c; ++k) activationSums[k] += a[p * c + k];
  const weights = new Float64Array(c);
  for (let p = 0; p < h * w; ++p) {
    for (let k = 0; k < c; ++k) {
      const gk = g[p * c + k];
      if (gk === 0) continue;
      const g2 = gk * gk;
      const alpha = g2 / (2 * g2 + activationSums[k] * g2 * gk + 1e-6);
      weights[k] += Math.max(gk, 0) * alpha;
    }
  }
  return weightedSum(activation, weights);
}

// Simonyan et al.: max over channels of |d logit / d pixel|.
function saliency(classIndex) {
  const target = oneHot(classIndex);
  const gradient = tf.grad((x) => tf.sum(tf.mul(reference.execute(x, LOGITS), target)))(input);
  const map = Float64Array.from(tf.tidy(() => tf.max(tf.abs(gradient), -1)).dataSync());
  tf.dispose([target, gradient]);
  return map;
}

// Largest |ours - oracle| as a fraction of the oracle map's largest |value|.
function relativeError(ours, oracle) {
  assert.equal(ours.length, oracle.length);
  let worst = 0, scale = 0;
  for (let i = 0; i < oracle.length; ++i) {
    worst = Math.max(worst, Math.abs(ours[i] - oracle[i]));
    scale = Math.max(scale, Math.abs(oracle[i]));
  }
  assert.ok(scale > 0, 'the oracle map is all zeros: a weak test');
  return worst / scale;
}

function compare(method, classIndex, layer, oracle, [h, w]) {
  const view = explainer.view({ methods: [method], class: classIndex, layer, pictures: false });
  assert.deepEqual(view.crop, { x: 0, y: 0, width: SIDE, height: SIDE });
  const ours = view.explanations[0];
  assert.deepEqual([ours.class, ours.raw.height, ours.raw.width], [classIndex, h, w], `${method} map size`);
  const error = relativeError(ours.raw.values, oracle);
  console.log(`${method} class ${classIndex}${layer ? ` at ${layer.split('/').slice(-2).join('/')}` : ''}: ` +
    `max |ours - TensorFlow.js| = ${error.toExponential(2)} of max |map|`);
  assert.ok(error <= TOLERANCE, `${method}, class ${classIndex}, ${layer}: error ${error} of max |map|`);
}

test('the oracle sees what we see: same logits on the shared input', () => {
  const theirs = reference.execute(input, LOGITS);
  const ours = model.forward(input.dataSync(), 1);
  const logits = theirs.dataSync();
  ours.forEach((v, i) => assert.ok(Math.abs(v - logits[i]) <= 1e-4, `logit ${i}: ${v} vs ${logits[i]}`));
  theirs.dispose();
});

test('Grad-CAM and Grad-CAM++ equal tf.grad and the formulas at three layers', () => {
  for (const [layer, classIndex] of CASES) {
    const [activation, gradient] = activationAndGradient(layer, classIndex);
    const size = activation.shape.slice(1, 3);
    compare('grad-cam', classIndex, layer, gradCam(activation, gradient), size);
    compare('grad-cam++', classIndex, layer, gradCamPlusPlus(activation, gradient), size);
    tf.dispose([activation, gradient]);
  }
});

test('saliency equals max over channels of |tf.grad of the logit w.r.t. the input|', () => {
  compare('saliency', HAPPY, null, saliency(HAPPY), [64, 64]);
});
