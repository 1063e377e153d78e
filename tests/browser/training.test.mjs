// The page's Training view in Debian's Chromium: a training run's time-lapse (web/js/training.js).
// The run is a fixture made here: two epochs of the shipped Fashion-MNIST run (its epochs/01 and 02
// snapshots), three probe images from web/samples, and each epoch's top 3 and CAM computed by the
// engine itself in Node, as `camlens train` writes them. It is served to the page by routing
// requests under fixture-run/; the same folder is also picked from disk as a second run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { decodePng } from '../tools/png.mjs';
import { loadCamlens } from '../node/support.mjs';
import {
  dropFiles, errorsIn, fileFrom, meanDifference, openPage, root, screenshot, serverAndBrowser, spread,
} from './support.mjs';

const shared = serverAndBrowser();
const PROBES = [['t-shirt.png', 0], ['trouser.png', 1], ['bag.png', 8]];
let fixture;  // {dir, timeline}: the run folder on disk and its timeline

function rgbaOfPng(file) {
  const png = decodePng(fs.readFileSync(file));
  const rgba = new Uint8ClampedArray(png.width * png.height * 4);
  for (let i = 0; i < png.width * png.height; ++i) {
    const gray = png.channels < 3;
    for (let c = 0; c < 3; ++c) rgba[i * 4 + c] = png.pixels[i * png.channels + (gray ? 0 : c)];
    rgba[i * 4 + 3] = 255;
  }
  return { width: png.width, height: png.height, rgba };
}

// A run folder as `camlens train` writes it: timeline.json, epochs/NN/ and probes/, with
// `architecture` named and `epochs` of the shipped run's snapshots.
async function writeRun(dir, { architecture = 'vgg', epochs = 2 } = {}) {
  const camlens = await loadCamlens('camlens-single');
  const labels = JSON.parse(fs.readFileSync(path.join(root, 'models/fashion-mnist/epochs/01/model.json'))).userDefinedMetadata.labels;
  fs.mkdirSync(path.join(dir, 'probes'), { recursive: true });
  const probes = PROBES.map(([file, trueClass], i) => {
    const image = `probes/0${i + 1}-${file}`;
    fs.copyFileSync(path.join(root, 'web/samples/fashion-mnist', file), path.join(dir, image));
    return { image, true_class: trueClass, pixels: rgbaOfPng(path.join(dir, image)) };
  });
  const entries = [];
  for (let epoch = 1; epoch <= epochs; ++epoch) {
    const snapshot = `epochs/0${epoch}`;
    fs.cpSync(path.join(root, 'models/fashion-mnist', snapshot), path.join(dir, snapshot), { recursive: true });
    const modelJson = fs.readFileSync(path.join(dir, snapshot, 'model.json'), 'utf8');
    const shards = [{ name: 'weights.bin', bytes: new Uint8Array(fs.readFileSync(path.join(dir, snapshot, 'weights.bin'))) }];
    const explainer = new camlens.Explainer(modelJson, shards, '');
    const explained = probes.map(({ image, true_class: trueClass, pixels }) => {
      explainer.setImage(pixels.rgba, pixels.width, pixels.height);
      const view = explainer.view({ methods: ['cam'], pictures: false });
      const { layer, raw, class: explained } = view.explanations[0];
      return {
        image, true_class: trueClass,
        top: view.prediction.classes.slice(0, 3).map(({ class: c, label, probability }) => ({ class: c, label, probability })),
        map: { method: 'cam', layer, class: explained, width: raw.width, height: raw.height, raw: Array.from(raw.values) },
      };
    });
    explainer.delete();
    entries.push({ epoch, train_loss: 0.6 / epoch, train_accuracy: 0.8 + 0.04 * epoch, val_loss: 0.55 / epoch,
      val_accuracy: 0.79 + 0.04 * epoch, seconds: 100, snapshot, probes: explained });
  }
  const timeline = {
    version: 1, kind: 'timeline',
    run: { architecture, data: 'fashion-mnist', input: [28, 28, 1], labels, epochs, batch: 64, optimizer: 'adam', learning_rate: 0.002,
      weight_decay: 0.01, augment: true, seed: 1, limit: 0, validation_fraction: 0, train_images: 60000, val_images: 10000,
      method: 'cam', layer: entries[0].probes[0].map.layer },
    probes: probes.map(({ image, true_class: trueClass }) => ({ image, true_class: trueClass })),
    epochs: entries,
  };
  fs.writeFileSync(path.join(dir, 'timeline.json'), JSON.stringify(timeline));
  return timeline;
}

