// Training runs as `camlens train` writes them: RUN/timeline.json (kind "timeline" in
// docs/result.schema.json), one TensorFlow.js snapshot per epoch (RUN/epochs/NN/) and the probe
// images (RUN/probes/). Paths in the timeline are relative to its folder. A run comes from this
// server (a URL) or from a folder the user picked or dropped; both are read through a source:
//   {name, read(path) -> Blob, has(path) -> boolean, model(folder) -> the engine's model input}.
import { decodeImage } from './images.js';
import { fetchModelFolder, readModelFiles } from './models.js';

export const DEFAULT_TIMELINE = 'models/fashion-mnist/timeline.json';
const SHORTCUT_TIMELINE = 'models/fashion-mnist-shortcut/timeline.json';
// The runs this server ships, as the Training view offers them: the clean Fashion-MNIST run, the
// one whose Shirts carry a planted square (it learns the square), and the two side by side.
export const SHIPPED_RUNS = [
  { id: 'clean', name: 'Fashion-MNIST', timelines: [DEFAULT_TIMELINE] },
  { id: 'shortcut', name: 'Fashion-MNIST with a planted shortcut', timelines: [SHORTCUT_TIMELINE] },
  { id: 'clean-and-shortcut', name: 'Clean beside the planted shortcut', timelines: [DEFAULT_TIMELINE, SHORTCUT_TIMELINE] },
];
const MOST_PROBES = 64;
const MOST_EPOCHS = 1000;
const MOST_MAP_CELLS = 1 << 16;  // a layer's map: 256x256 at most (Fashion-MNIST's is 7x7)

