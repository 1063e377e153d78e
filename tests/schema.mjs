// The result schema (docs/result.schema.json) as a validator, for the CLI's, Node's and the page's
// tests: every document camlens returns must pass it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'docs/result.schema.json'), 'utf8'));
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);

// Typed arrays (the JavaScript API's maps and pictures) as plain arrays, which the schema describes.
function plain(value) {
  if (ArrayBuffer.isView(value)) return Array.from(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

// Throws an Error listing what does not match; returns the document.
export function checkResult(document) {
  if (!validate(plain(document))) {
    const problems = validate.errors.slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new Error(`not a camlens result (docs/result.schema.json): ${problems}`);
  }
  return document;
}
