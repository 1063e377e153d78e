#!/usr/bin/env node
// The page's own static server: no dependencies, 127.0.0.1 only. It exists for the headers: a CSP
// that binds the worker too (a <meta> CSP binds only the document) and COOP/COEP, which make the
// page cross-origin isolated so it has SharedArrayBuffer (the engine's threads; a flag to cancel slow methods).
//   node tools/serve.mjs [--port N]      (port 0 picks a free one)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// URL prefix -> folder; the longest matching prefix wins. /engine/ exposes the page modules only: the
// two threaded ones with their thread workers' scripts, and the one-thread one for pages not
// cross-origin isolated (web/js/worker.js picks). /vendor/ exposes the one npm file the page
// imports: gifenc's ES module, for the Training view's GIF export. /datasets/fashion-mnist/ exposes
// Debian's four Fashion-MNIST files (dataset-fashion-mnist), which the page trains on live.
const PAGE_MODULES = ['camlens.mjs', 'camlens.wasm', 'camlens.worker.js', 'camlens-simd128.mjs', 'camlens-simd128.wasm',
  'camlens-simd128.worker.js', 'camlens-single.mjs', 'camlens-single.wasm'];
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_MNIST_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz'];
const MOUNTS = [
  { prefix: '/datasets/fashion-mnist/', dir: FASHION_MNIST_DIR, only: new Set(FASHION_MNIST_FILES) },
  { prefix: '/engine/', dir: path.join(root, 'build/wasm'), only: new Set(PAGE_MODULES) },
  { prefix: '/vendor/', dir: path.join(root, 'node_modules/gifenc/dist'), only: new Set(['gifenc.esm.js']) },
  { prefix: '/models/', dir: path.join(root, 'models') },
  { prefix: '/', dir: path.join(root, 'web') },
];

const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "connect-src 'self'",
  "img-src 'self' blob: data:",
  "style-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

// The file a URL path names, or null when it names nothing we serve (outside the mounts, a dotfile,
// a traversal attempt, or a build file other than the page module).
export function resolveFile(urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  if (decoded.endsWith('/')) decoded += 'index.html';
  const mount = MOUNTS.find((m) => decoded.startsWith(m.prefix));
  if (!mount) return null;
  const relative = decoded.slice(mount.prefix.length);
  const segments = relative.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return null;
  if (mount.only && !(segments.length === 1 && mount.only.has(segments[0]))) return null;
  const file = path.resolve(mount.dir, ...segments);
  if (!file.startsWith(mount.dir + path.sep)) return null;
  return file;
}

function send(response, status, headers, body) {
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers });
  response.end(body);
}

function handle(request, response) {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }, 'method not allowed\n');
    return;
  }
  const urlPath = new URL(request.url, 'http://127.0.0.1').pathname;
  const file = resolveFile(urlPath);
  const type = file && MIME_TYPES[path.extname(file).toLowerCase()];
  fs.stat(file ?? '', (statError, stats) => {
    if (!file || !type || statError || !stats.isFile()) {
      send(response, 404, { 'Content-Type': 'text/plain; charset=utf-8' }, `not found: ${urlPath}\n`);
      return;
    }
    response.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': stats.size });
    if (request.method === 'HEAD') {
      response.end();
      return;
    }
    fs.createReadStream(file).on('error', () => response.destroy()).pipe(response);
  });
}

// Starts the server; resolves to {server, url} once it listens.
export function serve({ port = 8080, host = '127.0.0.1' } = {}) {
  const server = http.createServer(handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({ server, url: `http://${host}:${server.address().port}/` });
    });
  });
}

function parsePort(argv) {
  const index = argv.indexOf('--port');
  if (index === -1) return 8080;
  const port = Number(argv[index + 1]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port wants a number from 0 to 65535, got '${argv[index + 1] ?? ''}'`);
  }
  return port;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const { url } = await serve({ port: parsePort(process.argv.slice(2)) });
    console.log(`camlens: serving ${url}`);
  } catch (error) {
    const hint = error.code === 'EADDRINUSE' ? ' (taken: pass --port N, or --port 0 for a free one)' : '';
    console.error(`camlens: cannot serve: ${error.message}${hint}`);
    process.exit(1);
  }
}
