// What a new user meets on the page, item by item: messages on screen, map values on hover, every
// class reachable, the layer each panel used, large and degenerate images, messages that say what
// is wrong, assumed metadata, adding panels, slow methods' options, the view in the address, and
// method summaries on a touch screen. Screenshots go to build/screenshots/ (ux-*.png).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { test } from 'node:test';
import {
  dropFiles, fileFrom, idle, meanDifference, openPage, panelPixels, root, screenshot, spread,
  errorsIn, serverAndBrowser,
} from './support.mjs';

const shared = serverAndBrowser();

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; ++k) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

// An 8-bit gray PNG of `width`×`height`: 64-pixel checks of two grays, so a shrunk copy is no blank.
function checkerPng(width, height) {
  const raw = Buffer.alloc((width + 1) * height);
  const rows = [0, 1].map((parity) => {
    const row = Buffer.alloc(width + 1);
    for (let x = 0; x < width; ++x) row[x + 1] = ((x >> 6) + parity) & 1 ? 200 : 40;
    return row;
  });
  for (let y = 0; y < height; ++y) rows[(y >> 6) & 1].copy(raw, y * (width + 1));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;  // bit depth; colour type 0 (gray), the rest 0
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 1 })), chunk('IEND', Buffer.alloc(0))]);
}

function png(name, buffer) {
  return { name, mimeType: 'image/png', buffer };
}

// The one message shown of `kind` ('error' or 'notice') that matches `pattern`.
function message(page, kind, pattern) {
  return page.locator(`#messages .message.${kind}`).filter({ hasText: pattern });
}

async function isOnScreen(page, locator) {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  return box !== null && box.y >= 0 && box.y + box.height <= viewport.height && box.width > 100;
}

test('a message is on screen wherever the page is scrolled, with its role, and can be dismissed', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url, { viewport: { width: 1280, height: 700 } });
  try {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    assert.ok(await page.evaluate(() => window.scrollY) > 300, 'the page scrolled down');
    await dropFiles(page, [png('notes.png', Buffer.from('these are notes, not a picture'))]);
    await idle(page);
    const error = page.locator('#messages .message.error');
    assert.equal(await error.getAttribute('role'), 'alert');
    assert.ok(await isOnScreen(page, error), 'the error is within the screen while scrolled down');
    await screenshot(page, 'ux-01-message-scrolled');
    await error.getByRole('button', { name: 'Dismiss this message' }).click();
    assert.equal(await page.locator('#messages .message').count(), 0);
  } finally {
    await context.close();
  }
});

for (const width of [1366, 1920]) {
  test(`hovering a main panel shows the map value beside room enough to read it (${width} px wide)`, async () => {
    const { page, context } = await openPage(shared.browser, shared.server.url, { viewport: { width, height: 900 } });
    try {
      const panels = page.locator('#panels .panel');
      for (let i = 0; i < await panels.count(); ++i) {
        await panels.nth(i).locator('canvas').hover();
        const readout = panels.nth(i).locator('.panel-readout');
        assert.match(await readout.textContent(), /^\d+% · raw -?[\d.e+-]+$/);
        const { width: shown, overflow } = await readout.evaluate((element) =>
          ({ width: element.getBoundingClientRect().width, overflow: element.scrollWidth - element.clientWidth }));
        assert.ok(shown >= 120 && overflow <= 0, `panel ${i}'s readout is ${shown} px wide, ${overflow} px cut off`);
      }
      await screenshot(page, `ux-02-hover-${width}`);
    } finally {
      await context.close();
    }
  });
}

