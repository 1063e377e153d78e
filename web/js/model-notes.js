// What camlens assumed for a model that came without some of its metadata (labels, input scaling,
// colour, box): said out loud, since a model trained on other scaling quietly predicts worse.

const FIELDS = ['labels', 'scaling', 'input', 'crop'];

function givenFields(json) {
  if (!json) return new Set();
  try {
    const parsed = JSON.parse(json);
    return new Set(Object.keys(parsed?.userDefinedMetadata ?? parsed ?? {}));
  } catch {
    return new Set();  // the engine already refused a malformed file before this is asked
  }
}

function scalingText(scaling) {
  if (scaling && 'scale' in scaling) {
    return scaling.scale === 1 && scaling.offset === 0 ? 'pixel values 0..1' : `pixel values 0..1 × ${scaling.scale} + ${scaling.offset}`;
  }
  return `pixel values 0..1 normalised by mean ${JSON.stringify(scaling?.mean)} and std ${JSON.stringify(scaling?.std)}`;
}

// A notice for a model loaded from `input` ({modelJson, metadataJson}) and described as
// `description`, or null when its metadata gave every field.
export function assumedDefaultsNotice(name, input, description) {
  const given = new Set([...givenFields(input.modelJson), ...givenFields(input.metadataJson)]);
  const missing = FIELDS.filter((field) => !given.has(field));
  if (!missing.length) return null;
  const { labels, metadata } = description;
  const assumed = {
    labels: `labels '${labels[0]}' to '${labels[labels.length - 1]}'`,
    scaling: scalingText(metadata.scaling),
    input: `${metadata.input.color === 'gray' ? 'gray' : 'RGB'} input`,
    crop: metadata.crop === 'full' ? 'the whole image as the box' : `a ${metadata.crop} box`,
  };
  const names = { labels: 'labels', scaling: 'input scaling', input: 'input colour', crop: 'box' };
  const list = missing.map((field) => names[field]).join(', ');
  const lead = input.metadataJson ? `The metadata.json of your model '${name}' does not give its ${list}`
    : input.onnx ? `No metadata.json came with your model '${name}' to give its ${list}`
      : `No metadata.json came with your model '${name}', and its model.json does not give its ${list}`;
  return `${lead}: camlens assumed ${missing.map((field) => assumed[field]).join(', ')}. ` +
    'If the model was trained otherwise, its predictions are off: ' +
    `drop a metadata.json together with ${input.onnx ? 'the .onnx file' : 'model.json and its .bin files'}, such as ` +
    (input.onnx ? '{"labels": ["cat", "dog"], "scaling": {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}, ' +
      '"input": {"color": "rgb"}, "crop": {"center": 0.875}}.'
      : '{"labels": ["cat", "dog"], "scaling": {"scale": 2, "offset": -1}, "input": {"color": "rgb"}, "crop": "center"}.');
}