before(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-training-'));
  fixture = { dir, timeline: await writeRun(path.join(dir, 'vgg-run')) };
});
after(() => fs.rmSync(fixture.dir, { recursive: true, force: true }));

// Requests under /fixture-run/ get the fixture's files (and /fixture-bad/ whatever `bad` holds).
async function routeFixture(context, bad = {}) {
  await context.route(/\/fixture-(run|bad)\//, async (route) => {
    const { pathname } = new URL(route.request().url());
    const [, kind, rest] = /^\/fixture-(run|bad)\/(.*)$/.exec(pathname);
    if (kind === 'bad' && rest in bad) {
      await route.fulfill({ status: 200, contentType: 'application/json', body: bad[rest] });
      return;
    }
    const file = path.join(fixture.dir, 'vgg-run', rest);
    if (kind === 'run' && fs.existsSync(file) && fs.statSync(file).isFile()) {
      await route.fulfill({ status: 200, body: fs.readFileSync(file), contentType: file.endsWith('.png') ? 'image/png' : 'application/octet-stream' });
    } else {
      await route.fulfill({ status: 404, contentType: 'text/plain', body: 'not found' });
    }
  });
}

async function openTraining(hash, bad) {
  const opened = await openPage(shared.browser, `${shared.server.url}#view=training&timeline=fixture-run/timeline.json${hash}`,
    { prepare: (context) => routeFixture(context, bad) });
  await opened.page.waitForFunction(() => window.camlens.training?.runs[0] !== null);
  await opened.page.evaluate(() => window.camlens.whenIdle());
  return opened;
}

// What the view shows now: the epoch, and per run, per frame: its canvas (scaled to 28x28 RGBA),
// its bars' labels and values, and whether it is marked wrong.
function shown(page) {
  return page.evaluate(() => ({
    epoch: window.camlens.training.epoch,
    playing: window.camlens.training.playing,
    runs: [...document.querySelectorAll('.training-run')].map((run) => ({
      title: run.querySelector('.run-title').textContent,
      status: run.querySelector('.run-epoch').textContent,
      frames: [...run.querySelectorAll('.frame')].map((frame) => {
        const canvas = frame.querySelector('canvas');
        const small = new OffscreenCanvas(28, 28);
        small.getContext('2d').drawImage(canvas, 0, 0, 28, 28);
        return {
          width: canvas.width,
          pixels: Array.from(small.getContext('2d').getImageData(0, 0, 28, 28).data),
          labels: [...frame.querySelectorAll('.frame-bar-label')].map((label) => label.textContent.replace(/^✓/, '')),
          values: [...frame.querySelectorAll('.frame-bar-value')].map((value) => value.textContent),
          trueMarked: [...frame.querySelectorAll('.frame-bar.true .frame-bar-label')].map((label) => label.textContent.replace(/^✓/, '')),
          wrong: frame.classList.contains('wrong'),
        };
      }),
    })),
  }));
}

// Chooses the folder `dir` in the file chooser that `button` opens, as a user does.
async function pickFolder(page, button, dir) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click(button)]);
  await chooser.setFiles(dir);
  await page.waitForFunction(() => document.body.dataset.busy === 'true' || window.camlens.training.runs[1] !== null);
  await page.evaluate(() => window.camlens.whenIdle());
}

function percent(probability) {
  const value = probability * 100;
  if (value >= 99.95 || value === 0) return `${value.toFixed(0)}%`;
  if (value < 0.1) return '<0.1%';
  return `${value.toFixed(1)}%`;
}

