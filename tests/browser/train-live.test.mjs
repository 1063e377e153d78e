// The Training view's Train panel (web/js/train-live.js) in Debian's Chromium: a live run on
// Fashion-MNIST whose frames join the time-lapse epoch by epoch, with progress; cancel keeping the
// finished epochs; a second architecture beside the first; downloads that the explain view loads;
// a folder of class subfolders (written here) with its counts and skipped files; bad folders.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { errorsIn, fileFrom, idle, openPage, root, screenshot, serverAndBrowser } from './support.mjs';

const shared = serverAndBrowser();
const FASHION = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
const skipFashion = fs.existsSync(FASHION) ? false : 'needs Debian\'s dataset-fashion-mnist (apt-get install dataset-fashion-mnist)';
let folders;  // temporary folders of class subfolders

// The first bytes of a PNG that says it is `width`×`height` (its header alone: no pixel data).
function pngHeader(width, height) {
  const crc32 = (bytes) => {
    let crc = 0xffffffff;
    for (const byte of bytes) {
      crc ^= byte;
      for (let k = 0; k < 8; ++k) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
    }
    return (crc ^ 0xffffffff) >>> 0;
  };
  const ihdr = Buffer.alloc(25);
  ihdr.writeUInt32BE(13, 0);
  ihdr.write('IHDR', 4, 'ascii');
  ihdr.writeUInt32BE(width, 8);
  ihdr.writeUInt32BE(height, 12);
  ihdr[16] = 8;  // bit depth 8, colour type 0 (gray)
  ihdr.writeUInt32BE(crc32(ihdr.subarray(4, 21)), 21);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ihdr]);
}

// What went wrong on the page, but for the shipped run's timeline when this checkout has none (the
// Training view opens it first, and Chromium logs its 404 itself).
function unexpectedErrors(log) {
  const shipped = fs.existsSync(path.join(root, 'models/fashion-mnist/timeline.json'));
  const missing = log.requests.some((url) => url.endsWith('/models/fashion-mnist/timeline.json'));
  return errorsIn(log).filter((text) => shipped || !missing || !/status of 404/.test(text));
}

before(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'camlens-train-live-'));
  const samples = path.join(root, 'web/samples');
  const put = (file, from) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    if (Buffer.isBuffer(from)) fs.writeFileSync(file, from);
    else fs.copyFileSync(from, file);
  };
  // Mixed sizes and colour modes: 28x28 gray PNGs and a colour JPEG; one broken PNG, one text file.
  const wear = path.join(dir, 'wear');
  for (const name of ['sandal', 'sneaker', 'ankle-boot']) put(path.join(wear, 'shoes', `${name}.png`), path.join(samples, 'fashion-mnist', `${name}.png`));
  put(path.join(wear, 'shoes', 'astronaut.jpg'), path.join(samples, 'astronaut.jpg'));
  put(path.join(wear, 'shoes', 'huge.png'), pngHeader(30000, 30000));  // 900 megapixels: refused before decoding
  for (const name of ['t-shirt', 'trouser', 'dress']) put(path.join(wear, 'clothes', `${name}.png`), path.join(samples, 'fashion-mnist', `${name}.png`));
  put(path.join(wear, 'clothes', 'broken.png'), Buffer.from('this is not a PNG file'));
  put(path.join(wear, 'clothes', 'notes.txt'), Buffer.from('where the pictures came from'));
  // One class only.
  const single = path.join(dir, 'single');
  for (const name of ['bag', 'dress']) put(path.join(single, 'all', `${name}.png`), path.join(samples, 'fashion-mnist', `${name}.png`));
  folders = { dir, wear, single };
});
after(() => fs.rmSync(folders.dir, { recursive: true, force: true }));

async function openTraining(prepare) {
  const opened = await openPage(shared.browser, `${shared.server.url}#view=training`, { prepare });
  await opened.page.waitForFunction(() => window.camlens.liveTrainer?.engine);
  return opened;
}

function busy(page) {
  return page.evaluate(() => window.camlens.liveTrainer.busy);
}