test('every class can be explained: all seven emotions and all ten Fashion-MNIST classes are offered', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url);
  try {
    assert.equal(await page.locator('#predictions .prediction').count(), 5);
    await page.getByRole('button', { name: 'Show 2 more classes' }).click();
    assert.equal(await page.locator('#predictions .prediction').count(), 7);
    const last = page.locator('#predictions .prediction').last();
    const label = await last.locator('.prediction-label').textContent();
    await last.click();
    await idle(page);
    assert.match(await page.locator('#explained-class').textContent(), new RegExp(`^${label} `));
    const explained = await page.evaluate(() => window.camlens.panels().map((panel) => panel.explanation.label));
    assert.deepEqual(explained, explained.map(() => label), 'every panel explains the class chosen');
    assert.equal(await page.locator('#predictions .prediction').count(), 7, 'the class chosen stays in the list');
    await screenshot(page, 'ux-03-all-classes');

    await page.selectOption('#model-select', 'fashion-mnist');
    await idle(page);
    // The list stays expanded across the switch, as the user left it.
    assert.equal(await page.locator('#predictions .prediction').count(), 10);
    await page.getByRole('button', { name: 'Show the top 5 only' }).click();
    assert.equal(await page.locator('#predictions .prediction').count(), 5);
    await page.getByRole('button', { name: 'Show 5 more classes' }).click();
    assert.equal(await page.locator('#predictions .prediction').count(), 10);
  } finally {
    await context.close();
  }
});

test('each panel names its layer; on another layer CAM stays at its own and says so; the menu gives distances', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    const layerOf = (method) => page.locator(`.panel[data-method="${method}"] .panel-layer`).textContent();
    assert.equal(await layerOf('cam'), 'at conv2d_5');
    assert.equal(await layerOf('grad-cam'), 'at add_2');
    assert.equal(await layerOf('saliency'), 'on the input pixels');
    const options = await page.locator('#layer-select option').allTextContents();
    assert.ok(options.every((text) => / · \d+ from logits/.test(text)), options.join(' | '));
    assert.match(options.find((text) => text.startsWith('add_2')), /^add_2 · 8×8×256 · 2 from logits \(default\)$/);
    assert.match(await page.locator('#layer-note').textContent(), /farther a layer is from the head, the less class-specific its maps/);

    const other = await page.evaluate(() => window.camlens.state.description.layers.find((layer) => layer.spatial && /\/add_1\//.test(layer.name)).name);
    await page.selectOption('#layer-select', other);
    await idle(page);
    const cam = page.locator('.panel[data-method="cam"]');
    assert.equal(await cam.locator('.panel-message').count(), 0, 'CAM is drawn, not "Not computed"');
    assert.equal(await layerOf('cam'), 'at conv2d_5');
    assert.equal(await cam.locator('.panel-note').textContent(),
      'CAM is defined only at conv2d_5, the layer its global average pool reads: shown there');
    assert.equal(await layerOf('grad-cam'), 'at add_1');
    assert.match(await page.locator('#layer-note').textContent(), /^add_1 is \d+ layers from the logits\./);
    const [camPixels] = await panelPixels(page);
    assert.ok(spread(camPixels.pixels) > 5, 'CAM shows a map');
    await screenshot(page, 'ux-04-layers');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a 12000×12000 image decodes off the main thread with progress and a message; a 70000×1 one is refused', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url);
  try {
    // A file on disk: Chromium reads it natively, where a file made of bytes in the page would
    // stall the page itself while it is built.
    const big = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-ux-')), 'big.png');
    fs.writeFileSync(big, checkerPng(12000, 12000));
    // The longest the main thread went without running a timer while the file was read.
    await page.evaluate(() => {
      window.longestGap = 0;
      let last = performance.now();
      window.gapTimer = setInterval(() => {
        const now = performance.now();
        window.longestGap = Math.max(window.longestGap, now - last);
        last = now;
      }, 20);
    });
    await page.setInputFiles('#image-file-input', big);
    await page.locator('#viewer-progress').waitFor({ state: 'visible' });
    // Reading the file comes first; on a busy machine that stage shows for a while before decoding.
    await page.waitForFunction(() => /Decoding big\.png \(12000×12000\)/.test(document.getElementById('viewer-progress').textContent),
      null, { timeout: 20000 });
    await screenshot(page, 'ux-05-decoding');
    await idle(page);
    const longestGap = await page.evaluate(() => {
      clearInterval(window.gapTimer);
      return window.longestGap;
    });
    console.log(`# longest main-thread stall while a 12000x12000 PNG was decoded: ${Math.round(longestGap)} ms`);
    assert.ok(longestGap < 1000, `the page stalled for ${Math.round(longestGap)} ms`);
    assert.equal(await page.locator('#viewer-progress').isHidden(), true);
    const state = await page.evaluate(() => {
      const { image } = window.camlens.state;
      return { name: image.name, width: image.width, height: image.height };
    });
    assert.deepEqual(state, { name: 'big.png', width: 1024, height: 1024 });
    assert.equal(await message(page, 'notice', /'big\.png' is 12000×12000: it was shrunk to 1024×1024 for display/).count(), 1);
    assert.match(await page.locator('#image-name').textContent(), /1024×1024 \(from 12000×12000\)/);
    const imagePixels = await page.evaluate(() => {
      const canvas = document.getElementById('image-canvas');
      return Array.from(canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data.filter((_, i) => i % 4096 < 4));
    });
    assert.ok(spread(imagePixels) > 30, 'the shrunk image shows its checks, not a blank');
    await screenshot(page, 'ux-05-big-image');

    await dropFiles(page, [png('thin.png', checkerPng(70000, 1))]);
    await idle(page);
    assert.match(await page.locator('#messages .message.error').textContent(),
      /'thin\.png' is 70000×1: its shorter side would be under 1 pixel once shown at most 1024 pixels a side, under the 8 a box needs.*big\.png\) is still loaded/);
    assert.equal(await page.evaluate(() => window.camlens.state.image.name), 'big.png');
    assert.match(await page.locator('#image-limits').textContent(), /at most 1024 pixels a side .*up to 250 megapixels/);
    await screenshot(page, 'ux-05-thin-image');
    fs.rmSync(path.dirname(big), { recursive: true });
  } finally {
    await context.close();
  }
});

