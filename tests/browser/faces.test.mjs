// Faces found by camlens itself on the page, in Debian's Chromium: the emotion model (its metadata
// says "crop": "face") starts on the best face BlazeFace finds, the crop `camlens --crop face` picks
// on the same pixels; every face is drawn and a click or a button explains another; a photo
// without a face, or a detector that cannot load, gets the centre square and a notice beside the
// prediction. Screenshots go to build/screenshots/faces-*.png.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { checkResult } from '../schema.mjs';
import { errorsIn, idle, openPage, root, screenshot, serverAndBrowser, topClasses } from './support.mjs';

const shared = serverAndBrowser();
const CLI = process.env.CAMLENS_CLI ?? path.join(root, 'build/native/camlens');
const skipCli = fs.existsSync(CLI) ? false : `needs the native CLI (${CLI}): scripts/build.sh app`;
const NO_FACE = 'No face found: showing the centre square; this model was trained on faces.';

// What the page shows of faces: the faces found, the crop, each box drawn (its place over the
// canvas in image pixels), the buttons, the notice and the last view's crop origin.
function faceState(page) {
  return page.evaluate(() => {
    const canvas = document.getElementById('image-canvas').getBoundingClientRect();
    const scale = canvas.width / window.camlens.state.image.width;
    const notice = document.getElementById('face-notice');
    const { crop_source, face, faces, warnings } = window.camlens.lastView;
    return {
      faces: window.camlens.faces,
      crop: window.camlens.state.crop,
      boxes: [...document.querySelectorAll('#face-layer .face-box')].map((box) => {
        const rect = box.getBoundingClientRect();
        return { number: box.textContent, chosen: box.classList.contains('chosen'), visible: rect.width > 0,
          x: (rect.left - canvas.left) / scale, y: (rect.top - canvas.top) / scale, width: rect.width / scale, height: rect.height / scale };
      }),
      buttons: [...document.querySelectorAll('#faces button')].map((button) => ({ text: button.textContent, pressed: button.getAttribute('aria-pressed') })),
      listShown: !document.getElementById('faces').hidden,
      notice: notice.hidden ? null : notice.textContent,
      view: { crop_source, face, faces: faces?.length, warnings },
    };
  });
}

// The page's photo as a PNG, to give the CLI the very pixels the page's worker saw.
function pagePhotoPng(page) {
  return page.evaluate(async () => {
    const { image } = window.camlens.state;
    const canvas = new OffscreenCanvas(image.width, image.height);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
    const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
    let binary = '';
    for (const byte of bytes) binary += String.fromCharCode(byte);
    return btoa(binary);
  });
}

function cliPrediction(pngBase64) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-faces-'));
  try {
    const image = path.join(dir, 'photo.png');
    fs.writeFileSync(image, Buffer.from(pngBase64, 'base64'));
    const result = spawnSync(CLI, ['predict', image, '--model', path.join(root, 'models/emotion'), '--json'], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    return checkResult(JSON.parse(result.stdout)).images[0];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Two copies of the astronaut's face (the sample's x 158, y 48, 140x140) side by side on a gray
// canvas, dropped on the page as a PNG file.
async function dropTwoFaces(page) {
  await page.evaluate(async () => {
    const photo = await createImageBitmap(await (await fetch('samples/astronaut.jpg')).blob());
    const canvas = new OffscreenCanvas(420, 220);
    const context = canvas.getContext('2d');
    context.fillStyle = 'rgb(128, 128, 128)';
    context.fillRect(0, 0, canvas.width, canvas.height);
    for (const left of [40, 240]) context.drawImage(photo, 158, 48, 140, 140, left, 40, 140, 140);
    const file = new File([await canvas.convertToBlob({ type: 'image/png' })], 'two-faces.png', { type: 'image/png' });
    const transfer = new DataTransfer();
    transfer.items.add(file);
    const target = document.querySelector('main');
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: transfer }));
    }
  });
  await idle(page);
}

function assertBoxOverFace(box, face, what) {
  for (const key of ['x', 'y', 'width', 'height']) {
    assert.ok(Math.abs(box[key] - face[key]) < 1.5, `${what}: the box's ${key} ${box[key].toFixed(1)} is the face's ${face[key].toFixed(1)}`);
  }
}