// `path` inside the run folder with '.' and '..' resolved; null when it climbs out of it.
function insideRun(path) {
  const parts = [];
  for (const part of String(path).split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join('/');
}

// A run on this server, from its timeline's URL (relative to the page, e.g. DEFAULT_TIMELINE).
export function urlSource(timeline) {
  const url = new URL(timeline, location.href);
  const folder = new URL('.', url);
  const at = (path) => new URL(path, folder);
  return {
    name: timeline,
    timeline: url.pathname.split('/').pop(),
    link: timeline,
    async read(path) {
      let response;
      try {
        response = await fetch(at(path));
      } catch (error) {
        throw new Error(`${path} could not be fetched (${error.message})`);
      }
      if (!response.ok) throw new Error(`${path} is not on this server (HTTP ${response.status})`);
      return response.blob();
    },
    async has(path) {
      const response = await fetch(at(path), { method: 'HEAD' }).catch(() => null);
      return Boolean(response?.ok);
    },
    model(snapshot) {
      return fetchModelFolder(at(`${snapshot.replace(/\/+$/, '')}/`).href);
    },
  };
}

// A run folder the user picked or dropped: `files` are Files whose webkitRelativePath (or the
// `path` given with them by a folder drop) places them. The folder is the one holding the
// shallowest timeline.json.
export function filesSource(files) {
  const pathOf = (file) => file.relativePath || file.webkitRelativePath || file.name;
  const timelines = files.filter((file) => pathOf(file).split('/').pop() === 'timeline.json');
  if (!timelines.length) {
    throw new Error('no timeline.json among the files: choose the run folder that camlens train wrote (it holds ' +
      'timeline.json, epochs/ and probes/)');
  }
  const depth = (file) => pathOf(file).split('/').length;
  timelines.sort((a, b) => depth(a) - depth(b));
  if (timelines.length > 1 && depth(timelines[0]) === depth(timelines[1])) {
    throw new Error(`more than one run among the files (${timelines.slice(0, 3).map(pathOf).join(', ')}): choose one run folder`);
  }
  const prefix = pathOf(timelines[0]).slice(0, -'timeline.json'.length);
  const byPath = new Map();
  for (const file of files) {
    if (pathOf(file).startsWith(prefix)) byPath.set(pathOf(file).slice(prefix.length), file);
  }
  const name = prefix.replace(/\/$/, '').split('/').pop() || 'your run';
  const find = (path) => {
    const inside = insideRun(path);
    return inside === null ? undefined : byPath.get(inside);
  };
  return {
    name,
    timeline: 'timeline.json',
    link: null,
    async read(path) {
      const file = find(path);
      if (!file) throw new Error(`${path} is not in the run folder '${name}'`);
      return file;
    },
    async has(path) {
      return Boolean(find(path));
    },
    async model(snapshot) {
      const folder = insideRun(snapshot);
      const inFolder = folder === null ? [] : [...byPath].filter(([path]) => path.startsWith(`${folder}/`) &&
        !path.slice(folder.length + 1).includes('/')).map(([, file]) => file);
      if (!inFolder.length) throw new Error(`the snapshot ${snapshot} is not in the run folder '${name}'`);
      return (await readModelFiles(inFolder)).input;
    },
  };
}

// ---- the timeline's text, checked ----

function fail(where, what) {
  throw new Error(`${where} ${what}`);
}

function isWhole(value, min = 0) {
  return Number.isInteger(value) && value >= min;
}

function quote(value) {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function checkMap(map, where) {
  if (!map || typeof map !== 'object') fail(where, 'has no map: each probe of each epoch needs {method, layer, width, height, raw}');
  const { width, height, raw } = map;
  if (!isWhole(width, 1) || !isWhole(height, 1) || width * height > MOST_MAP_CELLS) {
    fail(where, `has a map of ${quote(width)}x${quote(height)}: width and height must be whole numbers from 1, at most ` +
      `${MOST_MAP_CELLS} cells in all`);
  }
  if (!Array.isArray(raw) || raw.length !== width * height) {
    fail(where, `has a ${width}x${height} map with ${Array.isArray(raw) ? raw.length : 'no'} raw values; it needs ${width * height}`);
  }
  if (!raw.every(Number.isFinite)) fail(where, 'has a map with a value that is not a finite number');
}

function checkTop(top, labels, where) {
  if (!Array.isArray(top) || !top.length) fail(where, 'has no top classes: it needs top: [{class, label, probability}, ...]');
  for (const entry of top) {
    if (!isWhole(entry?.class) || entry.class >= labels.length) {
      fail(where, `names class ${quote(entry?.class)} in its top classes; the run has classes 0 to ${labels.length - 1}`);
    }
    if (!Number.isFinite(entry.probability) || entry.probability < 0 || entry.probability > 1) {
      fail(where, `gives class ${entry.class} a probability of ${quote(entry.probability)}; it must be from 0 to 1`);
    }
  }
}

const METRICS = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy'];

// The timeline in `text` (read from `where`), checked so that the view can draw every frame of it;
// its epochs in order. Throws an Error that says what is wrong and where.
export function parseTimeline(text, where) {
  let timeline;
  try {
    timeline = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where} is not JSON (${error.message}): give the timeline.json that camlens train writes`);
  }
  if (!timeline || typeof timeline !== 'object' || Array.isArray(timeline)) {
    fail(where, 'is not a camlens result: a timeline is a JSON object with kind "timeline"');
  }
  if (timeline.kind !== 'timeline') {
    fail(where, `is ${typeof timeline.kind === 'string' ? `a camlens "${timeline.kind.slice(0, 20)}" result` : 'no camlens result'}, ` +
      'not a timeline: give the timeline.json that camlens train writes in its run folder');
  }
  if (timeline.version !== 1) fail(where, `is a timeline of version ${quote(timeline.version)}; this page reads version 1`);
  const run = timeline.run;
  const labels = run?.labels;
  if (!Array.isArray(labels) || !labels.length || !labels.every((label) => typeof label === 'string')) {
    fail(where, 'has no run.labels: the run needs its class names, in class order');
  }
  const probes = timeline.probes;
  if (!Array.isArray(probes) || !probes.length) fail(where, 'has no probes: it needs probes: [{image, true_class, label}, ...]');
  if (probes.length > MOST_PROBES) fail(where, `has ${probes.length} probes; the page shows at most ${MOST_PROBES}`);
  probes.forEach((probe, i) => {
    if (typeof probe?.image !== 'string' || !probe.image) fail(where, `probes[${i}] has no image path`);
    if (!isWhole(probe.true_class) || probe.true_class >= labels.length) {
      fail(where, `probes[${i}] has true_class ${quote(probe.true_class)}; the run has classes 0 to ${labels.length - 1}`);
    }
  });
  const epochs = timeline.epochs;
  if (!Array.isArray(epochs) || !epochs.length) fail(where, 'has no epochs yet: the run writes one entry when each epoch ends');
  if (epochs.length > MOST_EPOCHS) fail(where, `has ${epochs.length} epochs; the page shows at most ${MOST_EPOCHS}`);
  epochs.forEach((epoch, e) => {
    const at = `${where} epochs[${e}]`;
    if (!isWhole(epoch?.epoch, 1)) fail(at, `has epoch ${quote(epoch?.epoch)}; epochs are numbered from 1`);
    for (const metric of METRICS) {
      if (epoch[metric] !== undefined && epoch[metric] !== null && !Number.isFinite(epoch[metric])) {
        fail(at, `has ${metric} ${quote(epoch[metric])}; it must be a number`);
      }
    }
    if (!Array.isArray(epoch.probes) || epoch.probes.length !== probes.length) {
      fail(at, `has ${Array.isArray(epoch.probes) ? epoch.probes.length : 'no'} probes; the timeline names ${probes.length}`);
    }
    epoch.probes.forEach((probe, p) => {
      const there = `${at}.probes[${p}]`;
      if (probe?.image !== undefined && probe.image !== probes[p].image) {
        fail(there, `is of ${quote(probe.image)}, but probe ${p} is ${quote(probes[p].image)}: list the probes in one order`);
      }
      checkTop(probe?.top, labels, there);
      checkMap(probe.map, there);
    });
  });
  const numbers = epochs.map((epoch) => epoch.epoch);
  if (new Set(numbers).size !== numbers.length) fail(where, 'lists an epoch twice');
  return { ...timeline, epochs: [...epochs].sort((a, b) => a.epoch - b.epoch) };
}

// ---- a run, read ----

// An image to draw a probe's map over when its own image could not be read: mid gray, of the
// run's input size.
function grayImage([height, width] = [28, 28]) {
  const side = (value) => (isWhole(value, 1) && value <= 1024 ? value : 28);
  const data = new Uint8ClampedArray(side(width) * side(height) * 4).fill(160);
  return { width: side(width), height: side(height), data, missing: true };
}

// Hundreds of epochs of dozens of probes take a few megabytes; a far bigger file is not a timeline.
const MOST_TIMELINE_BYTES = 256 * 2 ** 20;

// Reads a run from `source`: its timeline checked, its probe images decoded. What the view can do
// without (a probe image that does not load, a snapshot that is missing) comes back in `warnings`
// rather than failing the run. -> {source, timeline, probes: [{...probe, image}], openable: [bool per epoch], warnings}
export async function loadRun(source) {
  const where = source.link ?? `${source.name}/${source.timeline}`;
  const blob = await source.read(source.timeline);
  if (blob.size > MOST_TIMELINE_BYTES) {
    throw new Error(`${where} is over ${MOST_TIMELINE_BYTES / 2 ** 20} MB: too big for a training run's timeline.json; is it the right file?`);
  }
  const timeline = parseTimeline(await blob.text(), where);
  const warnings = [];
  const probes = await Promise.all(timeline.probes.map(async (probe) => {
    try {
      const blob = await source.read(probe.image);
      return { ...probe, picture: await decodeImage(blob, probe.image.split('/').pop()) };
    } catch (error) {
      warnings.push(`probe image ${probe.image} could not be read (${error.message.replace(/\.$/, '')}): its frames show the map over gray`);
      return { ...probe, picture: grayImage(timeline.run?.input) };
    }
  }));
  const openable = await Promise.all(timeline.epochs.map((epoch) =>
    typeof epoch.snapshot === 'string' && epoch.snapshot ? source.has(`${epoch.snapshot.replace(/\/+$/, '')}/model.json`) : false));
  const missing = timeline.epochs.filter((_, e) => !openable[e]).map((epoch) => epoch.epoch);
  if (missing.length) {
    warnings.push(`epoch${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${where} ha${missing.length > 1 ? 've' : 's'} no ` +
      `snapshot (model.json) in the run folder: ${missing.length > 1 ? 'their' : 'its'} frames play, but cannot be opened in ` +
      'the explain view');
  }
  return { source, timeline, probes, openable, warnings };
}