// The emotion model.json with its first convolution reading a later node instead of the input.
function emotionWithCycle() {
  const model = JSON.parse(fs.readFileSync(path.join(root, 'models/emotion/model.json'), 'utf8'));
  delete model.userDefinedMetadata.signature;
  const nodes = model.modelTopology.node;
  const first = nodes.find((node) => node.input?.includes('input_1'));
  const reader = nodes.find((node) => node.input?.includes(first.name));
  first.input[first.input.indexOf('input_1')] = reader.name;
  return Buffer.from(JSON.stringify(model));
}

test('messages say what is wrong: a broken model.json, an empty one, a cycle, a damaged PNG', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url);
  try {
    const weights = fileFrom(path.join(root, 'models/emotion/emotion.bin'));
    const json = (text) => ({ name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    const errorText = () => page.locator('#messages .message.error').textContent();

    await page.setInputFiles('#model-files-input', [json('{"format": "graph-model", '), weights]);
    await idle(page);
    assert.match(await errorText(), /model\.json is not valid JSON/);
    await page.setInputFiles('#model-files-input', [json('{}'), weights]);
    await idle(page);
    assert.match(await errorText(), /model\.json has no weightsManifest list: it is not a TensorFlow\.js model\.json/);
    await page.setInputFiles('#model-files-input', [{ name: 'model.json', mimeType: 'application/json', buffer: emotionWithCycle() }, weights]);
    await idle(page);
    assert.match(await errorText(), /the graph has a cycle: \S+ -> \S+ -> /);
    await screenshot(page, 'ux-06-cycle');

    const good = fs.readFileSync(path.join(root, 'web/samples/fashion-mnist/trouser.png'));
    const damaged = Buffer.from(good);
    const idat = damaged.indexOf('IDAT');
    damaged[idat + 10] ^= 0xff;
    await dropFiles(page, [png('damaged.png', damaged)]);
    await idle(page);
    assert.match(await errorText(), /'damaged\.png' is a PNG file that could not be decoded: its IDAT chunk fails its checksum/);
    await dropFiles(page, [png('cut.png', good.subarray(0, good.length - 30))]);
    await idle(page);
    assert.match(await errorText(), /'cut\.png' is a PNG file that could not be decoded: it ends inside its IDAT chunk/);
    assert.doesNotMatch(await errorText(), /try a PNG/);
    await screenshot(page, 'ux-06-damaged-png');
  } finally {
    await context.close();
  }
});

