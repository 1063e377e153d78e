// A static file server for the browser benchmarks' own pages: URL prefixes mounted on folders, with
// COOP and COEP on, so the WebAssembly modules on the page get their threads.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
               '.json': 'application/json', '.jpg': 'image/jpeg' };

// mounts: [[URL prefix, folder], ...]. Resolves to {port, close()} once listening on 127.0.0.1.
export async function serveStatic(mounts) {
  const server = http.createServer((request, response) => {
    const url = decodeURIComponent(new URL(request.url, 'http://localhost').pathname);
    const mount = mounts.find(([prefix]) => url.startsWith(prefix));
    const file = mount && path.resolve(mount[1], url.slice(mount[0].length));
    if (!file || !file.startsWith(mount[1] + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end(`not served: ${url}`);
      return;
    }
    response.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => server.close() };
}
