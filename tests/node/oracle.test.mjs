// TensorFlow.js (cpu backend) as an independent oracle for the engine's graph: the same small
// graphs with the same random weights run in both; forward outputs and gradients (tf.grad) must
// agree within 1e-5 relative. Expected values are computed here by TensorFlow.js at test time.
// Our side runs in WebAssembly: build/wasm/camlens_graph_runner.js (tests/node/graph_runner.cpp),
// which scripts/build.sh builds. Run: node --no-experimental-fetch --test tests/node/
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const runnerPath = path.join(root, 'build/wasm/camlens_graph_runner.js');

// The agreement criterion, for every element i of a compared tensor:
//   |ours[i] - tf[i]| <= 1e-5 * max(1e-3, max_j |tf[j]|)
// i.e. 1e-5 relative to the tensor's largest magnitude: float32 sums err in proportion to their
// terms, not to their result, so a near-zero element of a large tensor gets the tensor's scale.
// The 1e-3 floor keeps an all-but-zero tensor from passing on absolute error alone. (Observed:
// errors stay within a few percent of this allowance.)
const RELATIVE_TOLERANCE = 1e-5;

before(async () => {
  await tf.setBackend('cpu');
  assert.ok(fs.existsSync(runnerPath), `${runnerPath} is missing: build the WebAssembly targets first (scripts/build.sh)`);
});

// mulberry32: a small seeded PRNG, so every run compares the same graphs.
function makeRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    // A tensor spec of uniform values in [-scale, scale), rounded to float32 once so both sides read the same.
    tensor(shape, scale = 1) {
      const size = shape.reduce((a, b) => a * b, 1);
      const values = Float32Array.from({ length: size }, () => (next() * 2 - 1) * scale);
      return { shape, values: Array.from(values) };
    },
  };
}

// Weights scaled so activations stay of order one: uniform in +-sqrt(6 / fan_in).
function heScale(fanIn) {
  return Math.sqrt(6 / fanIn);
}

// ---- the TensorFlow.js side: interprets the same spec the runner reads ----

function tfPadding(padding) {
  if (!Array.isArray(padding)) return padding;  // 'same' | 'valid'
  const [top, bottom, left, right] = padding;
  return [[0, 0], [top, bottom], [left, right], [0, 0]];
}

function tfTensor(t) {
  return tf.tensor(t.values, t.shape, 'float32');
}

function tfActivation(x, activation) {
  if (activation === 'relu') return tf.relu(x);
  if (activation === 'relu6') return tf.relu6(x);
  return x;
}

function tfNode(node, inputs) {
  const x = inputs[0];
  const strides = node.strides ?? [1, 1];
  const dilations = node.dilations ?? [1, 1];
  const withBias = (y) => (node.bias ? tf.add(y, tfTensor(node.bias)) : y);
  switch (node.kind) {
    case 'Conv2D':
      return tfActivation(withBias(tf.conv2d(x, tfTensor(node.kernel), strides, tfPadding(node.padding), 'NHWC', dilations)),
                          node.activation);
    case 'DepthwiseConv2D':
      return tfActivation(
          withBias(tf.depthwiseConv2d(x, tfTensor(node.kernel), strides, tfPadding(node.padding), 'NHWC', dilations)),
          node.activation);
    case 'MaxPool': return tf.maxPool(x, node.pool, strides, tfPadding(node.padding));
    case 'AvgPool': return tf.avgPool(x, node.pool, strides, tfPadding(node.padding));
    case 'Add': return inputs.slice(1).reduce((sum, y) => tf.add(sum, y), x);
    case 'ReLU': return tf.relu(x);
    case 'GlobalAveragePool': return tf.mean(x, [1, 2]);
    case 'Dense': return tfActivation(withBias(tf.matMul(x, tfTensor(node.kernel))), node.activation);
    case 'Softmax': return tf.softmax(x);
    default: throw new Error(`no TensorFlow.js mapping for ${node.kind}`);
  }
}

// Every node's activation; `replaced` substitutes given tensors for named nodes (to take
// gradients with respect to an intermediate activation).
function tfRun(spec, input, replaced = {}) {
  const acts = { [spec.input.name]: input };
  for (const node of spec.nodes) {
    acts[node.name] = replaced[node.name] ?? tfNode(node, node.inputs.map((name) => acts[name]));
  }
  return acts;
}