async function whenTrained(page) {
  await page.waitForFunction(() => !window.camlens.liveTrainer.busy, null, { timeout: 240_000 });
}

// The epochs shown for the run in `slot` ('first' or 'second'): the run column's status line.
function runStatus(page, slot = 'first') {
  return page.locator(`.training-run[data-slot="${slot}"] .run-epoch`).textContent();
}

test('a live Fashion-MNIST run: progress within each epoch, frames as each epoch ends, a second architecture beside it', { skip: skipFashion }, async () => {
  const { page, context, log } = await openTraining();
  try {
    await page.fill('#train-limit', '512');
    await page.fill('#train-epochs', '2');
    assert.equal(await page.locator('#train-arch').inputValue(), 'vgg-quick');
    await page.click('#train-start');
    // The data's classes and counts show before the first epoch ends.
    await page.waitForFunction(() => document.querySelectorAll('#train-data tbody tr').length === 10);
    assert.match(await page.locator('#train-data').textContent(), /Fashion-MNIST: 10 classes.*T-shirt\/top\s*6,000\s*1,000/s);
    // Progress within epoch 1, then epoch 1's frames while epoch 2 trains.
    await page.waitForFunction(() => {
      const bar = document.querySelector('#train-progress');
      return !bar.hidden && bar.value > 0 && bar.value < 1 && /epoch 1 of 2/.test(document.querySelector('#train-status').textContent);
    });
    await page.waitForFunction(() => /Epoch 1 of 1/.test(document.querySelector('.training-run[data-slot="first"] .run-epoch')?.textContent ?? ''));
    assert.equal(await busy(page), true, 'epoch 1 is shown while epoch 2 trains');
    assert.equal(await page.locator('.training-run[data-slot="first"] .frame').count(), 10);
    await screenshot(page, 'train-live-epoch-1');
    await whenTrained(page);
    assert.match(await runStatus(page), /Epoch 2 of 2/);
    assert.match(await page.locator('#train-status').textContent(), /2 epochs trained/);
    assert.match(await page.locator('.training-run[data-slot="first"] .run-details').textContent(), /512 training images/);
    const seconds = await page.evaluate(() => window.camlens.liveTrainer.runs[0].run.timeline.epochs.map((e) => e.seconds));
    console.log(`vgg-quick, 512 images: epochs of ${seconds.map((s) => s.toFixed(2)).join(', ')} s`);

    // The second architecture on the same data and probes, beside the first, epoch aligned.
    await page.click('#train-another');
    await page.waitForFunction(() => document.querySelector('.training-run[data-slot="second"]'));
    await whenTrained(page);
    assert.match(await page.locator('.training-run[data-slot="second"] .run-title').textContent(), /Mini-Xception \(quick\)/);
    assert.match(await runStatus(page, 'second'), /Epoch 2 of 2/);
    assert.equal(await page.locator('.training-run[data-slot="second"] .frame').count(), 10);
    await page.click('#epoch-back');
    assert.match(await runStatus(page, 'first'), /Epoch 1 of 2/);
    assert.match(await runStatus(page, 'second'), /Epoch 1 of 2/);
    await screenshot(page, 'train-live-two-runs', { fullPage: true });

    // The timeline download is the second run's timeline.json.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#train-download-timeline')]);
    assert.equal(download.suggestedFilename(), 'xception-quick.fashion-mnist.timeline.json');
    const timeline = JSON.parse(fs.readFileSync(await download.path(), 'utf8'));
    assert.equal(timeline.kind, 'timeline');
    assert.equal(timeline.epochs.length, 2);
    assert.equal(timeline.run.train_images, 512);
    assert.deepEqual(unexpectedErrors(log), []);
  } finally {
    await context.close();
  }
});

