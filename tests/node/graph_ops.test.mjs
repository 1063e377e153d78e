// The TensorFlow.js graph ops beyond the shipped models' (FusedBatchNormV3, MirrorPad in both
// modes, ResizeBilinear and ResizeNearestNeighbor in their coordinate conventions, Prelu, and
// _FusedConv2D, FusedDepthwiseConv2dNative and _FusedMatMul with Prelu, LeakyRelu, Elu and Sigmoid
// fused), in a small graph model built here with seeded weights: our WebAssembly module's outputs
// against TensorFlow.js's own executor (cpu backend) on the same model.json, and our saliency
// against central differences of TensorFlow.js's outputs.
import test from 'node:test';
import assert from 'node:assert/strict';
import { loadCamlens, loadTf, seededRandom, maxAbsDiff } from './support.mjs';

const camlens = await loadCamlens('camlens-test');
const tf = await loadTf();

const SIDE = 8, CHANNELS = 3, CLASSES = 4;

// A graph model assembled node by node (GraphDef JSON: strings base64, ints as strings), its
// weights in one shard.
class GraphModel {
  constructor(seed) {
    this.random = seededRandom(seed);
    this.nodes = [];
    this.weights = [];
    this.chunks = [];
  }
  node(name, op, input, attr = {}) {
    this.nodes.push({ name, op, input, attr: { T: { type: 'DT_FLOAT' }, ...attr } });
    return name;
  }
  constant(name, shape, values, dtype = 'float32') {
    this.nodes.push({ name, op: 'Const', attr: { dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } });
    this.weights.push({ name, shape, dtype });
    this.chunks.push(dtype === 'int32' ? new Int32Array(values) : new Float32Array(values));
    return name;
  }
  // Uniform in [lo, hi).
  randomConstant(name, shape, lo, hi) {
    const size = shape.reduce((a, b) => a * b, 1);
    return this.constant(name, shape, Array.from({ length: size }, () => lo + (hi - lo) * this.random()));
  }
  modelJson() {
    return JSON.stringify({ format: 'graph-model', modelTopology: { node: this.nodes, versions: { producer: 1 } },
                            weightsManifest: [{ paths: ['weights.bin'], weights: this.weights }] });
  }
  bytes() {
    return new Uint8Array(Buffer.concat(this.chunks.map((chunk) => Buffer.from(chunk.buffer))));
  }
}

const text = (value) => ({ s: Buffer.from(value).toString('base64') });
const ints = (values) => ({ list: { i: values.map(String) } });
const fusedOps = (...ops) => ({ list: { s: ops.map((op) => Buffer.from(op).toString('base64')) } });
const convAttrs = (padding) => ({
  strides: ints([1, 1, 1, 1]), dilations: ints([1, 1, 1, 1]), padding: text(padding), data_format: text('NHWC') });

// A convolution or MatMul with its bias and `activation` (with `alpha`, a Prelu's slopes node, or
// `leakyAlpha`): one fused node as TensorFlow.js's converter writes them, or, unfused, the
// convolution or MatMul, a BiasAdd and the activation op as separate nodes (the importer's other path).
function linearNode(g, fused, name, [fusedOp, plainOp], [input, kernel, bias], attrs, activation, { alpha, leakyAlpha } = {}) {
  if (fused) {
    return g.node(name, fusedOp, [input, kernel, bias, ...(alpha ? [alpha] : [])], {
      ...attrs, fused_ops: fusedOps('BiasAdd', activation), num_args: { i: alpha ? '2' : '1' },
      ...(leakyAlpha === undefined ? {} : { leakyrelu_alpha: { f: leakyAlpha } }) });
  }
  g.node(`${name}/${plainOp}`, plainOp, [input, kernel], attrs);
  g.node(`${name}/BiasAdd`, 'BiasAdd', [`${name}/${plainOp}`, bias], { data_format: text('NHWC') });
  return g.node(name, activation, [`${name}/BiasAdd`, ...(alpha ? [alpha] : [])],
                leakyAlpha === undefined ? {} : { alpha: { f: leakyAlpha } });
}

// x [N, 8, 8, 3] -> FusedBatchNormV3 -> ResizeBilinear align_corners 11x11 -> MirrorPad REFLECT
// -> _FusedConv2D 3x3 VALID [BiasAdd, Prelu] -> ResizeNearestNeighbor half_pixel_centers 7x7
// -> MirrorPad SYMMETRIC -> FusedDepthwiseConv2dNative 3x3 VALID [BiasAdd, Elu] -> Prelu
// -> ResizeBilinear half_pixel_centers 6x5 -> _FusedConv2D 1x1 [BiasAdd, LeakyRelu]
// -> ResizeNearestNeighbor 4x4 -> Mean -> _FusedMatMul [BiasAdd, Sigmoid] -> [N, 4].
// (TensorFlow.js reads no leakyrelu_alpha for FusedDepthwiseConv2dNative, so LeakyRelu is fused
// into the Conv2D here.)
function resize(g, name, op, input, size, attrs) {
  g.constant(`${name}/size`, [2], size, 'int32');
  return g.node(name, op, [input, `${name}/size`], attrs);
}