test('a model without metadata.json says which defaults were assumed and how to give them', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url);
  try {
    await page.setInputFiles('#model-files-input', [fileFrom(path.join(root, 'models/emotion/model.json'), 'application/json'),
      fileFrom(path.join(root, 'models/emotion/emotion.bin'))]);
    await idle(page);
    const notice = message(page, 'notice', /No metadata\.json came with your model 'model'/);
    assert.match(await notice.textContent(),
      /does not give its labels, input scaling, input colour, box: camlens assumed labels 'class 0' to 'class 6', pixel values 0\.\.1, gray input, .*drop a metadata\.json together with model\.json/);
    assert.equal(await notice.getAttribute('role'), 'status');
    assert.equal(await page.locator('#model-note').isVisible(), true, 'the prediction card says defaults were assumed');
    await screenshot(page, 'ux-07-assumed-metadata');
  } finally {
    await context.close();
  }
});

test('panels are added by the Add button only; they survive a model switch; two images dropped say which opened', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url);
  try {
    const count = () => page.locator('#panels .panel').count();
    const before = await count();
    await page.focus('#method-add');
    for (let i = 0; i < 3; ++i) await page.keyboard.press('ArrowDown');
    await idle(page);
    assert.equal(await count(), before, 'arrow keys on the menu add no panel');
    await page.selectOption('#method-add', 'eigen-cam');
    await page.click('#method-add-button');
    await idle(page);
    assert.equal(await count(), before + 1);
    await page.locator('.panel[data-method="grad-cam++"]').getByRole('button', { name: 'Remove Grad-CAM++' }).click();
    const methods = () => page.$$eval('#panels .panel', (panels) => panels.map((panel) => panel.dataset.method));
    const chosen = await methods();

    await page.selectOption('#model-select', 'fashion-mnist');
    await idle(page);
    assert.deepEqual(await methods(), chosen, 'the same panels on the new model');
    await screenshot(page, 'ux-08-kept-panels');

    const samples = path.join(root, 'web/samples/fashion-mnist');
    await dropFiles(page, [fileFrom(path.join(samples, 'bag.png'), 'image/png'), fileFrom(path.join(samples, 'dress.png'), 'image/png')]);
    await idle(page);
    assert.equal(await message(page, 'notice', /You gave 2 images; camlens explains one at a time, so it opened 'bag\.png'/).count(), 1);
    assert.equal(await page.evaluate(() => window.camlens.state.image.name), 'bag.png');
  } finally {
    await context.close();
  }
});

