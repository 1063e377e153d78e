// The Compare view's choice of layer per row (web/js/compare-layers.js): the layer a model's files
// name, else the same depth through its conv layers as the other row's.
import test from 'node:test';
import assert from 'node:assert/strict';
import { compareLabels, compareLayers, depthOf, layerAtDepth, namedExplainLayer } from '../../web/js/compare-layers.js';

// A description (kind "model") whose explainable layers are `layers`: [name, kind], shallow to deep,
// behind an input and followed by a head no CAM map can be made at.
function description(layers, labels = ['a', 'b']) {
  return {
    labels,
    layers: [
      { name: 'input', kind: 'Input', spatial: true, explainable: false },
      ...layers.map(([name, kind]) => ({ name, kind, spatial: true, explainable: true })),
      { name: 'gap', kind: 'GlobalAveragePool', spatial: false, explainable: false },
      { name: 'logits', kind: 'Dense', spatial: false, explainable: false },
    ],
  };
}

// Four convs, a pool after the second and a ReLU after the last.
const FOUR = description([['c1', 'Conv2D'], ['c2', 'Conv2D'], ['pool', 'MaxPool'], ['c3', 'Conv2D'], ['c4', 'Conv2D'], ['relu', 'ReLU']]);
// Eight convs, one of them depthwise.
const EIGHT = description([['d1', 'Conv2D'], ['d2', 'Conv2D'], ['d3', 'DepthwiseConv2D'], ['d4', 'Conv2D'], ['d5', 'Conv2D'],
  ['d6', 'Conv2D'], ['add', 'Add'], ['d7', 'Conv2D'], ['d8', 'Conv2D']]);

test('a layer\'s depth is the share of the conv layers at or before it; the same depth finds the nearest conv', () => {
  assert.equal(depthOf(FOUR, 'c1'), 1 / 4);
  assert.equal(depthOf(FOUR, 'pool'), 2 / 4, 'a pool is as deep as the conv before it');
  assert.equal(depthOf(FOUR, 'relu'), 1, 'after the last conv');
  assert.equal(depthOf(FOUR, 'logits'), null, 'no CAM map at the head');
  assert.equal(depthOf(FOUR, 'nowhere'), null);
  assert.equal(depthOf(EIGHT, 'add'), 6 / 8, 'a depthwise conv counts');
  assert.equal(layerAtDepth(EIGHT, 3 / 4), 'd6');
  assert.equal(layerAtDepth(EIGHT, 1), 'd8');
  assert.equal(layerAtDepth(FOUR, 0.5), 'c2');
  assert.equal(layerAtDepth(FOUR, 0.01), 'c1', 'never shallower than the first conv');
  assert.equal(layerAtDepth(description([['p', 'MaxPool'], ['r', 'ReLU']]), 1), 'r', 'no conv: every spatial layer counts');
  assert.equal(layerAtDepth(description([]), 1), null);
});

test('each row takes its named layer; a row naming none goes as deep as the other', () => {
  assert.deepEqual(compareLayers([{ description: FOUR, named: 'c3' }, { description: EIGHT, named: 'd2' }]), [
    { name: 'c3', how: 'named', depth: 3 / 4, from: null },
    { name: 'd2', how: 'named', depth: 2 / 8, from: null },
  ]);
  assert.deepEqual(compareLayers([{ description: FOUR, named: 'c3' }, { description: EIGHT, named: null }]), [
    { name: 'c3', how: 'named', depth: 3 / 4, from: null },
    { name: 'd6', how: 'depth', depth: 3 / 4, from: 0 },
  ]);
  assert.deepEqual(compareLayers([{ description: EIGHT, named: 'gone' }, { description: FOUR, named: 'pool' }]), [
    { name: 'd4', how: 'depth', depth: 2 / 4, from: 1 },
    { name: 'pool', how: 'named', depth: 2 / 4, from: null },
  ], 'a named layer the model cannot explain at counts as none');
  assert.deepEqual(compareLayers([{ description: FOUR, named: null }, { description: EIGHT, named: null }]).map((row) => row.name),
    ['c4', 'd8'], 'naming none, both rows take their last conv');
});

test('a chosen depth puts both rows there, whatever their files name', () => {
  assert.deepEqual(compareLayers([{ description: FOUR, named: 'c1' }, { description: EIGHT, named: 'd8' }], 0.5), [
    { name: 'c2', how: 'depth', depth: 0.5, from: null },
    { name: 'd4', how: 'depth', depth: 0.5, from: null },
  ]);
});

test('the named layer comes from model.json\'s userDefinedMetadata first, then metadata.json', () => {
  const modelJson = (metadata) => JSON.stringify({ modelTopology: {}, weightsManifest: [], userDefinedMetadata: metadata });
  assert.equal(namedExplainLayer({ modelJson: modelJson({ explain_layer: 'conv4' }), metadataJson: '{"explain_layer": "x"}' }), 'conv4');
  assert.equal(namedExplainLayer({ modelJson: modelJson({ labels: ['a'] }), metadataJson: '{"explain_layer": "add_2"}' }), 'add_2');
  assert.equal(namedExplainLayer({ onnx: new Uint8Array(4), metadataJson: '{"explain_layer": "layer4"}' }), 'layer4');
  assert.equal(namedExplainLayer({ modelJson: modelJson(undefined) }), null);
  assert.equal(namedExplainLayer({ onnx: new Uint8Array(4) }), null);
});

test('two label lists are the same, the same classes reordered (a \'/\' written \'-\'), or different', () => {
  assert.equal(compareLabels({ labels: ['a', 'b/c'] }, { labels: ['a', 'b/c'] }), 'same');
  assert.equal(compareLabels({ labels: ['T-shirt/top', 'Bag'] }, { labels: ['Bag', 'T-shirt-top'] }), 'reordered');
  assert.equal(compareLabels({ labels: ['a', 'b'] }, { labels: ['b', 'a'] }), 'reordered');
  assert.equal(compareLabels({ labels: ['a', 'b'] }, { labels: ['a', 'b', 'c'] }), 'different');
  assert.equal(compareLabels({ labels: ['a', 'b'] }, { labels: ['a', 'c'] }), 'different');
});