// Every frame of run `frames` shows epoch `epoch` of the fixture: a painted canvas of the probe's
// size and the epoch's top 3, with the true class marked and a wrong top 1 flagged.
function assertFramesOf(frames, epoch) {
  const entry = fixture.timeline.epochs[epoch - 1];
  assert.equal(frames.length, PROBES.length);
  frames.forEach((frame, p) => {
    const probe = entry.probes[p];
    assert.equal(frame.width, 28, 'a 28x28 probe is drawn at its size, as the explain view draws it');
    assert.ok(spread(frame.pixels) > 5, `probe ${p}: the frame is painted`);
    assert.deepEqual(frame.labels, probe.top.map((top) => top.label));
    assert.deepEqual(frame.values, probe.top.map((top) => percent(top.probability)));
    const inTop = probe.top.find((top) => top.class === probe.true_class);
    assert.deepEqual(frame.trueMarked, inTop ? [inTop.label] : []);
    assert.equal(frame.wrong, probe.top[0].class !== probe.true_class);
  });
}

test('opens on the run in the address and plays its time-lapse at once', async () => {
  const { page, context, log } = await openTraining('');
  try {
    const first = await shown(page);
    assert.equal(first.runs.length, 1);
    assert.equal(first.runs[0].title, 'VGG-style CNN on Fashion-MNIST');
    assert.equal(first.playing, true, 'the time-lapse plays without being asked');
    await page.waitForFunction(() => window.camlens.training.epoch === 2 && !window.camlens.training.playing, null, { timeout: 5000 });
    assertFramesOf((await shown(page)).runs[0].frames, 2);
    assert.match(await page.locator('#epoch-play').textContent(), /Play/, 'it stops on the last epoch');
    assert.deepEqual(errorsIn(log), []);
    await screenshot(page, 'training-view');
  } finally {
    await context.close();
  }
});

