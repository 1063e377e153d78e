// What the command-line tests share: the tool to run (build/native/camlens, or $CAMLENS_CLI) and
// temporary folders removed when the run ends.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cli = process.env.CAMLENS_CLI || path.join(root, 'build/native/camlens');

// Runs the tool from the repository root with stdout and stderr piped (so stderr is no terminal).
export function camlens(...args) {
  const result = spawnSync(cli, args, { cwd: root, encoding: 'utf8' });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const tempDirs = [];
process.on('exit', () => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
export function tempDir(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `camlens-${name}-`));
  tempDirs.push(dir);
  return dir;
}
