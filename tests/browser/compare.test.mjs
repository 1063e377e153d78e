// The Compare view in Debian's Chromium: two models on the same photo and box, side by side, each
// row computed by the engine from its own model (the explain view, showing each model alone, must
// give the same numbers), a note when their classes differ, a model of the user's kept as model A,
// a second model that fails to load leaving both as they were, and a cancelled comparison that runs
// again after the worker restarts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { errorsIn, fileFrom, idle, openPage, root, screenshot, serverAndBrowser, spread, withoutIsolation } from './support.mjs';

const shared = serverAndBrowser();

// What each row shows, as the engine returned it: its model, layer, top 3, crop and maps.
function compareRows(page) {
  return page.evaluate(() => window.camlens.compare.rows.map((row) => ({
    title: row.title,
    layer: row.layer,
    crop: row.view?.crop,
    top: row.view?.prediction.classes.slice(0, 3).map(({ label, probability }) => ({ label, probability })),
    maps: Object.fromEntries((row.view?.explanations ?? []).map((map) => [map.method, { layer: map.layer, raw: Array.from(map.raw.values) }])),
  })));
}

// What the page draws in each row: the top-3 labels and values, the layer line, each map canvas's
// size and how much its pixels vary (0: blank).
function drawnRows(page) {
  return page.$$eval('#compare-table tbody tr', (rows) => rows.map((row) => ({
    labels: [...row.querySelectorAll('.prediction-label')].map((label) => label.textContent),
    values: [...row.querySelectorAll('.prediction-value')].map((value) => value.textContent),
    layer: row.querySelector('.compare-layer').textContent,
    maps: [...row.querySelectorAll('.compare-map[data-method]')].map((figure) => {
      const canvas = figure.querySelector('canvas');
      const pixels = canvas.width ? Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data) : [];
      const note = figure.querySelector('.compare-cell-note');
      return { method: figure.dataset.method, width: canvas.width, pixels, caption: figure.querySelector('figcaption').textContent,
               note: note.hidden ? '' : note.textContent };
    }),
  })));
}

// The explain view's own prediction (top 3) and Grad-CAM map of the model it shows.
function explainView(page) {
  return page.evaluate(() => {
    const { state } = window.camlens;
    const gradCam = window.camlens.panels().find((panel) => panel.method === 'grad-cam').explanation;
    return {
      modelId: state.modelId,
      image: state.image.name,
      crop: state.crop,
      top: state.prediction.classes.slice(0, 3).map(({ label, probability }) => ({ label, probability })),
      gradCam: { layer: gradCam.layer, raw: Array.from(gradCam.raw.values) },
    };
  });
}

async function openCompare(page) {
  await page.click('#tab-compare');
  await idle(page);
  assert.equal(await page.evaluate(() => window.camlens.view), 'compare');
}

// The Fashion-MNIST pair of the Audit view, by address: the same task learnt twice, once through a shortcut.
const FASHION_PAIR = '#view=compare&model=fashion-mnist&second=fashion-mnist-shortcut';

const sameCentre = (a, b) => Math.abs(a.x + a.width / 2 - (b.x + b.width / 2)) <= 1 && Math.abs(a.y + a.height / 2 - (b.y + b.height / 2)) <= 1;