test('the astronaut, uncropped: one face box around her head, the crop on it, and "happy"', async (t) => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    assert.deepEqual(errorsIn(log), []);
    assert.ok(log.requests.some((url) => new URL(url).pathname === '/models/blazeface/model.json'), 'the worker fetched BlazeFace');
    const state = await faceState(page);
    assert.equal(state.faces.length, 1, JSON.stringify(state.faces));
    const [face] = state.faces;
    // Her face is about x 158..298, y 48..188 in the 512x512 photo.
    const centre = { x: face.x + face.width / 2, y: face.y + face.height / 2 };
    assert.ok(centre.x > 180 && centre.x < 280 && centre.y > 70 && centre.y < 170, `around her head: ${JSON.stringify(face)}`);
    assert.ok(face.width > 70 && face.width < 200 && face.score > 0.75, JSON.stringify(face));
    assert.deepEqual(state.crop, face.crop, 'the model sees the face\'s square crop');
    assert.equal(state.crop.width, state.crop.height);
    assert.deepEqual(state.view, { crop_source: 'face', face: 0, faces: 1, warnings: [] });
    assert.equal(state.boxes.length, 1);
    assert.equal(state.boxes[0].number, '1');
    assert.ok(state.boxes[0].chosen, 'the face explained is highlighted');
    assertBoxOverFace(state.boxes[0], face, 'the drawn box');
    assert.deepEqual(state.buttons, [{ text: 'Face 1', pressed: 'true' }]);
    assert.equal(state.notice, null);
    assert.equal((await topClasses(page))[0], 'happy');
    await screenshot(page, 'faces-01-astronaut');

    // "Reset box" goes back to the face after a drag elsewhere; the highlight follows the box.
    await page.evaluate(() => window.camlens.setCrop({ x: 0, y: 0, width: 200, height: 200 }));
    await idle(page);
    assert.equal((await faceState(page)).boxes[0].chosen, false);
    await page.click('#crop-reset');
    await idle(page);
    assert.deepEqual((await faceState(page)).crop, face.crop);

    if (skipCli) {
      t.skip(skipCli);
      return;
    }
    const cli = cliPrediction(await pagePhotoPng(page));
    assert.equal(cli.crop_source, 'face');
    assert.deepEqual(cli.crop, face.crop, 'the CLI picks the same crop on the same pixels');
    assert.equal(cli.faces.length, 1);
    for (const key of ['x', 'y', 'width', 'height']) assert.ok(Math.abs(cli.faces[0][key] - face[key]) < 1e-2, key);
  } finally {
    await context.close();
  }
});

test('the gender model, a face model too, starts on the same face, framed wider as its metadata asks, and says female', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    const emotionCrop = (await faceState(page)).crop;
    await page.selectOption('#model-select', 'gender');
    await idle(page);
    assert.deepEqual(errorsIn(log), []);
    const state = await faceState(page);
    assert.equal(state.view.crop_source, 'face');
    // {"face": 1.6} against the emotion model's 1.25: the same centre (within the rounding), a wider square.
    const centre = (box) => [box.x + box.width / 2, box.y + box.height / 2];
    const [cx, cy] = centre(state.crop), [ex, ey] = centre(emotionCrop);
    assert.ok(Math.abs(cx - ex) <= 1 && Math.abs(cy - ey) <= 1, JSON.stringify([state.crop, emotionCrop]));
    assert.ok(Math.abs(state.crop.width / emotionCrop.width - 1.6 / 1.25) < 0.02, JSON.stringify([state.crop, emotionCrop]));
    const classes = await topClasses(page);
    assert.deepEqual([...classes].sort(), ['female', 'male']);
    assert.equal(classes[0], 'female', 'the astronaut, framed as the model was trained');
  } finally {
    await context.close();
  }
});