function buildModel(fused) {
  const halfPixelCenters = { half_pixel_centers: { b: true } };
  const g = new GraphModel(4242);
  g.node('x', 'Placeholder', [], { dtype: { type: 'DT_FLOAT' },
    shape: { shape: { dim: [-1, SIDE, SIDE, CHANNELS].map((size) => ({ size: String(size) })) } } });
  const bn = ['scale', 'offset', 'mean', 'variance'].map((what, i) =>
    g.randomConstant(`bn/${what}`, [CHANNELS], i === 3 ? 0.2 : -1, i === 3 ? 2 : 1));
  g.node('bn', 'FusedBatchNormV3', ['x', ...bn], { U: { type: 'DT_FLOAT' }, epsilon: { f: 0.01 },
    is_training: { b: false }, data_format: text('NHWC') });
  resize(g, 'grow', 'ResizeBilinear', 'bn', [11, 11], { align_corners: { b: true } });
  g.constant('reflect/pads', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0], 'int32');
  g.node('reflect', 'MirrorPad', ['grow', 'reflect/pads'], { Tpaddings: { type: 'DT_INT32' }, mode: text('REFLECT') });
  g.randomConstant('conv1/kernel', [3, 3, CHANNELS, 6], -0.5, 0.5);
  g.randomConstant('conv1/bias', [6], -0.3, 0.3);
  g.randomConstant('conv1/alpha', [6], -0.5, 0.5);
  linearNode(g, fused, 'conv1', ['_FusedConv2D', 'Conv2D'], ['reflect', 'conv1/kernel', 'conv1/bias'], convAttrs('VALID'),
             'Prelu', { alpha: 'conv1/alpha' });
  g.constant('symmetric/pads', [4, 2], [0, 0, 2, 0, 0, 2, 0, 0], 'int32');
  resize(g, 'shrink', 'ResizeNearestNeighbor', 'conv1', [7, 7], halfPixelCenters);
  g.node('symmetric', 'MirrorPad', ['shrink', 'symmetric/pads'], { Tpaddings: { type: 'DT_INT32' }, mode: text('SYMMETRIC') });
  g.randomConstant('dw/kernel', [3, 3, 6, 1], -0.6, 0.6);
  g.randomConstant('dw/bias', [6], -0.3, 0.3);
  linearNode(g, fused, 'dw', ['FusedDepthwiseConv2dNative', 'DepthwiseConv2dNative'], ['symmetric', 'dw/kernel', 'dw/bias'],
             convAttrs('VALID'), 'Elu');
  g.randomConstant('prelu/alpha', [1, 1, 6], -0.4, 0.4);
  g.node('prelu', 'Prelu', ['dw', 'prelu/alpha']);
  g.randomConstant('conv2/kernel', [1, 1, 6, 5], -0.8, 0.8);
  g.randomConstant('conv2/bias', [5], -0.3, 0.3);
  resize(g, 'smooth', 'ResizeBilinear', 'prelu', [6, 5], halfPixelCenters);
  linearNode(g, fused, 'conv2', ['_FusedConv2D', 'Conv2D'], ['smooth', 'conv2/kernel', 'conv2/bias'], convAttrs('SAME'),
             'LeakyRelu', { leakyAlpha: 0.3 });
  g.constant('mean/axes', [2], [1, 2], 'int32');
  resize(g, 'pick', 'ResizeNearestNeighbor', 'conv2', [4, 4], {});
  g.node('mean', 'Mean', ['pick', 'mean/axes'], { Tidx: { type: 'DT_INT32' }, keep_dims: { b: false } });
  g.randomConstant('fc/kernel', [5, CLASSES], -1.5, 1.5);
  g.randomConstant('fc/bias', [CLASSES], -0.2, 0.2);
  linearNode(g, fused, 'fc', ['_FusedMatMul', 'MatMul'], ['mean', 'fc/kernel', 'fc/bias'],
             { transpose_a: { b: false }, transpose_b: { b: false } }, 'Sigmoid');
  return g;
}

