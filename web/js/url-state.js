// The view in the page's address (its hash), so a link or a bookmark opens the same explanation:
// model, sample, box, class, layer, methods, colormap and opacity, and the sanity check's method
// and seed while its section is open. A user's own image never goes in it: it does not leave the
// machine, so neither its name nor its box do.
//   #model=emotion&sample=astronaut.jpg&crop=158,48,140,140&class=3&layer=...&methods=cam,saliency&colormap=jet&opacity=40&sanity=grad-cam&seed=0
// The Training view has its own: the run's timeline (and a second one to compare), the epoch shown
// and the look. A run the user picked from disk is not in it, as their images are not.
//   #view=training&timeline=models/fashion-mnist/timeline.json&compare=...&epoch=3&colormap=jet&opacity=40
// A timeline may also come in the query (?timeline=...), which opens the Training view.
// The Audit view keeps its model (a built-in one), method and layer; the folder audited is the
// user's, so it is not in it.
//   #view=audit&model=fashion-mnist-shortcut&method=grad-cam&layer=conv4
// The Compare view keeps model A, its sample and box as the explain view does, and model B (a
// built-in one), the methods its rows show and the depth of their layers.
//   #view=compare&model=fashion-mnist&sample=...&crop=0,0,28,28&second=fashion-mnist-shortcut&maps=grad-cam,saliency&depth=0.5

const COLORMAPS = new Set(['jet', 'viridis', 'inferno', 'gray']);

function wholeNumber(text, min = 0) {
  const value = Number(text);
  return Number.isInteger(value) && value >= min ? value : null;
}

// What the hash (and the query's timeline) asks for; fields it lacks or that are malformed are left out.
export function readUrlState(hash = location.hash, search = location.search) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const query = new URLSearchParams(search);
  const saved = {};
  if (params.get('view') === 'audit') {
    saved.view = 'audit';
    if (params.get('model')) saved.model = params.get('model');
    if (params.get('method')) saved.auditMethod = params.get('method');
    if (params.get('layer')) saved.auditLayer = params.get('layer');
    return saved;
  }
  if (params.get('view') === 'compare') {
    saved.view = 'compare';
    if (params.get('second')) saved.second = params.get('second');
    if (params.has('maps')) saved.compareMethods = params.get('maps').split(',').filter(Boolean);
    const depth = Number(params.get('depth'));
    if (params.has('depth') && depth > 0 && depth <= 1) saved.compareDepth = depth;
  }
  if (params.get('view') === 'training' || (!params.has('view') && query.get('timeline'))) saved.view = 'training';
  const timeline = params.get('timeline') ?? query.get('timeline');
  if (timeline) saved.timeline = timeline;
  const compare = params.get('compare') ?? query.get('compare');
  if (compare) saved.compare = compare;
  const epoch = wholeNumber(params.get('epoch') ?? '', 1);
  if (params.has('epoch') && epoch !== null) saved.epoch = epoch;
  if (params.get('smooth') === 'off') saved.smooth = false;
  if (params.get('model')) saved.model = params.get('model');
  if (params.get('sample')) saved.sample = params.get('sample');
  const crop = (params.get('crop') ?? '').split(',').map((part) => wholeNumber(part));
  if (crop.length === 4 && crop.every((value) => value !== null) && crop[2] > 0 && crop[3] > 0) {
    saved.crop = { x: crop[0], y: crop[1], width: crop[2], height: crop[3] };
  }
  const classIndex = wholeNumber(params.get('class') ?? '');
  if (params.has('class') && classIndex !== null) saved.classIndex = classIndex;
  if (params.get('layer')) saved.layer = params.get('layer');
  if (params.has('methods')) saved.methods = params.get('methods').split(',').filter(Boolean);
  if (COLORMAPS.has(params.get('colormap'))) saved.colormap = params.get('colormap');
  const opacity = wholeNumber(params.get('opacity') ?? '');
  if (params.has('opacity') && opacity !== null && opacity <= 100) saved.alpha = opacity / 100;
  if (params.get('sanity')) saved.sanity = { method: params.get('sanity'), seed: wholeNumber(params.get('seed') ?? '') ?? 0 };
  return saved;
}

// Replaces the address's hash with `view` (no history entry: the back button leaves the page).
export function writeUrlState({ model, sample, crop, classIndex, layer, methods, colormap, alpha, sanity = null }) {
  const params = new URLSearchParams();
  if (model) params.set('model', model);
  if (sample) {
    params.set('sample', sample);
    if (crop) params.set('crop', [crop.x, crop.y, crop.width, crop.height].join(','));
  }
  if (classIndex !== null && classIndex !== undefined) params.set('class', String(classIndex));
  if (layer) params.set('layer', layer);
  params.set('methods', methods.join(','));
  params.set('colormap', colormap);
  params.set('opacity', String(Math.round(alpha * 100)));
  if (sanity) {
    params.set('sanity', sanity.method);
    params.set('seed', String(sanity.seed));
  }
  replaceAddress(`#${params.toString()}`);
}

// A query's timeline is carried in the hash from then on, so the query goes.
function replaceAddress(hash) {
  if (hash !== location.hash || location.search) history.replaceState(null, '', `${location.pathname}${hash}`);
}

// The Training view's address: what readUrlState reads back with view 'training'. `timeline` null:
// the default run; `compare` null: none (or one from disk); `epoch` null: none shown yet.
export function writeTrainingUrlState({ timeline, compare, epoch, colormap, alpha, smooth }) {
  const params = new URLSearchParams();
  params.set('view', 'training');
  if (timeline) params.set('timeline', timeline);
  if (compare) params.set('compare', compare);
  if (epoch) params.set('epoch', String(epoch));
  params.set('colormap', colormap);
  params.set('opacity', String(Math.round(alpha * 100)));
  if (!smooth) params.set('smooth', 'off');
  replaceAddress(`#${params.toString()}`);
}

// The Compare view's address: what readUrlState reads back with view 'compare'. `second` null: a
// model of the user's; `depth` 'metadata': each model's own layer (left out).
export function writeCompareUrlState({ model, sample, crop, second, methods, depth }) {
  const params = new URLSearchParams();
  params.set('view', 'compare');
  if (model) params.set('model', model);
  if (sample) {
    params.set('sample', sample);
    if (crop) params.set('crop', [crop.x, crop.y, crop.width, crop.height].join(','));
  }
  if (second) params.set('second', second);
  params.set('maps', methods.join(','));
  if (depth !== 'metadata') params.set('depth', String(depth));
  replaceAddress(`#${params.toString()}`);
}

// The Audit view's address: what readUrlState reads back with view 'audit'. `model` null: a model
// of the user's; `method` and `layer` null: the defaults.
export function writeAuditUrlState({ model, method, layer }) {
  const params = new URLSearchParams();
  params.set('view', 'audit');
  if (model) params.set('model', model);
  if (method) params.set('method', method);
  if (layer) params.set('layer', layer);
  replaceAddress(`#${params.toString()}`);
}
