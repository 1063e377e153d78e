// The page under hostile files: the PNGs, models, metadata and ONNX files of tests/fixtures/hostile/
// and a set of crafted models (deep JSON, overflowing strides, escaping shard paths, weights that are
// not finite or would not fit in memory) dropped on the page, scrolled to its bottom. Each is refused
// with a message on screen, and the image, the model and the maps already there stay as they were.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { dropFiles, errorsIn, idle, openPage, panelPixels, root, serverAndBrowser } from './support.mjs';

const shared = serverAndBrowser();
const HOSTILE = path.join(root, 'tests/fixtures/hostile');
const EMOTION = path.join(root, 'models/emotion');

const file = (name, content, mimeType = 'application/json') =>
  ({ name, mimeType, buffer: Buffer.isBuffer(content) ? content : Buffer.from(content) });
const emotionJson = () => JSON.parse(fs.readFileSync(path.join(EMOTION, 'model.json'), 'utf8'));
const emotionBin = () => fs.readFileSync(path.join(EMOTION, 'emotion.bin'));
const emotionMetadata = () => fs.readFileSync(path.join(EMOTION, 'metadata.json'), 'utf8');

// The emotion model with `edit` applied to its model.json, and its weights.
function emotionWith(edit, { bin = emotionBin(), metadata = emotionMetadata() } = {}) {
  const json = emotionJson();
  edit(json);
  return [file('model.json', JSON.stringify(json)), file('emotion.bin', bin, 'application/octet-stream'),
    file('metadata.json', metadata)];
}

function firstConv(json) {
  return json.modelTopology.node.find((node) => node.op === '_FusedConv2D');
}

// Crafted models: [what, files, what the message must say].
function craftedModels() {
  const huge = emotionBin();
  const notFinite = Buffer.alloc(huge.length);
  for (let i = 0; i + 4 <= notFinite.length; i += 4) notFinite.writeFloatLE(3.4e38, i);
  return [
    ['metadata nested 100,000 deep', emotionWith(() => {}, { metadata: `{"scaling": ${'['.repeat(100000)}${']'.repeat(100000)}}` }),
      /nest|deep/i],
    ['a stride of 2^31 - 1', emotionWith((json) => { firstConv(json).attr.strides.list.i = ['1', '2147483647', '2147483647', '1']; }),
      /stride/i],
    ['a shard path climbing out of the folder', emotionWith((json) => { json.weightsManifest[0].paths = ['../../etc/passwd']; }),
      /\.\.\/\.\.\/etc\/passwd|shard|weights/i],
    ['weights of 3.4e38', emotionWith(() => {}, { bin: notFinite }), /finite|range|1e\+?30|large/i],
    ['a weight of more than 2^31 values', emotionWith((json) => { json.weightsManifest[0].weights[0].shape = [30000, 30000, 128, 1]; }),
      /2\^31/],
    // Checked against the shard before anything is allocated (core/memory's cap is tested natively).
    ['a weight of 576 MB declared over an 820 kB shard', emotionWith((json) => { json.weightsManifest[0].weights[0].shape = [12000, 12000, 1, 1]; }),
      /too short: tensor 'unknown_26' \[12000, 12000, 1, 1\] needs bytes 0\.\.576000000/],
  ];
}

// The hostile fixtures dropped as what they pretend to be.
function fixtureFiles() {
  const pngs = [...fs.readdirSync(HOSTILE), ...fs.readdirSync(path.join(HOSTILE, 'image')).map((name) => `image/${name}`)];
  const images = pngs.filter((name) => name.endsWith('.png') && name !== 'png_empty_first_idat.png')
    .map((name) => [`the image ${name}`, [file(path.basename(name), fs.readFileSync(path.join(HOSTILE, name)), 'image/png')],
      /PNG|image/i]);
  const models = ['graph_model', 'layers_model'].map((folder) => [`the ${folder} fixture`,
    [file('model.json', fs.readFileSync(path.join(HOSTILE, folder, 'number_beyond_double.json'))),
      file('emotion.bin', emotionBin(), 'application/octet-stream')], /JSON|number|model/i]);
  const metadata = [['the metadata fixture', emotionWith(() => {}, {
    metadata: fs.readFileSync(path.join(HOSTILE, 'metadata/number_beyond_double.json'), 'utf8') }), /JSON|number|metadata/i]];
  const onnx = fs.readdirSync(path.join(HOSTILE, 'onnx')).map((name) => [`the ONNX fixture ${name}`,
    [file(name, fs.readFileSync(path.join(HOSTILE, 'onnx', name)), 'application/octet-stream')], /ONNX/]);
  return [...images, ...models, ...metadata, ...onnx];
}

async function pageState(page) {
  return page.evaluate(() => ({ model: window.camlens.state.modelId, image: window.camlens.state.image.name,
    crop: window.camlens.state.crop, description: window.camlens.state.description.labels.join() }));
}

test('every hostile file and crafted model is refused on screen, and what was loaded stays', async () => {
  const { page, context, log } = await openPage(shared.browser, shared.server.url);
  try {
    const before = { state: await pageState(page), pixels: (await panelPixels(page)).map((panel) => panel.pixels) };
    for (const [what, files, reason] of [...fixtureFiles(), ...craftedModels()]) {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await dropFiles(page, files);
      await idle(page);
      const error = page.locator('#messages .message.error').last();
      await error.waitFor();
      const text = await error.textContent();
      assert.match(text, reason, `${what}: ${text}`);
      assert.match(text, /still loaded/, `${what}: says what stays (${text})`);
      const box = await error.boundingBox();
      assert.ok(box && box.y >= 0 && box.y + box.height <= page.viewportSize().height, `${what}: the message is on screen`);
      assert.deepEqual(await pageState(page), before.state, `${what}: the image, box and model stay`);
      assert.deepEqual((await panelPixels(page)).map((panel) => panel.pixels), before.pixels, `${what}: the maps stay`);
      await error.getByRole('button').click();
    }
    // The engine still explains: another class, new maps.
    await page.locator('#predictions .prediction').nth(1).click();
    await idle(page);
    assert.notDeepEqual((await panelPixels(page)).map((panel) => panel.pixels), before.pixels);
    assert.deepEqual(errorsIn(log), []);
  } finally {
    await context.close();
  }
});