test('cancel mid-epoch keeps the finished epoch shown, and its model downloads and opens in the explain view', { skip: skipFashion }, async () => {
  const { page, context, log } = await openTraining();
  try {
    await page.fill('#train-limit', '2048');
    await page.fill('#train-epochs', '3');
    await page.click('#train-start');
    await page.waitForFunction(() => /Epoch 1 of 1/.test(document.querySelector('.training-run[data-slot="first"] .run-epoch')?.textContent ?? ''),
      null, { timeout: 120_000 });
    await page.waitForFunction(() => /epoch 2 of 3, [1-9]\d*%/.test(document.querySelector('#train-status').textContent));
    await page.click('#train-cancel');
    await whenTrained(page);
    assert.match(await page.locator('#train-status').textContent(), /Cancelled\. The 1 finished epoch stays shown and downloadable/);
    assert.match(await runStatus(page), /Epoch 1 of 1/);
    assert.equal(await page.locator('#train-download-model').isEnabled(), true);
    await screenshot(page, 'train-live-cancelled');

    // Two files in a row: listen before the click, or the second may come before a wait for it.
    const downloads = [];
    page.on('download', (download) => downloads.push(download));
    await page.click('#train-download-model');
    for (const deadline = Date.now() + 30_000; downloads.length < 2 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(downloads.length, 2, 'the model comes as model.json and its weights file');
    const [modelDownload, weightsDownload] = downloads;
    assert.equal(modelDownload.suggestedFilename(), 'vgg-quick.fashion-mnist.epoch-01.model.json');
    assert.equal(weightsDownload.suggestedFilename(), 'vgg-quick.fashion-mnist.epoch-01.weights.bin');
    const modelJson = JSON.parse(fs.readFileSync(await modelDownload.path(), 'utf8'));
    assert.deepEqual(modelJson.weightsManifest[0].paths, ['vgg-quick.fashion-mnist.epoch-01.weights.bin']);
    assert.equal(modelJson.userDefinedMetadata.labels.length, 10);

    // The explain view loads the downloaded files as the user's model.
    await page.click('#tab-explain');
    await page.setInputFiles('#model-files-input', [
      fileFrom(await modelDownload.path(), 'application/json', modelDownload.suggestedFilename()),
      fileFrom(await weightsDownload.path(), 'application/octet-stream', weightsDownload.suggestedFilename()),
    ]);
    await idle(page);
    assert.match(await page.locator('.message.notice').last().textContent(), /Loaded your model .*10 classes/);
    assert.deepEqual(unexpectedErrors(log), []);
  } finally {
    await context.close();
  }
});

test('the same seed gives the same epochs on 1 and 2 threads in the worker', { skip: skipFashion }, async () => {
  const { page, context, log } = await openTraining();
  try {
    const runs = await page.evaluate(async () => {
      const { engine } = window.camlens;
      if (engine.maxThreads < 2) return null;
      await engine.trainOnFashionMnist().promise;
      const epochs = [];
      for (const threads of [1, 2]) {
        await engine.setThreads(threads);
        await engine.startTraining({ architecture: 'xception-quick', epochs: 2, limit: 256, seed: 7 }).promise;
        const { entry } = await engine.trainEpoch().promise;
        const { seconds, ...rest } = entry;
        epochs.push(JSON.stringify(rest, (key, value) => (ArrayBuffer.isView(value) ? Array.from(value) : value)));
      }
      return epochs;
    });
    assert.ok(runs, 'the page runs the engine on 2 threads (cross-origin isolated, 2 cores or more)');
    assert.equal(runs[1], runs[0]);
    assert.deepEqual(unexpectedErrors(log), []);
  } finally {
    await context.close();
  }
});

test('a picked folder of class subfolders: classes, counts and skipped files before training, then a run', async () => {
  const { page, context, log } = await openTraining();
  try {
    await page.setInputFiles('#train-folder-input', folders.wear);
    await page.waitForFunction(() => document.querySelectorAll('#train-data tbody tr').length === 2 && !window.camlens.liveTrainer.busy);
    assert.equal(await page.locator('#train-source-folder').isChecked(), true);
    assert.equal(await page.locator('#train-limit').inputValue(), '0');
    const rows = await page.locator('#train-data tbody tr').allTextContents();
    // clothes: 3 readable of 4 image files (broken.png skipped); shoes: 4 of 5, colour and gray.
    assert.match(rows[0], /clothes\s*2\s*1\s*1/);
    assert.match(rows[1], /shoes\s*3\s*1\s*1/);
    const skipped = await page.locator('#train-data .skipped-files').textContent();
    assert.match(skipped, /3 files skipped/);
    assert.match(skipped, /shoes\/huge\.png: too large \('shoes\/huge\.png' is 30000×30000 \(900 megapixels\)/);
    assert.match(skipped, /clothes\/notes\.txt: not an image/);
    assert.match(skipped, /clothes\/broken\.png: (not an image|unreadable)/);
    await screenshot(page, 'train-live-folder');

    await page.fill('#train-epochs', '1');
    await page.selectOption('#train-arch', 'xception-quick');
    await page.click('#train-start');
    await whenTrained(page);
    assert.equal(await page.locator('.message.error', { hasText: /Training stopped|Could not/ }).filter({ hasNotText: /fashion-mnist\/timeline\.json/ }).count(), 0);
    assert.match(await runStatus(page), /Epoch 1 of 1/);
    assert.equal(await page.locator('.training-run[data-slot="first"] .frame').count(), 2);
    assert.match(await page.locator('.training-run[data-slot="first"] .run-title').textContent(), /Mini-Xception \(quick\) on wear/);
    // The probes are the pictures as given: the colour JPEG is no 64x64 training copy.
    const probeSides = await page.evaluate(() => window.camlens.liveTrainer.data.probes.map((p) => p.width));
    assert.ok(probeSides.every((side) => side >= 28), `probe sides ${probeSides}`);
    await screenshot(page, 'train-live-folder-run', { fullPage: true });
    assert.deepEqual(unexpectedErrors(log), []);
  } finally {
    await context.close();
  }
});

test('a folder of one class gets the engine\'s message; without Fashion-MNIST the panel says how to get it', async () => {
  const { page, context } = await openTraining((ctx) => ctx.route('**/datasets/fashion-mnist/**', (route) => route.fulfill({ status: 404, body: '' })));
  try {
    await page.waitForFunction(() => window.camlens.liveTrainer.fashionAvailable === false);
    assert.equal(await page.locator('#train-source-fashion').isDisabled(), true);
    assert.equal(await page.locator('#train-source-folder').isChecked(), true);
    assert.match(await page.locator('#train-data').textContent(), /apt-get install dataset-fashion-mnist/);
    assert.equal(await page.locator('#train-start').isDisabled(), true, 'nothing to train on until a folder is given');

    await page.setInputFiles('#train-folder-input', folders.single);
    const refused = page.locator('.message.error', { hasText: 'Could not read the folder' });
    await refused.waitFor();
    assert.match(await refused.textContent(),
      /Could not read the folder single: 'single' holds one class folder \('all'\); a classifier needs at least two/);
    // The page stays usable: a good folder dropped after the bad one is read. (A synthetic drop has
    // no directory entries, so the files go in as filesFromDrop gives them: with relativePath.)
    const dropped = ['bag', 'dress', 'sandal', 'sneaker'].map((name, i) => ({
      path: `dropped/${i < 2 ? 'clothes' : 'shoes'}/${name}.png`,
      base64: fs.readFileSync(path.join(root, 'web/samples/fashion-mnist', `${name}.png`)).toString('base64'),
    }));
    await page.evaluate((items) => {
      const files = items.map(({ path: relative, base64 }) => {
        const file = new File([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], relative.split('/').pop(), { type: 'image/png' });
        file.relativePath = relative;
        return file;
      });
      return window.camlens.training.handleDrop(Promise.resolve(files));
    }, dropped);
    await page.waitForFunction(() => document.querySelectorAll('#train-data tbody tr').length === 2 && !window.camlens.liveTrainer.busy);
    assert.match(await page.locator('#train-data').textContent(), /dropped: 2 classes.*clothes\s*1\s*1.*shoes\s*1\s*1/s);
    await screenshot(page, 'train-live-no-fashion');
  } finally {
    await context.close();
  }
});
