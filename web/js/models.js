// Where models come from: the server's models/ folder (built-in) or files the user gives us.
// Both end as the engine's loadModel input: {modelJson, shards: [{name, bytes}], metadataJson?}, or
// for an ONNX model {onnx: bytes, metadataJson?, external?: [{name, bytes}]}.

export const BUILTIN_MODELS = {
  emotion: { title: 'Emotion', folder: 'models/emotion/', gallery: 'photos' },
  gender: { title: 'Gender', folder: 'models/gender/', gallery: 'photos' },
  'gender-ssrnet-imdb': { title: 'Gender, SSR-Net', folder: 'models/gender-ssrnet-imdb/', gallery: 'photos' },
  'fashion-mnist': { title: 'Fashion-MNIST', folder: 'models/fashion-mnist/', gallery: 'fashion-mnist' },
  // Trained on Shirts marked with a square (its README): the Audit view's demonstration.
  'fashion-mnist-shortcut': {
    title: 'Fashion-MNIST, shortcut learnt', folder: 'models/fashion-mnist-shortcut/', gallery: 'fashion-mnist',
  },
};

function parseModelJson(modelJson, source) {
  let parsed;
  try {
    parsed = JSON.parse(modelJson);
  } catch (error) {
    throw new Error(`${source} is not valid JSON (${error.message})`);
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.weightsManifest)) {
    throw new Error(`${source} has no weightsManifest list: it is not a TensorFlow.js model.json (converters write one ` +
      'naming the .bin files)');
  }
  return parsed;
}

// The weight files a TensorFlow.js model.json names, in order.
function shardPaths(modelJson, source) {
  return parseModelJson(modelJson, source).weightsManifest.flatMap((group) => group.paths ?? []);
}

async function fetchOk(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} is not on this server (HTTP ${response.status})`);
  return response;
}

export async function fetchBuiltinModel(id) {
  const { folder } = BUILTIN_MODELS[id];
  try {
    return await fetchModelFolder(folder);
  } catch (error) {
    if (!error.noModelJson) throw error;
    const hint = id === 'fashion-mnist' ? ' camlens train makes it (see the README); then reload the page.' : '';
    throw new Error(`${error.message}.${hint}`);
  }
}

// The model in a folder on this server ('models/emotion/', a training run's 'RUN/epochs/03/'):
// its model.json, the weight files it names and, when model.json carries no labels, metadata.json.
export async function fetchModelFolder(folder) {
  const modelJson = await fetchOk(`${folder}model.json`).then((response) => response.text(), (error) => {
    throw Object.assign(error, { noModelJson: true });
  });
  // Labels and preprocessing live in model.json's userDefinedMetadata or beside it in metadata.json.
  let metadataJson;
  if (!parseModelJson(modelJson, `${folder}model.json`).userDefinedMetadata?.labels) {
    metadataJson = await (await fetchOk(`${folder}metadata.json`)).text();
  }
  const shards = await Promise.all(shardPaths(modelJson, `${folder}model.json`).map(async (name) => ({
    name,
    bytes: new Uint8Array(await (await fetchOk(`${folder}${name}`)).arrayBuffer()),
  })));
  return { modelJson, metadataJson, shards };
}

// As the engine's native reader (io/model.cpp): a model.json holds the topology, not the weights.
const MOST_MODEL_JSON_BYTES = 64 * 2 ** 20;
const MOST_METADATA_JSON_BYTES = 2 ** 20;
// The module's memory stops at 2 GB; the weights must leave room for the activations.
const MOST_SHARD_BYTES = 1.5 * 2 ** 30;

const MOST_LABELS_BYTES = 4 * 2 ** 20;
// Read in slices so that a large model shows how far it got.
const READ_SLICE_BYTES = 16 * 2 ** 20;

export function isOnnxFile(file) {
  return /\.onnx$/i.test(file.name);
}

function gigabytes(bytes) {
  return `${(bytes / 2 ** 30).toFixed(1)} GB`;
}

// A file's bytes, with onProgress(fraction read) after each slice.
async function readBytes(file, onProgress) {
  const bytes = new Uint8Array(file.size);
  for (let offset = 0; offset < file.size; offset += READ_SLICE_BYTES) {
    const part = new Uint8Array(await file.slice(offset, offset + READ_SLICE_BYTES).arrayBuffer());
    bytes.set(part, offset);
    onProgress?.((offset + part.length) / file.size);
  }
  return bytes;
}

function refuseOver(file, most, what) {
  if (file && file.size > most) throw new Error(`${file.name} is over ${most / 2 ** 20} MB: too big for ${what}; is it the right file?`);
}

// One .onnx file, optionally NAME.metadata.json or metadata.json, a labels file (.txt, one label a
// line, which replaces the metadata's labels), and any other file as the model's external data
// (torch.onnx.export writes the weights of a model over 2 GB beside the .onnx file).
async function readOnnxFiles(files, onProgress) {
  const models = files.filter(isOnnxFile);
  if (models.length > 1) {
    throw new Error(`More than one .onnx file among the files (${models.map((file) => file.name).join(', ')}): give one model at a time`);
  }
  const [model] = models;
  const name = model.name.replace(/\.onnx$/i, '');
  const lower = (file) => file.name.toLowerCase();
  const metadataFile = files.find((file) => lower(file) === `${name.toLowerCase()}.metadata.json`) ??
    files.find((file) => lower(file) === 'metadata.json');
  const labelsFile = files.find((file) => /\.txt$/i.test(file.name));
  const externalFiles = files.filter((file) => file !== model && file !== metadataFile && file !== labelsFile);
  const bytes = [model, ...externalFiles].reduce((sum, file) => sum + file.size, 0);
  if (bytes > MOST_SHARD_BYTES) {
    const what = externalFiles.length ? `${model.name} and its external data hold` : `${model.name} holds`;
    throw new Error(`${what} ${gigabytes(bytes)}: more than the page's WebAssembly memory can take ` +
      `(${MOST_SHARD_BYTES / 2 ** 30} GB); the command-line tool (camlens --model ${model.name}) has no such limit`);
  }
  refuseOver(metadataFile, MOST_METADATA_JSON_BYTES, 'a metadata.json');
  refuseOver(labelsFile, MOST_LABELS_BYTES, 'a labels file');
  let metadataJson = await metadataFile?.text();
  if (labelsFile) {
    let metadata = {};
    try {
      metadata = metadataJson ? JSON.parse(metadataJson) : {};
    } catch (error) {
      throw new Error(`${metadataFile.name} is not valid JSON (${error.message})`);
    }
    metadata.labels = (await labelsFile.text()).split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    metadataJson = JSON.stringify(metadata);
  }
  const external = await Promise.all(externalFiles.map(async (file) => ({ name: file.name, bytes: await readBytes(file) })));
  return { name, input: { onnx: await readBytes(model, onProgress), metadataJson, ...(external.length ? { external } : {}) } };
}

