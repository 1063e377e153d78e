// Which layer each row of the Compare view explains. Two models rarely share layer names, so a row
// takes the layer its model's metadata names (explain_layer); a model whose metadata names none
// takes the layer as deep in its own network as the other row's: the same fraction of the way
// through its conv layers. Pure functions of model descriptions (docs/result.schema.json, kind
// "model") and model files, so that Node tests them.

const CONV_KINDS = new Set(['Conv2D', 'DepthwiseConv2D']);

function parsedOrNull(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

// The explain_layer a model's own files name (model.json's userDefinedMetadata first, then
// metadata.json, as the engine reads them), or null. The description cannot tell: the engine fills
// in the last spatial layer when the files name none.
export function namedExplainLayer(input) {
  for (const metadata of [parsedOrNull(input?.modelJson)?.userDefinedMetadata, parsedOrNull(input?.metadataJson)]) {
    if (typeof metadata?.explain_layer === 'string') return metadata.explain_layer;
  }
  return null;
}

// The layers a CAM map can be made at (spatial, feeding the logits), shallow to deep, and among
// them the ones depth is counted in: the conv layers, or every one when the model has no conv.
function depthScale(description) {
  const explainable = description.layers.filter((layer) => layer.explainable);
  const convs = explainable.filter((layer) => CONV_KINDS.has(layer.kind));
  return { explainable, steps: convs.length ? convs : explainable };
}

// How deep layer `name` lies in its model: the share of the conv layers at or before it (1 for the
// last conv layer and anything after it), or null when no CAM map can be made at it.
export function depthOf(description, name) {
  const { explainable, steps } = depthScale(description);
  const at = explainable.findIndex((layer) => layer.name === name);
  if (at < 0) return null;
  const reached = explainable.slice(0, at + 1).filter((layer) => steps.includes(layer)).length;
  return Math.max(1, reached) / steps.length;
}

// The conv layer nearest to depth `fraction` (0..1) of the model, or null when it has no spatial layer.
export function layerAtDepth(description, fraction) {
  const { steps } = depthScale(description);
  if (!steps.length) return null;
  const index = Math.min(steps.length, Math.max(1, Math.round(fraction * steps.length))) - 1;
  return steps[index].name;
}

// How many conv layers depth is counted in (what a row's note says "of its N conv layers" about).
export function depthSteps(description) {
  return depthScale(description).steps.length;
}

// The layer of each row. rows: [{description, named}] (named: namedExplainLayer of its files);
// depth: 'metadata' (each row's named layer, a row without one as deep as the other's, both the
// last conv layer when neither names one) or a fraction (0..1] (both rows at that depth).
// -> per row {name (null: no spatial layer), how: 'named' | 'depth', depth (its fraction),
//    from (the row whose named layer set the depth, or null)}
export function compareLayers(rows, depth = 'metadata') {
  const atDepth = (row, fraction, from = null) =>
    ({ name: layerAtDepth(row.description, fraction), how: 'depth', depth: fraction, from });
  if (depth !== 'metadata') return rows.map((row) => atDepth(row, depth));
  const named = rows.map(({ description, named: name }) => (name !== null && depthOf(description, name) !== null ? name : null));
  const anchor = named.findIndex((name) => name !== null);
  const fraction = anchor >= 0 ? depthOf(rows[anchor].description, named[anchor]) : 1;
  return rows.map((row, i) => (named[i] !== null
    ? { name: named[i], how: 'named', depth: depthOf(row.description, named[i]), from: null }
    : atDepth(row, fraction, anchor >= 0 ? anchor : null)));
}

// How two models' classes compare: 'same' (the same labels in the same order), 'reordered' (the
// same classes in another order, a label's '/' maybe written '-' as a folder name must) or 'different'.
export function compareLabels(a, b) {
  if (a.labels.length === b.labels.length && a.labels.every((label, i) => label === b.labels[i])) return 'same';
  const spelled = (labels) => [...labels].map((label) => label.replaceAll('/', '-')).sort();
  const [left, right] = [spelled(a.labels), spelled(b.labels)];
  return left.length === right.length && left.every((label, i) => label === right[i]) ? 'reordered' : 'different';
}