test('Compare opens on the two gender models: each row is its own model alone, on the same face framed as each asks', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    // Keyboard: the arrow key moves from the Explain tab to Compare.
    await page.focus('#tab-explain');
    await page.keyboard.press('ArrowRight');
    await idle(page);
    assert.equal(await page.evaluate(() => window.camlens.view), 'compare');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'tab-compare');

    const rows = await compareRows(page);
    assert.deepEqual(rows.map((row) => row.title), ['Gender', 'Gender, SSR-Net']);
    assert.equal(await page.locator('#compare-first').inputValue(), 'gender');
    assert.equal(await page.locator('#compare-second').inputValue(), 'gender-ssrnet-imdb');
    const alone = await explainView(page);
    assert.equal(alone.modelId, 'gender', 'model A is the explain view\'s model');
    assert.equal(alone.image, 'astronaut.jpg', 'on the sample photo');
    assert.deepEqual(rows[0].crop, alone.crop, 'row A: the explain view\'s box, the face it found');
    // Row B: the same face, framed 1.8 times its box (SSR-Net's metadata) rather than 1.6 times.
    assert.ok(sameCentre(rows[1].crop, alone.crop), JSON.stringify(rows.map((row) => row.crop)));
    assert.ok(Math.abs(rows[1].crop.width / alone.crop.width - 1.8 / 1.6) < 0.02, JSON.stringify(rows.map((row) => row.crop)));
    for (const row of rows) {
      assert.equal(row.layer.how, 'named', `${row.title}: the layer its metadata names`);
      assert.deepEqual(Object.keys(row.maps), ['grad-cam', 'grad-cam++', 'saliency']);
    }
    assert.ok(await page.locator('#compare-note').isHidden(), 'the same two classes in the same order: no note');

    const drawn = await drawnRows(page);
    for (const [i, row] of drawn.entries()) {
      assert.deepEqual(row.labels, rows[i].top.map((entry) => entry.label), `row ${i}: the classes drawn`);
      assert.match(row.layer, /Explained at .+, the layer its metadata names/);
      assert.equal(row.maps[2].caption, 'on the input pixels');
    }
    for (const map of drawn[0].maps) {
      assert.ok(map.width > 0 && spread(map.pixels) > 5, `row A: ${map.method} is drawn`);
      assert.equal(map.note, '');
    }
    // SSR-Net's score sits below 1e-6 here: its gradient is exactly zero, and each map says so.
    for (const map of drawn[1].maps) {
      assert.ok(map.width > 0, `row B: ${map.method} is drawn`);
      assert.match(map.note, /^The map is zero everywhere: the class's score does not change with these values here/);
    }
    assert.match(await page.locator('#compare-table tbody tr').nth(1).locator('figcaption').first().textContent(),
      /the same face, framed as this model's metadata asks/);
    await screenshot(page, '40-compare-default-pair', { fullPage: true });

    // Keyboard: Space ticks LayerCAM, and both rows gain its map (CAM applies to neither head).
    await page.focus('#compare-view input[data-method="layer-cam"]');
    await page.keyboard.press('Space');
    await idle(page);
    const withCam = await compareRows(page);
    for (const row of withCam) assert.deepEqual(Object.keys(row.maps), ['grad-cam', 'grad-cam++', 'layer-cam', 'saliency']);
    assert.deepEqual(await page.$$eval('#compare-table thead th', (cells) => cells.map((cell) => cell.textContent)),
      ['Model', 'Photo', 'Grad-CAM', 'Grad-CAM++', 'LayerCAM', 'Saliency']);
    const address = Object.fromEntries(new URLSearchParams(new URL(page.url()).hash.slice(1)));
    const { x, y, width, height } = alone.crop;
    assert.deepEqual(address, { view: 'compare', model: 'gender', sample: 'astronaut.jpg', crop: `${x},${y},${width},${height}`,
      second: 'gender-ssrnet-imdb', maps: 'grad-cam,grad-cam++,layer-cam,saliency' }, 'the address keeps the comparison');

    // Row A is what the explain view shows of the mini-Xception alone ...
    assert.deepEqual(rows[0].top, alone.top);
    assert.deepEqual(rows[0].maps['grad-cam'], alone.gradCam);
    // ... and row B what it shows once switched to SSR-Net, which finds the same face and frames it its way.
    await page.click('#tab-explain');
    await page.selectOption('#model-select', 'gender-ssrnet-imdb');
    await idle(page);
    const ssrnet = await explainView(page);
    assert.deepEqual([ssrnet.modelId, ssrnet.image, ssrnet.crop], ['gender-ssrnet-imdb', alone.image, rows[1].crop]);
    assert.deepEqual(rows[1].top, ssrnet.top);
    assert.deepEqual(rows[1].maps['grad-cam'], ssrnet.gradCam);
    assert.equal(rows[1].top[0].label, 'female', 'SSR-Net, fed BGR and framed as trained, says female');
    assert.notDeepEqual(rows[0].top, rows[1].top, 'the two models do not give the same numbers');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('the Fashion-MNIST pair by address: the same classes in another order get a note; both rows on the same box', async () => {
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}${FASHION_PAIR}`);
  try {
    const rows = await compareRows(page);
    assert.deepEqual(rows.map((row) => row.title), ['Fashion-MNIST', 'Fashion-MNIST, shortcut learnt']);
    const alone = await explainView(page);
    assert.match(alone.image, /\.png$/, 'on a Fashion-MNIST sample');
    for (const row of rows) {
      assert.deepEqual(row.crop, alone.crop, `${row.title}: the explain view's box`);
      assert.deepEqual(row.layer, { name: 'conv4', how: 'named', depth: 1, from: null }, `${row.title}: the layer its metadata names`);
    }
    // The shortcut model was trained from class folders: the same classes, sorted, 'T-shirt/top' written 'T-shirt-top'.
    assert.match(await page.locator('#compare-note').textContent(),
      /know the same 10 classes, listed in another order \(Fashion-MNIST: T-shirt\/top, Trouser, Pullover, …; Fashion-MNIST, shortcut learnt: Ankle boot, Bag, Coat, …\)/);
    for (const row of await drawnRows(page)) assert.deepEqual(row.maps.map((map) => map.caption), ['at conv4', 'at conv4', 'on the input pixels']);
    assert.deepEqual(rows[0].top, alone.top);
    assert.deepEqual(rows[0].maps['grad-cam'], alone.gradCam);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('an address opens the comparison it keeps: model A with its sample and box, model B, the methods, the depth', async () => {
  const hash = '#view=compare&model=emotion&sample=astronaut.jpg&crop=150,40,160,160&second=fashion-mnist&maps=grad-cam,saliency&depth=0.5';
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}${hash}`);
  try {
    assert.equal(await page.evaluate(() => window.camlens.view), 'compare');
    assert.ok(await page.locator('#compare-view').isVisible());
    assert.equal(await page.locator('#compare-depth').inputValue(), '0.5');
    const rows = await compareRows(page);
    assert.deepEqual(rows.map((row) => row.title), ['Emotion', 'Fashion-MNIST']);
    for (const row of rows) {
      assert.deepEqual(row.crop, { x: 150, y: 40, width: 160, height: 160 });
      assert.deepEqual(Object.keys(row.maps), ['grad-cam', 'saliency']);
      assert.deepEqual([row.layer.how, row.layer.depth], ['depth', 0.5]);
    }
    assert.equal(rows[1].layer.name, 'conv2');
    assert.equal(new URL(page.url()).hash, hash.replace('crop=150,40,160,160', 'crop=150%2C40%2C160%2C160').replace('grad-cam,saliency', 'grad-cam%2Csaliency'));
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('two models with different classes get a note and are still compared, each at its own layer', async () => {
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}${FASHION_PAIR}`);
  try {
    await openCompare(page);
    await page.selectOption('#compare-second', 'emotion');
    await idle(page);
    const note = page.locator('#compare-note');
    assert.ok(await note.isVisible());
    assert.match(await note.textContent(), /do not know the same classes: Fashion-MNIST 10 \(T-shirt\/top, .*Emotion 7 \(angry, /);
    const rows = await compareRows(page);
    assert.deepEqual(rows.map((row) => row.title), ['Fashion-MNIST', 'Emotion']);
    assert.equal(rows[1].layer.name, 'StatefulPartitionedCall/model_1/add_2/add', 'the layer emotion\'s metadata names');
    assert.equal(rows[1].maps['grad-cam'].layer, rows[1].layer.name);
    const labels = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];
    assert.ok(labels.includes(rows[1].top[0].label), 'row B speaks of emotions');
    for (const row of await drawnRows(page)) {
      for (const map of row.maps) assert.ok(map.width > 0 && spread(map.pixels) > 5, `${map.method} is drawn`);
    }
    await screenshot(page, '41-compare-labels-differ', { fullPage: true });

    // A model whose files name no layer goes as deep as the other row's.
    const model = JSON.parse(fs.readFileSync(path.join(root, 'models/fashion-mnist/model.json'), 'utf8'));
    delete model.userDefinedMetadata.explain_layer;
    await page.setInputFiles('#compare-files-input', [
      { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(model)) },
      fileFrom(path.join(root, 'models/fashion-mnist/weights.bin'))]);
    await idle(page);
    assert.ok(await note.isHidden(), 'the same labels in the same order: no note');
    await page.selectOption('#compare-first', 'emotion');
    await idle(page);
    const [emotion, unnamed] = await compareRows(page);
    assert.equal(unnamed.title, 'Your model: model');
    assert.equal(emotion.layer.how, 'named');
    assert.ok(emotion.layer.depth < 1, `emotion's named layer lies before its last conv (${emotion.layer.depth})`);
    assert.deepEqual([unnamed.layer.how, unnamed.layer.depth, unnamed.layer.from], ['depth', emotion.layer.depth, 0]);
    assert.equal(unnamed.maps['grad-cam'].layer, unnamed.layer.name);
    assert.match((await drawnRows(page))[1].layer, /Explained at conv\d, its \d\w\w of 4 conv layers, as deep as Emotion's/);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a model of the user\'s in the explain view stays model A, against the default pair\'s first model', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await page.setInputFiles('#model-files-input', [fileFrom(path.join(root, 'models/emotion/model.json'), 'application/json'),
      fileFrom(path.join(root, 'models/emotion/emotion.bin')), fileFrom(path.join(root, 'models/emotion/metadata.json'), 'application/json')]);
    await idle(page);
    const alone = await explainView(page);
    await openCompare(page);
    assert.equal(await page.evaluate(() => window.camlens.state.modelId), 'custom');
    assert.equal(await page.locator('#compare-first').inputValue(), 'custom');
    const rows = await compareRows(page);
    assert.deepEqual(rows.map((row) => row.title), ['Your model: model', 'Gender']);
    assert.deepEqual(rows[0].top, alone.top);
    assert.deepEqual(rows[0].crop, alone.crop);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a model B that fails to load gives an error and leaves both models as they were', async () => {
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}${FASHION_PAIR}`);
  try {
    await openCompare(page);
    const before = await compareRows(page);
    const errorText = () => page.locator('#messages .message.error').textContent();

    // The engine refuses a model whose weights are cut short.
    const weights = fs.readFileSync(path.join(root, 'models/emotion/emotion.bin'));
    await page.setInputFiles('#compare-files-input', [fileFrom(path.join(root, 'models/emotion/model.json'), 'application/json'),
      { name: 'emotion.bin', mimeType: 'application/octet-stream', buffer: weights.subarray(0, 1000) }]);
    await idle(page);
    assert.match(await errorText(), /Could not load your model 'model' as model B: .+ Model B is still Fashion-MNIST, shortcut learnt; model A \(Fashion-MNIST\) is unchanged\./);
    await screenshot(page, '42-compare-bad-model');
    // A model.json that is not JSON is refused before the engine sees it.
    await page.setInputFiles('#compare-files-input', [{ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from('{"format": "graph-model", "weightsManifest": [') }]);
    await idle(page);
    assert.match(await errorText(), /model\.json is not valid JSON .* Model B is still Fashion-MNIST, shortcut learnt\./);
    // A model name the page does not know, through the page's API.
    await page.evaluate(() => window.camlens.compare.chooseSecond('no-such-model'));
    await idle(page);
    assert.match(await errorText(), /there is no built-in model 'no-such-model': choose one of emotion, gender, gender-ssrnet-imdb, fashion-mnist, fashion-mnist-shortcut/);
    await page.evaluate(() => window.camlens.compare.chooseSecond('toString'));
    await idle(page);
    assert.match(await errorText(), /Could not load 'toString' as model B: there is no built-in model 'toString'/, 'no inherited name passes for a model');

    assert.equal(await page.locator('#compare-second').inputValue(), 'fashion-mnist-shortcut');
    assert.equal(await page.evaluate(() => window.camlens.state.modelId), 'fashion-mnist');
    // Both models still answer as before: a new comparison (another depth) gives the same predictions.
    await page.evaluate(() => window.camlens.compare.setDepth(0.5));
    await idle(page);
    const after = await compareRows(page);
    assert.deepEqual(after.map((row) => row.top), before.map((row) => row.top));
    assert.deepEqual(after.map((row) => row.layer.name), ['conv2', 'conv2'], 'halfway through four conv layers');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a cancelled comparison says so, and runs again with both models after the worker restarts', async () => {
  // Without cross-origin isolation a cancel terminates the worker: both models must come back.
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}${FASHION_PAIR}`, { prepare: withoutIsolation });
  try {
    await openCompare(page);
    const before = await compareRows(page);
    await page.evaluate(() => {
      window.camlens.compare.setMethods(['grad-cam', 'occlusion']);
      window.camlens.compare.cancel();
    });
    await idle(page);
    assert.equal(await page.locator('#compare-status').textContent(), 'Cancelled.');
    assert.equal(await page.locator('#compare-table .panel-message-title').first().textContent(), 'Cancelled.');
    await page.locator('#compare-table button', { hasText: 'Run again' }).first().click();
    await idle(page);
    const after = await compareRows(page);
    assert.deepEqual(after.map((row) => row.title), before.map((row) => row.title));
    assert.deepEqual(after.map((row) => row.top), before.map((row) => row.top));
    assert.deepEqual(after.map((row) => Object.keys(row.maps)), [['grad-cam', 'occlusion'], ['grad-cam', 'occlusion']]);
    assert.deepEqual(after.map((row) => row.maps['grad-cam']), before.map((row) => row.maps['grad-cam']));
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});
