// tools/serve.mjs: the URL mapping, MIME types, security headers on every response, 127.0.0.1 only,
// and nothing outside the mounted folders (no traversal, no build or npm files but the page module and gifenc).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { root, startServer } from './support.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(() => server?.stop());

// A raw GET: fetch() would normalise '..' away before it reaches the server.
function get(urlPath) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    http.get({ hostname, port, path: urlPath }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

test('binds 127.0.0.1 and prints its URL', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('serves web/, models/ and the page module with their MIME types', async () => {
  const cases = [
    ['/', 'web/index.html', 'text/html'],
    ['/css/camlens.css', 'web/css/camlens.css', 'text/css'],
    ['/js/app.js', 'web/js/app.js', 'text/javascript'],
    ['/samples/samples.json', 'web/samples/samples.json', 'application/json'],
    ['/samples/astronaut.jpg', 'web/samples/astronaut.jpg', 'image/jpeg'],
    ['/samples/fashion-mnist/bag.png', 'web/samples/fashion-mnist/bag.png', 'image/png'],
    ['/models/emotion/model.json', 'models/emotion/model.json', 'application/json'],
    ['/models/emotion/emotion.bin', 'models/emotion/emotion.bin', 'application/octet-stream'],
    ['/engine/camlens.mjs', 'build/wasm/camlens.mjs', 'text/javascript'],
    ['/engine/camlens.wasm', 'build/wasm/camlens.wasm', 'application/wasm'],
    ['/engine/camlens-simd128.worker.js', 'build/wasm/camlens-simd128.worker.js', 'text/javascript'],
    ['/engine/camlens-simd128.wasm', 'build/wasm/camlens-simd128.wasm', 'application/wasm'],
    ['/engine/camlens-single.wasm', 'build/wasm/camlens-single.wasm', 'application/wasm'],
    ['/vendor/gifenc.esm.js', 'node_modules/gifenc/dist/gifenc.esm.js', 'text/javascript'],
  ];
  for (const [urlPath, file, type] of cases) {
    const response = await get(urlPath);
    assert.equal(response.status, 200, urlPath);
    assert.equal(response.headers['content-type'].split(';')[0], type, urlPath);
    assert.ok(response.body.equals(fs.readFileSync(path.join(root, file))), `${urlPath} is ${file}`);
  }
});

test('serves Debian\'s four Fashion-MNIST files as they are, and nothing else of their folder', async (t) => {
  const dir = '/usr/share/datasets/fashion-mnist';
  const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  if (!names.every((name) => fs.existsSync(path.join(dir, name)))) {
    t.skip('needs Debian\'s dataset-fashion-mnist (apt-get install dataset-fashion-mnist)');
    return;
  }
  for (const name of ['train-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
    const response = await get(`/datasets/fashion-mnist/${name}`);
    assert.equal(response.status, 200, name);
    assert.equal(response.headers['content-type'], 'application/gzip', name);
    assert.equal(response.headers['content-encoding'], undefined, 'the page gunzips the bytes itself');
    assert.ok(response.body.equals(fs.readFileSync(path.join(dir, name))), name);
  }
  const head = await new Promise((resolve, reject) => {
    const { hostname, port } = new URL(server.url);
    http.request({ hostname, port, path: '/datasets/fashion-mnist/train-images-idx3-ubyte.gz', method: 'HEAD' }, resolve)
      .on('error', reject).end();
  });
  assert.equal(head.statusCode, 200);
  assert.equal(Number(head.headers['content-length']), fs.statSync(path.join(dir, 'train-images-idx3-ubyte.gz')).size);
  for (const urlPath of ['/datasets/fashion-mnist/', '/datasets/fashion-mnist/README', '/datasets/', '/datasets/fashion-mnist/../../../etc/passwd',
    '/datasets/fashion-mnist/..%2f..%2fpackage.json', '/datasets/mnist/train-labels-idx1-ubyte.gz']) {
    assert.equal((await get(urlPath)).status, 404, urlPath);
  }
});

test('every response carries the CSP, COOP, COEP and CORP headers, 404s included', async () => {
  for (const urlPath of ['/', '/engine/camlens.wasm', '/no-such-file.js']) {
    const { headers } = await get(urlPath);
    const csp = headers['content-security-policy'];
    assert.match(csp, /default-src 'self'/, urlPath);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'(;|$)/, urlPath);
    assert.match(csp, /img-src 'self' blob: data:/, urlPath);
    assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|https?:|\*/, urlPath);
    assert.equal(headers['cross-origin-opener-policy'], 'same-origin', urlPath);
    assert.equal(headers['cross-origin-embedder-policy'], 'require-corp', urlPath);
    assert.equal(headers['cross-origin-resource-policy'], 'same-origin', urlPath);
  }
});

test('refuses traversal, dotfiles and build files other than the page module', async () => {
  const refused = [
    '/../README.md', '/..%2fREADME.md', '/%2e%2e/%2e%2e/etc/passwd', '/models/../README.md', '/models/..%2f..%2fREADME.md',
    '/engine/../CMakeLists.txt', '/engine/CMakeCache.txt', '/engine/build.ninja', '/engine/camlens_graph_runner.js',
    '/vendor/gifenc.js', '/vendor/../package.json', '/vendor/gifenc.esm.js.map',
    '/js/..%5c..%5cREADME.md', '/.git/config', '/models/emotion/.hidden', '/samples/%00.png', '/missing.html',
  ];
  for (const urlPath of refused) {
    const response = await get(urlPath);
    assert.equal(response.status, 404, urlPath);
  }
});