// d sum(from * seed) / d wrt, where wrt is the input or an intermediate node.
function tfGradient(spec, from, seed, wrt) {
  const input = tfTensor(spec.input);
  const seedTensor = tfTensor(seed);
  const target = (acts) => tf.sum(tf.mul(acts[from], seedTensor));
  if (wrt === spec.input.name) return tf.grad((x) => target(tfRun(spec, x)))(input);
  const at = tfRun(spec, input)[wrt];
  return tf.grad((a) => target(tfRun(spec, input, { [wrt]: a })))(at);
}

// ---- our side ----

function runEngine(spec) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-oracle-'));
  try {
    const specPath = path.join(dir, 'spec.json');
    const resultPath = path.join(dir, 'result.json');
    fs.writeFileSync(specPath, JSON.stringify(spec));
    execFileSync(process.execPath, ['--no-experimental-fetch', '--experimental-wasm-relaxed-simd', runnerPath, specPath, resultPath], { stdio: 'pipe' });
    return JSON.parse(fs.readFileSync(resultPath, 'utf8'));
  } catch (e) {
    throw new Error(`camlens_graph_runner failed: ${e.stderr?.toString() || e.message}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function assertClose(ours, expected, what) {
  assert.deepEqual(ours.shape, expected.shape, `${what}: shape`);
  const want = expected.dataSync();
  assert.equal(ours.values.length, want.length, `${what}: element count`);
  const allowed = RELATIVE_TOLERANCE * Math.max(1e-3, ...Array.from(want, Math.abs));
  let worst = { error: 0 };
  for (let i = 0; i < want.length; ++i) {
    const error = Math.abs(ours.values[i] - want[i]);
    // Written so that a NaN on either side fails.
    if (!(error <= allowed) && !(error <= worst.error)) worst = { error, i, ours: ours.values[i], tf: want[i] };
  }
  assert.ok(worst.i === undefined,
            `${what}[${worst.i}]: engine ${worst.ours} vs TensorFlow.js ${worst.tf} (allowed difference ${allowed})`);
}

// A one-hot seed selecting class `classes[n]` of item n: d sum(logits * seed) is that logit's gradient.
function oneHot(batch, classes, count) {
  const values = new Array(batch * count).fill(0);
  for (let n = 0; n < batch; ++n) values[n * count + classes[n]] = 1;
  return { shape: [batch, count], values };
}

// Runs the spec through both sides and compares every listed output, then the gradient of
// sum(from * seed) at each node of `wanted` (the input, or nodes between `to` and `from`).
function compareWithTf(spec, { outputs, from, seed, to, wanted }) {
  const ours = runEngine({ ...spec, outputs, backward: { from, grad: seed.values, to, wanted } });
  const tfActs = tfRun(spec, tfTensor(spec.input));
  for (const name of outputs) assertClose(ours.outputs[name], tfActs[name], `forward ${name}`);
  for (const name of wanted) {
    const expected = tfGradient(spec, from, seed, name);
    assert.ok(tf.max(tf.abs(expected)).dataSync()[0] > 1e-3, `gradient at ${name} is all but zero: a weak test`);
    assertClose(ours.gradients[name], expected, `d ${from} / d ${name}`);
  }
}

// ---- the graphs ----

function conv(random, name, inputs, [kh, kw, inC, outC], fields) {
  return {
    name, kind: 'Conv2D', inputs,
    kernel: random.tensor([kh, kw, inC, outC], heScale(kh * kw * inC)),
    bias: random.tensor([outC], 0.1),
    ...fields,
  };
}

function depthwise(random, name, inputs, [kh, kw, channels, multiplier], fields) {
  return {
    name, kind: 'DepthwiseConv2D', inputs,
    kernel: random.tensor([kh, kw, channels, multiplier], heScale(kh * kw)),
    bias: random.tensor([channels * multiplier], 0.1),
    ...fields,
  };
}

// conv -> depthwise -> maxpool, + a 1x1 stride-2 shortcut -> add -> conv -> mean -> dense -> softmax.
// 12x12 input: the stride-2 SAME conv and the 3x3 stride-2 SAME max pool both pad (0, 1), asymmetric.
function residualSpec(batch, seed) {
  const random = makeRandom(seed);
  return {
    input: { name: 'input', ...random.tensor([batch, 12, 12, 3]) },
    nodes: [
      conv(random, 'conv1', ['input'], [3, 3, 3, 8], { strides: [2, 2], padding: 'same', activation: 'relu' }),
      depthwise(random, 'dw', ['conv1'], [3, 3, 8, 1], { padding: 'same' }),
      { name: 'pool', kind: 'MaxPool', inputs: ['dw'], pool: [3, 3], strides: [2, 2], padding: 'same' },
      conv(random, 'shortcut', ['conv1'], [1, 1, 8, 8], { strides: [2, 2], padding: 'same' }),
      { name: 'add', kind: 'Add', inputs: ['pool', 'shortcut'] },
      conv(random, 'conv2', ['add'], [3, 3, 8, 5], { padding: [1, 1, 0, 1] }),
      { name: 'gap', kind: 'GlobalAveragePool', inputs: ['conv2'] },
      { name: 'logits', kind: 'Dense', inputs: ['gap'], kernel: random.tensor([5, 4], heScale(5)),
        bias: random.tensor([4], 0.1) },
      { name: 'probs', kind: 'Softmax', inputs: ['logits'] },
    ],
  };
}

test('residual graph, batch 2: forward and d logit / d input agree with TensorFlow.js', () => {
  const spec = residualSpec(2, 1);
  compareWithTf(spec, {
    outputs: ['conv1', 'dw', 'pool', 'shortcut', 'add', 'conv2', 'gap', 'logits', 'probs'],
    from: 'logits', seed: oneHot(2, [1, 3], 4), wanted: ['input'],
  });
});

test('residual graph, batch 1: d probability / d input agrees with TensorFlow.js', () => {
  const spec = residualSpec(1, 2);
  compareWithTf(spec, { outputs: ['probs'], from: 'probs', seed: oneHot(1, [2], 4), wanted: ['input'] });
});

test('residual graph, batch 2: the gradient at a stop node (Grad-CAM style) agrees with TensorFlow.js', () => {
  const spec = residualSpec(2, 3);
  compareWithTf(spec, {
    outputs: ['add'], from: 'logits', seed: oneHot(2, [0, 2], 4), to: 'add', wanted: ['add', 'conv2'],
  });
});

// VALID conv, depthwise with multiplier 2 at stride 2 (SAME pads 0/1) with a fused ReLU6, a
// ReLU node, VALID average and max pooling, and a 1x1 conv widening one branch to add them.
test('valid conv, depthwise multiplier 2, ReLU and pooling agree with TensorFlow.js', () => {
  const random = makeRandom(4);
  const spec = {
    input: { name: 'input', ...random.tensor([2, 12, 11, 2]) },
    nodes: [
      conv(random, 'conv', ['input'], [3, 2, 2, 3], { padding: 'valid' }),
      depthwise(random, 'dw', ['conv'], [3, 3, 3, 2], { strides: [2, 2], padding: 'same', activation: 'relu6' }),
      { name: 'avg', kind: 'AvgPool', inputs: ['dw'], pool: [2, 2], strides: [1, 1], padding: 'valid' },
      { name: 'relu', kind: 'ReLU', inputs: ['conv'] },
      { name: 'max', kind: 'MaxPool', inputs: ['relu'], pool: [3, 3], strides: [2, 2], padding: 'valid' },
      conv(random, 'widen', ['max'], [1, 1, 3, 6], { padding: 'valid' }),
      { name: 'sum', kind: 'Add', inputs: ['avg', 'widen'] },
      { name: 'gap', kind: 'GlobalAveragePool', inputs: ['sum'] },
      { name: 'logits', kind: 'Dense', inputs: ['gap'], kernel: random.tensor([6, 3], heScale(6)) },
    ],
  };
  compareWithTf(spec, {
    outputs: ['conv', 'dw', 'avg', 'relu', 'max', 'sum', 'logits'],
    from: 'logits', seed: oneHot(2, [2, 0], 3), wanted: ['input'],
  });
});

// Forward only: TensorFlow.js cannot take gradients through dilated convolutions, and its cpu
// AvgPoolGrad divides by the whole window even where SAME padding leaves fewer pixels (its own
// forward divides by the in-bounds count), so its gradient is no oracle there.
test('dilated conv and SAME average pooling forward agree with TensorFlow.js', () => {
  const random = makeRandom(5);
  const spec = {
    input: { name: 'input', ...random.tensor([2, 9, 8, 3]) },
    nodes: [
      conv(random, 'dilated', ['input'], [3, 3, 3, 4], { dilations: [2, 2], padding: 'same', activation: 'relu' }),
      { name: 'avg', kind: 'AvgPool', inputs: ['dilated'], pool: [2, 3], strides: [2, 2], padding: 'same' },
    ],
  };
  const ours = runEngine({ ...spec, outputs: ['dilated', 'avg'] });
  const tfActs = tfRun(spec, tfTensor(spec.input));
  for (const name of ['dilated', 'avg']) assertClose(ours.outputs[name], tfActs[name], `forward ${name}`);
});