test('a slow method\'s options re-run its panel with the engine\'s params', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await page.evaluate(() => {
      const { engine } = window.camlens;
      // Each method a view asks for, with its params, in the order asked.
      window.explainRequests = [];
      const act = engine.act.bind(engine);
      engine.act = (action, callbacks) => {
        for (const method of action.view?.methods ?? []) window.explainRequests.push({ method: method.name, params: method.params });
        return act(action, callbacks);
      };
    });
    await page.selectOption('#method-add', 'occlusion');
    await page.click('#method-add-button');
    await idle(page);
    const panel = page.locator('.panel[data-method="occlusion"]');
    const before = (await panelPixels(page)).find((entry) => entry.method === 'occlusion');
    await panel.getByRole('button', { name: 'Occlusion options' }).click();
    await panel.getByLabel('Occlusion patch').fill('4');
    await panel.getByLabel('Occlusion stride').fill('2');
    await screenshot(page, 'ux-09-options');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    await idle(page);
    const requests = await page.evaluate(() => window.explainRequests.filter((request) => request.method === 'occlusion'));
    assert.deepEqual(requests.map((request) => request.params), [{}, { patch: 4, stride: 2 }]);
    assert.equal(await panel.locator('.panel-layer').textContent(), 'on the input pixels · patch 4 px, stride 2 px');
    const after = (await panelPixels(page)).find((entry) => entry.method === 'occlusion');
    assert.ok(meanDifference(before.pixels, after.pixels) > 0.5, 'a finer occlusion map');

    // Options run again while a run is under way: the newer run replaces it, showing its progress,
    // not the older run's "Cancelled".
    for (const [patch, stride] of [['2', '1'], ['8', '3']]) {
      await panel.getByRole('button', { name: 'Occlusion options' }).click();
      await panel.getByLabel('Occlusion patch').fill(patch);
      await panel.getByLabel('Occlusion stride').fill(stride);
      await panel.getByRole('button', { name: 'Run', exact: true }).click();
    }
    await page.waitForTimeout(200);
    assert.equal(await panel.locator('.panel-message').count(), 0, 'no "Cancelled" while the newer run works');
    await idle(page);
    assert.equal(await panel.locator('.panel-message').count(), 0);
    assert.equal(await panel.locator('.panel-layer').textContent(), 'on the input pixels · patch 8 px, stride 3 px');

    await page.selectOption('#method-add', 'smooth-grad');
    await page.click('#method-add-button');
    await idle(page);
    const smooth = page.locator('.panel[data-method="smooth-grad"]');
    await smooth.getByRole('button', { name: 'SmoothGrad options' }).click();
    await smooth.getByLabel('SmoothGrad samples').fill('3');
    await smooth.getByLabel('SmoothGrad noise').fill('0.3');
    await smooth.getByRole('button', { name: 'Run', exact: true }).click();
    await idle(page);
    const last = await page.evaluate(() => window.explainRequests.at(-1));
    assert.deepEqual([last.method, last.params], ['smooth-grad', { samples: 3, sigma: 0.3 }]);
    assert.equal(await smooth.locator('.panel-message').count(), 0);

    await page.selectOption('#method-add', 'integrated-gradients');
    await page.click('#method-add-button');
    await idle(page);
    const integrated = page.locator('.panel[data-method="integrated-gradients"]');
    await integrated.getByRole('button', { name: 'Integrated Gradients options' }).click();
    await integrated.getByLabel('Integrated Gradients steps').fill('8');
    await integrated.getByRole('button', { name: 'Run', exact: true }).click();
    await idle(page);
    const steps = await page.evaluate(() => window.explainRequests.at(-1));
    assert.deepEqual([steps.method, steps.params], ['integrated-gradients', { steps: 8 }]);
    assert.equal(await integrated.locator('.panel-layer').textContent(), 'on the input pixels · steps 8');
    await screenshot(page, 'ux-09-options-run');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('the view is kept in the address and a new tab opened on it shows the same explanation', async () => {
  const { page, context } = await openPage(shared.browser, shared.server.url);
  let copy;
  try {
    await page.locator('#gallery .gallery-item').nth(1).click();
    await idle(page);
    await page.evaluate(() => window.camlens.setCrop({ x: 150, y: 70, width: 150, height: 150 }));
    await idle(page);
    await page.locator('#predictions .prediction').nth(2).click();
    await idle(page);
    const layer = await page.evaluate(() => window.camlens.state.description.layers.find((entry) => entry.spatial && /add_1/.test(entry.name)).name);
    await page.selectOption('#layer-select', layer);
    await idle(page);
    await page.selectOption('#method-add', 'layer-cam');
    await page.click('#method-add-button');
    await page.selectOption('#colormap-select', 'viridis');
    await page.locator('#opacity').fill('70');
    await idle(page);
    const url = page.url();
    assert.match(url, /#model=emotion&sample=camera\.jpg&crop=150%2C70%2C150%2C150&class=\d&layer=.*&methods=cam%2Cgrad-cam%2Cgrad-cam%2B%2B%2Csaliency%2Clayer-cam&colormap=viridis&opacity=70$/);
    const view = (on) => on.evaluate(() => {
      const { state } = window.camlens;
      return { image: state.image.name, crop: state.crop, classIndex: state.classIndex, layer: state.layer, colormap: state.colormap,
        alpha: state.alpha, methods: window.camlens.panels().map((panel) => panel.method) };
    });
    const expected = await view(page);
    assert.ok(expected.classIndex !== null && expected.layer !== null, JSON.stringify(expected));
    const pixels = await panelPixels(page);

    copy = await openPage(shared.browser, url);
    assert.deepEqual(await view(copy.page), expected);
    assert.equal(await copy.page.locator('#colormap-select').inputValue(), 'viridis');
    assert.equal(await copy.page.locator('#opacity').inputValue(), '70');
    const restored = await panelPixels(copy.page);
    for (let i = 0; i < pixels.length; ++i) {
      assert.ok(meanDifference(pixels[i].pixels, restored[i].pixels) < 1, `${pixels[i].method} draws the same map`);
    }
    await screenshot(copy.page, 'ux-10-restored');

    // A user's own image is not in the address: neither its name nor its box.
    await copy.page.setInputFiles('#image-file-input', path.join(root, 'web/samples/coffee.jpg'));
    await idle(copy.page);
    assert.doesNotMatch(copy.page.url(), /sample=|crop=|coffee/);
  } finally {
    await copy?.context.close();
    await context.close();
  }
});

test('each method\'s summary opens on its panel with a tap', async () => {
  const context = await shared.browser.newContext({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
  const page = await context.newPage();
  try {
    await page.goto(shared.server.url);
    await idle(page);
    const panel = page.locator('.panel[data-method="grad-cam"]');
    const summary = panel.locator('.panel-summary');
    assert.equal(await summary.isVisible(), false);
    await panel.getByRole('button', { name: 'What Grad-CAM shows' }).tap();
    assert.equal(await summary.isVisible(), true);
    assert.match(await summary.textContent(), /channels weighted by their mean gradient/);
    assert.equal(await panel.getByRole('button', { name: 'What Grad-CAM shows' }).getAttribute('aria-expanded'), 'true');
    await screenshot(page, 'ux-11-summary-touch');
    await panel.getByRole('button', { name: 'What Grad-CAM shows' }).tap();
    assert.equal(await summary.isVisible(), false);
  } finally {
    await context.close();
  }
});

test('what the model looks for: an image grown for a class, with progress, cancel and a PNG', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await page.locator('#visualize-section summary').click();
    const targets = await page.locator('#visualize-target option').allTextContents();
    assert.ok(targets.includes('class happy'), targets.slice(0, 8).join(' | '));
    assert.ok(targets.some((text) => /conv2d_5 channel 3/.test(text)), 'channels of the explainable layers');
    // A long run, cancelled at once: the view says so and stays usable.
    await page.locator('#visualize-steps').fill('1024');
    await page.click('#visualize-run');
    await page.locator('#visualize-section progress').waitFor();
    await page.locator('#visualize-section').getByRole('button', { name: 'Cancel' }).click();
    await idle(page);
    assert.equal(await page.locator('#visualize-status').textContent(), 'Cancelled.');

    await page.selectOption('#visualize-target', { label: 'class happy' });
    await page.locator('#visualize-steps').fill('32');
    await page.click('#visualize-run');
    await idle(page);
    const status = await page.locator('#visualize-status').textContent();
    const [, before, after] = status.match(/^class happy: objective (\S+) → (\S+)\.$/);
    assert.ok(Number(after) > Number(before) + 1, status);
    const picture = await page.evaluate(() => {
      const canvas = document.getElementById('visualize-canvas');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      return { width: canvas.width, levels: new Set(Array.from(data).filter((_, i) => i % 4 === 0)).size };
    });
    assert.deepEqual(picture.width, 64, 'the model\'s input size');
    assert.ok(picture.levels > 20, `an image, not a flat gray (${picture.levels} levels)`);
    await page.locator('#visualize-section').scrollIntoViewIfNeeded();
    await screenshot(page, 'ux-13-visualize');
    const [download] = await Promise.all([page.waitForEvent('download'),
      page.locator('#visualize-section').getByRole('button', { name: 'PNG' }).click()]);
    assert.equal(download.suggestedFilename(), 'class-happy.visualized.png');
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});