test('graph ops: batch norm, mirror pads, resizes, Prelu and fused Prelu, LeakyRelu, Elu and Sigmoid match TensorFlow.js within 1e-5', async () => {
  const g = buildModel(true);
  const modelJson = g.modelJson();
  const bytes = g.bytes();
  const reference = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: JSON.parse(modelJson).modelTopology, weightSpecs: g.weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }));
  const ours = new camlens.TestModel(modelJson, [{ name: 'weights.bin', bytes }]);
  try {
    const batch = 3, item = SIDE * SIDE * CHANNELS;
    const random = seededRandom(7);
    const data = Float32Array.from({ length: batch * item }, () => random() * 4 - 2);
    const x = tf.tensor4d(data, [batch, SIDE, SIDE, CHANNELS]);
    const theirs = reference.execute(x, 'fc');
    const expected = theirs.dataSync();
    const outputs = ours.forward(data, batch);
    const worst = maxAbsDiff(outputs, expected);
    console.log(`graph ops: max |ours - tfjs| = ${worst.toExponential(2)} over ${outputs.length} outputs ` +
      `(tfjs ${Array.from(expected.slice(0, CLASSES), (v) => v.toFixed(4)).join(', ')}, ...)`);
    assert.ok(worst <= 1e-5, `max difference ${worst}`);
    // The outputs are no saturated constant: they differ across classes and inputs.
    assert.ok(Math.max(...expected) - Math.min(...expected) > 0.05, `outputs ${expected}`);
    tf.dispose([x, theirs]);
  } finally {
    ours.delete();
    reference.dispose();
  }
});

// The saliency oracle is central differences of TensorFlow.js's forward pass, not tf.grad: TensorFlow.js's
// resize gradients ignore half_pixel_centers, and even without them its tf.grad of this graph
// disagrees with its own forward pass by about its own size, where ours agrees with both.
test('graph ops: saliency through them matches central differences of TensorFlow.js, fused and unfused', async () => {
  for (const fused of [true, false]) {
    const g = buildModel(fused);
    const modelJson = g.modelJson();
    const bytes = g.bytes();
    const shards = [{ name: 'weights.bin', bytes }];
    const reference = await tf.loadGraphModel(tf.io.fromMemory({
      modelTopology: JSON.parse(modelJson).modelTopology, weightSpecs: g.weights,
      weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }));
    const ours = new camlens.TestModel(modelJson, shards);
    const explainer = new camlens.Explainer(modelJson, shards, '');
    try {
      const random = seededRandom(11);
      const rgb = Uint8Array.from({ length: SIDE * SIDE * CHANNELS }, () => Math.floor(random() * 256));
      const rgba = new Uint8ClampedArray(SIDE * SIDE * 4).map((_, i) => (i % 4 === 3 ? 255 : rgb[(i >> 2) * 3 + (i % 4)]));
      explainer.setImage(rgba, SIDE, SIDE);
      const x = ours.preprocess(rgb, SIDE, SIDE, CHANNELS, null);
      const logit = (values) => tf.tidy(() => reference.execute(tf.tensor4d(values, [1, SIDE, SIDE, CHANNELS]), 'fc').dataSync()[0]);
      const outputDiff = maxAbsDiff(ours.forward(x, 1), tf.tidy(() => reference.execute(tf.tensor4d(x, [1, SIDE, SIDE, CHANNELS]), 'fc').dataSync()));
      // Saliency: max over channels of |d logit 0 / d input|.
      const step = 1e-3;  // small enough that no step crosses a PReLU or LeakyReLU kink here
      const oracle = new Float64Array(SIDE * SIDE);
      for (let i = 0; i < x.length; ++i) {
        const up = Float32Array.from(x), down = Float32Array.from(x);
        up[i] += step;
        down[i] -= step;
        const p = Math.floor(i / CHANNELS);
        oracle[p] = Math.max(oracle[p], Math.abs((logit(up) - logit(down)) / (2 * step)));
      }
      const values = explainer.view({ methods: ['saliency'], class: 0, layer: null, pictures: false }).explanations[0].raw.values;
      assert.equal(values.length, oracle.length);
      const scale = Math.max(...oracle);
      const worst = maxAbsDiff(values, oracle);
      console.log(`graph ops, ${fused ? 'fused' : 'unfused'}: outputs max |ours - tfjs| = ${outputDiff.toExponential(2)}; ` +
        `saliency max |ours - differences| = ${(worst / scale).toExponential(2)} of max |map| (${scale.toExponential(2)})`);
      assert.ok(outputDiff <= 1e-5, `output difference ${outputDiff}`);
      assert.ok(scale > 0, 'the oracle map is all zeros: a weak test');
      // Float32 differences of a value near 0.5 over a step of 0.002 err by about 1e-2 of max |map| here.
      assert.ok(worst / scale <= 3e-2, `saliency: ${worst / scale} of max |map|`);
    } finally {
      ours.delete();
      explainer.delete();
      reference.dispose();
    }
  }
});