// Files the user dropped or picked: one .onnx file with its metadata and labels, or one model.json
// (any .json with a weightsManifest), its .bin shards, optionally metadata.json. onProgress(fraction)
// follows the reading of a large .onnx file. Returns {name, input} or throws a message that says
// what is missing.
export async function readModelFiles(files, onProgress) {
  if (files.some(isOnnxFile)) return readOnnxFiles(files, onProgress);
  const jsonFiles = files.filter((file) => /\.json$/i.test(file.name));
  for (const file of jsonFiles) {
    const most = file.name.toLowerCase() === 'metadata.json' ? MOST_METADATA_JSON_BYTES : MOST_MODEL_JSON_BYTES;
    if (file.size > most) {
      throw new Error(`${file.name} is over ${most / 2 ** 20} MB: too big for a ${file.name.toLowerCase() === 'metadata.json' ? 'metadata.json' : 'TensorFlow.js model.json'} ` +
        '(the weights belong in the .bin files its manifest names); is it the right file?');
    }
  }
  const texts = await Promise.all(jsonFiles.map(async (file) => ({ file, text: await file.text() })));
  const metadata = texts.find(({ file }) => file.name.toLowerCase() === 'metadata.json');
  const models = texts.filter((entry) => entry !== metadata && /"weightsManifest"/.test(entry.text));
  if (models.length === 0) {
    // A lone .json that is no model: say what is wrong with it rather than that it is missing.
    const others = texts.filter((entry) => entry !== metadata);
    if (others.length === 1) parseModelJson(others[0].text, others[0].file.name);
    throw new Error('No model.json among the files: give a TensorFlow.js model.json (with a weightsManifest) and its .bin files');
  }
  if (models.length > 1) {
    throw new Error(`More than one model.json among the files (${models.map(({ file }) => file.name).join(', ')}): give one model at a time`);
  }
  const { file: modelFile, text: modelJson } = models[0];
  const byName = new Map(files.map((file) => [file.name, file]));
  const needed = shardPaths(modelJson, modelFile.name);
  // The manifest may name shards with a folder ("group1/weights.bin"); a picked file has only its base name.
  const missing = needed.filter((path) => !byName.has(path.split('/').pop()));
  if (missing.length) {
    throw new Error(`${modelFile.name} needs weight file${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: ` +
      'select or drop them together with the model.json');
  }
  const shardBytes = needed.reduce((sum, path) => sum + byName.get(path.split('/').pop()).size, 0);
  if (shardBytes > MOST_SHARD_BYTES) {
    throw new Error(`${modelFile.name}'s weight files hold ${(shardBytes / 2 ** 30).toFixed(1)} GB: more than the page's ` +
      `WebAssembly memory can take (${MOST_SHARD_BYTES / 2 ** 30} GB)`);
  }
  const shards = await Promise.all(needed.map(async (path) => ({
    name: path,
    bytes: new Uint8Array(await byName.get(path.split('/').pop()).arrayBuffer()),
  })));
  return { name: modelFile.name.replace(/\.json$/i, ''), input: { modelJson, shards, metadataJson: metadata?.text } };
}