test('the Training tab opens on the shipped Fashion-MNIST run and plays all its epochs', async () => {
  const shipped = JSON.parse(fs.readFileSync(path.join(root, 'models/fashion-mnist/timeline.json'), 'utf8'));
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}#view=training`);
  try {
    await page.waitForFunction(() => window.camlens.training?.runs[0] !== null);
    const first = await shown(page);
    assert.equal(first.runs.length, 1);
    assert.equal(first.runs[0].title, 'VGG-style CNN on Fashion-MNIST');
    assert.equal(first.runs[0].frames.length, shipped.probes.length);
    assert.equal(first.playing, true);
    const last = shipped.epochs.length;
    await page.waitForFunction((n) => window.camlens.training.epoch === n && !window.camlens.training.playing, last,
      { timeout: 20000 });
    await page.evaluate(() => window.camlens.whenIdle());
    const end = await shown(page);
    assert.match(end.runs[0].status, new RegExp(`^Epoch ${last} of ${last}`));
    end.runs[0].frames.forEach((frame, p) => {
      assert.ok(spread(frame.pixels) > 5, `probe ${p} is painted`);
      assert.deepEqual(frame.labels, shipped.epochs[last - 1].probes[p].top.map((top) => top.label));
    });
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('steps, scrubs and plays from the keyboard and the controls; each epoch has its own maps', async () => {
  const { page, context, log } = await openTraining('&epoch=1');
  try {
    const one = await shown(page);
    assert.equal(one.epoch, 1);
    assert.equal(one.playing, false, 'an epoch in the address is shown, not played past');
    assertFramesOf(one.runs[0].frames, 1);
    assert.match(one.runs[0].status, /^Epoch 1 of 2/);

    await page.focus('#training-runs');
    await page.keyboard.press('ArrowRight');
    const two = await shown(page);
    assert.equal(two.epoch, 2);
    assertFramesOf(two.runs[0].frames, 2);
    for (let p = 0; p < PROBES.length; ++p) {
      const difference = meanDifference(one.runs[0].frames[p].pixels, two.runs[0].frames[p].pixels);
      assert.ok(difference > 0.5, `probe ${p}: epoch 2's map differs from epoch 1's (${difference.toFixed(2)})`);
    }
    assert.match(page.url(), /epoch=2/, 'the address keeps the epoch');

    await page.keyboard.press('ArrowLeft');
    assert.equal((await shown(page)).epoch, 1);
    await page.click('#epoch-forward');
    assert.equal((await shown(page)).epoch, 2);
    await page.click('#epoch-back');
    assert.equal((await shown(page)).epoch, 1);
    await page.locator('#epoch-range').fill('2');
    assert.equal((await shown(page)).epoch, 2);

    await page.focus('#training-runs');
    await page.keyboard.press(' ');
    assert.equal((await shown(page)).playing, true, 'space plays (from the start when at the end)');
    await page.keyboard.press(' ');
    assert.equal((await shown(page)).playing, false, 'space pauses');

    // The colormap is the engine's: the same frame in gray differs from jet.
    const jet = await shown(page);
    await page.selectOption('#training-colormap', 'gray');
    await page.evaluate(() => window.camlens.whenIdle());
    const gray = await shown(page);
    assert.ok(meanDifference(jet.runs[0].frames[0].pixels, gray.runs[0].frames[0].pixels) > 5, 'the colormap changes the frames');
    assert.match(page.url(), /colormap=gray/);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a frame opens its epoch\'s snapshot with its probe image in the explain view', async () => {
  const { page, context, log } = await openTraining('&epoch=2');
  try {
    await page.locator('.frame[data-probe="2"] .frame-open').click();
    await page.waitForFunction(() => window.camlens.view === 'explain' && window.camlens.state.modelId === 'custom');
    await page.evaluate(() => window.camlens.whenIdle());
    const state = await page.evaluate(() => {
      const { state: s } = window.camlens;
      return { name: s.customModelName, image: s.image.name, width: s.image.width, prediction: s.prediction.classes.slice(0, 3),
        panels: window.camlens.panels().map((panel) => panel.explanation?.method ?? null) };
    });
    assert.equal(state.name, 'VGG-style CNN epoch 2');
    assert.equal(state.image, '03-bag.png');
    assert.equal(state.width, 28);
    // Epoch 2's snapshot predicts what the timeline recorded for it (epoch 1's differs).
    const recorded = fixture.timeline.epochs[1].probes[2].top;
    assert.deepEqual(state.prediction.map((entry) => entry.class), recorded.map((entry) => entry.class));
    state.prediction.forEach((entry, i) => assert.ok(Math.abs(entry.probability - recorded[i].probability) < 1e-5));
    assert.ok(state.panels.includes('cam') && state.panels.every(Boolean), 'every panel of the explain view drew its map');
    assert.equal(await page.locator('#training-view').isHidden(), true);
    assert.equal(await page.locator('#explain-view').isVisible(), true);
    assert.deepEqual(errorsIn(log), []);
    await screenshot(page, 'training-frame-opened');
    // The Training tab goes back to the time-lapse as it was.
    await page.click('#tab-training');
    assert.equal((await shown(page)).epoch, 2);
  } finally {
    await context.close();
  }
});

test('a second run shows beside the first, epoch aligned, the shorter holding its last frame', async () => {
  const other = path.join(fixture.dir, 'xception-run');
  const otherTimeline = await writeRun(other, { architecture: 'xception', epochs: 1 });
  const { page, context, log } = await openTraining('&epoch=1');
  try {
    await pickFolder(page, '#training-compare', other);
    let view = await shown(page);
    assert.deepEqual(view.runs.map((run) => run.title), ['VGG-style CNN on Fashion-MNIST', 'Mini-Xception on Fashion-MNIST']);
    await page.click('#epoch-forward');
    view = await shown(page);
    assert.equal(view.epoch, 2);
    assertFramesOf(view.runs[0].frames, 2);
    assert.match(view.runs[1].status, /^Epoch 1 of 1 \(its last, held\)/);
    assert.deepEqual(view.runs[1].frames[0].labels, otherTimeline.epochs[0].probes[0].top.map((top) => top.label));
    assert.deepEqual(errorsIn(log), []);
    await screenshot(page, 'training-compare');
    await page.locator('.training-run[data-slot="second"] button[aria-label="Remove the compared run"]').click();
    assert.equal((await shown(page)).runs.length, 1);

    // A timeline.json dropped on its own is a run without its folder: shown, with what it lacks said.
    await dropFiles(page, [fileFrom(path.join(other, 'timeline.json'), 'application/json')]);
    await page.waitForFunction(() => window.camlens.training.runs[1] !== null);
    await page.evaluate(() => window.camlens.whenIdle());
    assert.deepEqual((await shown(page)).runs.map((run) => run.title), ['VGG-style CNN on Fashion-MNIST', 'Mini-Xception on Fashion-MNIST']);
    const notices = await page.locator('#messages .message.notice').allTextContents();
    assert.ok(notices.some((text) => /has no snapshot/.test(text)), notices.join('\n'));
  } finally {
    await context.close();
    fs.rmSync(other, { recursive: true, force: true });
  }
});

// How much warmer than the frame's mean a box of it is under the jet colormap: red minus blue,
// averaged over the box's pixels of the 28x28 frame, less the same over the whole frame.
function warmthOf(frame, box) {
  const warmth = (x, y) => frame.pixels[(y * 28 + x) * 4] - frame.pixels[(y * 28 + x) * 4 + 2];
  let inside = 0, all = 0;
  for (let y = 0; y < 28; ++y) {
    for (let x = 0; x < 28; ++x) {
      all += warmth(x, y);
      if (x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height) inside += warmth(x, y);
    }
  }
  return inside / (box.width * box.height) - all / (28 * 28);
}

test('the shipped runs: the planted shortcut shows beside the clean run, its Shirt map on the square', async () => {
  const planted = JSON.parse(fs.readFileSync(path.join(root, 'models/fashion-mnist-shortcut/shortcut.json'), 'utf8'));
  const { page, context, log } = await openPage(shared.browser, `${shared.server.url}#view=training`);
  try {
    await page.waitForFunction(() => window.camlens.training?.runs[0] !== null);
    assert.equal(await page.inputValue('#training-shipped'), 'clean');
    await page.selectOption('#training-shipped', 'clean-and-shortcut');
    await page.waitForFunction(() => window.camlens.training.runs[1] !== null, null, { timeout: 20000 });
    await page.evaluate(() => window.camlens.whenIdle());
    await page.evaluate(() => {  // the last epoch, wherever the time-lapse is
      const { training } = window.camlens;
      training.pause();
      training.setEpoch(training.lastEpoch);
    });
    const view = await shown(page);
    assert.deepEqual(view.runs.map((run) => run.title),
      ['VGG-style CNN on Fashion-MNIST', 'VGG-style CNN on Fashion-MNIST with Shirts marked']);
    const shirt = planted.class;
    const onSquare = view.runs.map((run) => warmthOf(run.frames[shirt], planted.mark.box));
    assert.ok(onSquare[1] > 40, `the marked run's Shirt map is hottest on the square: ${onSquare}`);
    assert.ok(onSquare[0] < onSquare[1] / 2, `the clean run's is not: ${onSquare}`);
    assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /compare=models\/fashion-mnist-shortcut\/timeline\.json/);
    await screenshot(page, 'training-shortcut');

    await page.selectOption('#training-shipped', 'shortcut');
    await page.waitForFunction(() => window.camlens.training.runs[1] === null
      && window.camlens.training.runs[0]?.run.source.link === 'models/fashion-mnist-shortcut/timeline.json', null, { timeout: 20000 });
    await page.evaluate(() => window.camlens.whenIdle());
    assert.deepEqual((await shown(page)).runs.map((run) => run.title), ['VGG-style CNN on Fashion-MNIST with Shirts marked']);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a broken timeline gives a message and leaves the view as it was', async () => {
  const notJson = '{"version": 1, "kind": "timel';
  const ofView = JSON.stringify({ version: 1, kind: 'view', explanations: [] });
  const noProbes = JSON.stringify({ ...fixture.timeline, epochs: [{ ...fixture.timeline.epochs[0], probes: [] }] });
  const { page, context, log } = await openTraining('&epoch=2', {
    'not-json/timeline.json': notJson, 'view/timeline.json': ofView, 'no-probes/timeline.json': noProbes,
  });
  try {
    const before = await shown(page);
    const cases = [
      ['fixture-bad/not-json/timeline.json', /not JSON/],
      ['fixture-bad/view/timeline.json', /camlens "view" result, not a timeline/],
      ['fixture-bad/no-probes/timeline.json', /epochs\[0\] has 0 probes; the timeline names 3/],
      ['fixture-bad/missing/timeline.json', /not on this server \(HTTP 404\)/],
    ];
    for (const [timeline, pattern] of cases) {
      await page.evaluate((url) => window.camlens.training.openUrl(url, { slot: 1 }), timeline);
      const message = await page.locator('#messages .message.error').last().textContent();
      assert.match(message, pattern, timeline);
      assert.match(message, /still shows VGG-style CNN on Fashion-MNIST/, 'the message says what stays');
      const after = await shown(page);
      assert.equal(after.runs.length, 1, 'no half-made run appears');
      assert.deepEqual(after.runs[0].frames.map((frame) => frame.pixels), before.runs[0].frames.map((frame) => frame.pixels));
    }
    await page.click('#epoch-back');
    assert.equal((await shown(page)).epoch, 1, 'the view stays usable');

    // A probe image and a snapshot missing from a run: notices, and the run plays.
    const broken = path.join(fixture.dir, 'broken-run');
    fs.cpSync(path.join(fixture.dir, 'vgg-run'), broken, { recursive: true });
    fs.rmSync(path.join(broken, fixture.timeline.probes[1].image));
    fs.rmSync(path.join(broken, 'epochs/02'), { recursive: true });
    await pickFolder(page, '#training-compare', broken);
    const notices = await page.locator('#messages .message.notice').allTextContents();
    assert.ok(notices.some((text) => /^Probe image probes\/02-trouser\.png could not be read/.test(text)), notices.join('\n'));
    assert.ok(notices.some((text) => /^Epoch 2 of broken-run\/timeline\.json has no snapshot/.test(text)), notices.join('\n'));
    const view = await shown(page);
    assert.equal(view.runs.length, 2);
    assert.ok(spread(view.runs[1].frames[1].pixels) > 5, 'the probe without its image still shows its map');
    await page.click('#epoch-forward');
    assert.equal(await page.locator('.training-run[data-slot="second"] .frame[data-probe="0"] .frame-open').isDisabled(), true,
      'an epoch without its snapshot cannot be opened');
    fs.rmSync(broken, { recursive: true, force: true });
    // The browser reports the missing timeline's 404 itself; nothing else went wrong.
    assert.deepEqual(errorsIn(log).filter((text) => !/status of 404/.test(text)), []);
  } finally {
    await context.close();
  }
});

// The number of images in a GIF, walking its blocks (an image descriptor starts each).
function gifFrames(bytes) {
  assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
  let at = 13;
  if (bytes[10] & 0x80) at += 3 * 2 ** ((bytes[10] & 7) + 1);
  const skipSubBlocks = () => {
    while (bytes[at] !== 0) at += bytes[at] + 1;
    at += 1;
  };
  let frames = 0;
  for (;;) {
    const kind = bytes[at];
    if (kind === 0x3b) return frames;
    if (kind === 0x21) {
      at += 2;
      skipSubBlocks();
    } else if (kind === 0x2c) {
      ++frames;
      const flags = bytes[at + 9];
      at += 10;
      if (flags & 0x80) at += 3 * 2 ** ((flags & 7) + 1);
      at += 1;  // LZW minimum code size
      skipSubBlocks();
    } else {
      throw new Error(`GIF: unexpected block 0x${kind?.toString(16)} at byte ${at}`);
    }
  }
}

test('a probe\'s time-lapse saves as an animated GIF, one frame per epoch', async () => {
  const { page, context, log } = await openTraining('&epoch=1');
  try {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.frame[data-probe="0"] .frame-gif').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'vgg.T-shirt-top.timelapse.gif');
    const bytes = fs.readFileSync(await download.path());
    assert.equal(gifFrames(bytes), fixture.timeline.epochs.length);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});