test('two faces: two numbered boxes; a click on the second, or its button, explains it', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await dropTwoFaces(page);
    const first = await faceState(page);
    assert.equal(first.faces.length, 2, JSON.stringify(first.faces));
    const [left, right] = [...first.faces].sort((a, b) => a.x - b.x);
    assert.ok(left.x + left.width / 2 < 210 && right.x + right.width / 2 > 210, 'one face on each half');
    assert.deepEqual(first.crop, first.faces[0].crop, 'the best face first');
    assert.deepEqual(first.boxes.map((box) => [box.number, box.chosen]), [['1', true], ['2', false]]);
    first.boxes.forEach((box, i) => assertBoxOverFace(box, first.faces[i], `box ${i + 1}`));
    assert.deepEqual(first.buttons.map((button) => button.pressed), ['true', 'false']);
    await screenshot(page, 'faces-02-two-faces');

    await page.locator('#face-layer .face-box').nth(1).click();
    await idle(page);
    const second = await faceState(page);
    assert.deepEqual(second.crop, first.faces[1].crop, 'the crop moved to the second face');
    assert.notDeepEqual(second.crop, first.crop);
    assert.deepEqual(second.boxes.map((box) => box.chosen), [false, true]);
    assert.deepEqual(second.buttons.map((button) => button.pressed), ['false', 'true']);
    assert.deepEqual(second.view, { crop_source: 'face', face: 1, faces: 2, warnings: [] });
    const after = await page.evaluate(() => ({ passes: window.camlens.lastView.passes, crop: window.camlens.lastView.crop }));
    assert.equal(after.passes.forward, 1, 'the prediction and maps were made again for the second face');
    assert.deepEqual(after.crop, first.faces[1].crop);
    await screenshot(page, 'faces-03-second-face');

    // The keyboard's way: the buttons under the viewer.
    await page.getByRole('button', { name: 'Explain face 1 of 2' }).focus();
    await page.keyboard.press('Enter');
    await idle(page);
    assert.deepEqual((await faceState(page)).crop, first.faces[0].crop);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('the cat: no face, the centre square and a notice beside the prediction', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    await page.click('.gallery-item[data-file="chelsea.jpg"]');
    await idle(page);
    const state = await faceState(page);
    assert.deepEqual(state.faces, []);
    assert.deepEqual(state.crop, { x: 75, y: 0, width: 300, height: 300 }, 'the centre square of the 451x300 photo');
    assert.deepEqual(state.boxes, []);
    assert.equal(state.listShown, false);
    assert.equal(state.notice, NO_FACE);
    assert.ok(await page.locator('.card-prediction #face-notice').isVisible(), 'beside the prediction');
    assert.deepEqual(state.view, { crop_source: 'center', face: undefined, faces: 0, warnings: [NO_FACE.replace(/\.$/, '')] });
    await screenshot(page, 'faces-04-no-face');

    // A box the user moved is no longer the centre square: the notice says what still holds.
    await page.evaluate(() => window.camlens.setCrop({ x: 150, y: 20, width: 150, height: 150 }));
    await idle(page);
    const moved = await faceState(page);
    assert.match(moved.notice, /^This model was trained on faces/);
    assert.equal(moved.view.crop_source, 'given');

    // A photo with a face takes the notice away.
    await page.click('.gallery-item[data-file="astronaut.jpg"]');
    await idle(page);
    assert.equal((await faceState(page)).notice, null);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});

test('a face detector that cannot load: the notice, the centre square, and the page keeps working', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url, {
    prepare: (browserContext) => browserContext.route('**/models/blazeface/**', (route) => route.fulfill({ status: 404, body: 'gone' })),
  });
  try {
    const state = await faceState(page);
    assert.deepEqual(state.faces, []);
    assert.deepEqual(state.crop, { x: 0, y: 0, width: 512, height: 512 }, 'the centre square of the 512x512 photo');
    assert.equal(state.notice, 'The face detector could not load: /models/blazeface/model.json is not on this server (HTTP 404). ' +
      'Showing the centre square; this model was trained on faces.');
    assert.equal(state.view.crop_source, 'center');
    assert.ok((await topClasses(page)).length > 0, 'the prediction is shown');
    assert.ok(await page.locator('#panels .panel canvas').first().isVisible());
    await screenshot(page, 'faces-05-no-detector');

    // The model and photo stay loaded: another model and back, another photo, all explained.
    await page.selectOption('#model-select', 'fashion-mnist');
    await idle(page);
    assert.equal((await faceState(page)).notice, null, 'a model that needs no face says nothing of faces');
    await page.selectOption('#model-select', 'emotion');
    await idle(page);
    assert.match((await faceState(page)).notice, /could not load/);
    assert.ok((await topClasses(page)).length > 0);
    // Chromium logs the 404s itself; nothing else may be logged.
    assert.deepEqual(errorsIn(log).filter((text) => !/status of 404/.test(text)), []);
  } finally {
    await context.close();
  }
});
