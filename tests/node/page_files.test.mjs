// The page's readers of the user's files (web/js/models.js, web/js/timeline.js), run in Node: a
// file far bigger than any real one of its kind is refused by its size, before it is read.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readModelFiles } from '../../web/js/models.js';
import { loadRun } from '../../web/js/timeline.js';

// A file that says it is `size` bytes and fails the test if it is ever read.
function hugeFile(name, size) {
  const unread = () => assert.fail(`${name} was read`);
  return { name, size, text: unread, arrayBuffer: unread };
}

const MODEL_JSON = JSON.stringify({
  modelTopology: {}, format: 'layers-model',
  weightsManifest: [{ paths: ['weights.bin'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] }],
});

test('a model.json or metadata.json over its limit is refused unread, with what to check', async () => {
  await assert.rejects(readModelFiles([hugeFile('model.json', 64 * 2 ** 20 + 1)]),
    /model\.json is over 64 MB: too big for a TensorFlow\.js model\.json .*is it the right file\?/);
  await assert.rejects(readModelFiles([new File([MODEL_JSON], 'model.json'), hugeFile('metadata.json', 2 ** 20 + 1)]),
    /metadata\.json is over 1 MB: too big for a metadata\.json/);
});

test('weight files bigger than the page\'s WebAssembly memory are refused unread', async () => {
  await assert.rejects(readModelFiles([new File([MODEL_JSON], 'model.json'), hugeFile('weights.bin', 3 * 2 ** 30)]),
    /weight files hold 3\.0 GB: more than the page's WebAssembly memory can take \(1\.5 GB\)/);
  const small = await readModelFiles([new File([MODEL_JSON], 'model.json'), new File([new Uint8Array(4)], 'weights.bin')]);
  assert.equal(small.input.shards[0].bytes.length, 4, 'a model of ordinary size still loads');
});

test('an .onnx model bigger than the page\'s WebAssembly memory is refused unread', async () => {
  await assert.rejects(readModelFiles([hugeFile('resnet.onnx', 2 * 2 ** 30)]),
    /resnet\.onnx holds 2\.0 GB: more than the page's WebAssembly memory can take \(1\.5 GB\); the command-line tool/);
});

test('an .onnx model comes with its metadata, its labels file replacing the metadata\'s labels, and its progress', async () => {
  const metadata = JSON.stringify({ labels: ['a', 'b'], scaling: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } });
  const fractions = [];
  const { name, input } = await readModelFiles([new File([new Uint8Array(20 * 2 ** 20)], 'net.onnx'),
    new File([metadata], 'net.metadata.json'), new File(['cat\r\ndog\n\n'], 'labels.txt')], (f) => fractions.push(f));
  assert.equal(name, 'net');
  assert.equal(input.onnx.length, 20 * 2 ** 20);
  assert.deepEqual(JSON.parse(input.metadataJson), { labels: ['cat', 'dog'], scaling: { mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] } });
  assert.deepEqual(fractions, [0.8, 1]);
  await assert.rejects(readModelFiles([new File(['x'], 'a.onnx'), new File(['y'], 'b.onnx')]), /More than one \.onnx file among the files \(a\.onnx, b\.onnx\)/);
});

test('a timeline.json over its limit is refused unread', async () => {
  const source = { name: 'run', timeline: 'timeline.json', read: async () => hugeFile('timeline.json', 256 * 2 ** 20 + 1) };
  await assert.rejects(loadRun(source), /run\/timeline\.json is over 256 MB: too big for a training run's timeline\.json/);
});
