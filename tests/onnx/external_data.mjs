// Rewrites an .onnx file as torch.onnx.export writes a model over 2 GB: every initialiser's
// raw_data moved to one external data file, the tensor pointing at it (data_location EXTERNAL,
// external_data {location, offset, length}). Tests use it to give camlens the external form of a
// small model; only the fields on that path are decoded, the rest is copied byte for byte.

// Protocol buffer field numbers (onnx.proto).
const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const LENGTH_DELIMITED = 2;

function readVarint(bytes, at) {
  let value = 0n, shift = 0n, i = at;
  for (;;) {
    const byte = bytes[i++];
    value |= BigInt(byte & 0x7f) << shift;
    if (byte < 0x80) return [value, i];
    shift += 7n;
  }
}

function varint(value) {
  const out = [];
  let v = BigInt(value);
  do {
    out.push(Number((v & 0x7fn) | (v > 0x7fn ? 0x80n : 0n)));
    v >>= 7n;
  } while (v > 0n);
  return Uint8Array.from(out);
}

// [{field, wire, bytes (the whole field, key included), body (length-delimited payload)}].
function fields(bytes) {
  const out = [];
  for (let at = 0; at < bytes.length;) {
    const start = at;
    const [key, afterKey] = readVarint(bytes, at);
    const field = Number(key >> 3n), wire = Number(key & 7n);
    let body = null;
    at = afterKey;
    if (wire === 0) [, at] = readVarint(bytes, at);
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === LENGTH_DELIMITED) {
      const [length, afterLength] = readVarint(bytes, at);
      body = bytes.subarray(afterLength, afterLength + Number(length));
      at = afterLength + Number(length);
    } else throw new Error(`external_data.mjs: wire type ${wire} at byte ${start}`);
    out.push({ field, wire, bytes: bytes.subarray(start, at), body });
  }
  return out;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

const text = (value) => new TextEncoder().encode(value);
const lengthDelimited = (field, body) => concat([varint((field << 3) | LENGTH_DELIMITED), varint(body.length), body]);
const entry = (key, value) => lengthDelimited(TENSOR_EXTERNAL_DATA, concat([lengthDelimited(1, text(key)), lengthDelimited(2, text(value))]));

// -> {onnx: the rewritten model, data: the external file's bytes, moved: how many tensors moved}.
export function withExternalData(onnx, location) {
  const data = [];
  let offset = 0, moved = 0;
  const tensor = (bytes) => {
    const parts = [];
    let raw = null;
    for (const f of fields(bytes)) {
      if (f.field === TENSOR_RAW_DATA) raw = f.body;
      else parts.push(f.bytes);
    }
    if (!raw) return bytes;
    parts.push(entry('location', location), entry('offset', String(offset)), entry('length', String(raw.length)));
    parts.push(varint(TENSOR_DATA_LOCATION << 3), varint(1));
    data.push(raw);
    offset += raw.length;
    ++moved;
    return concat(parts);
  };
  const graph = (bytes) => concat(fields(bytes).map((f) => (f.field === GRAPH_INITIALIZER ? lengthDelimited(f.field, tensor(f.body)) : f.bytes)));
  const model = concat(fields(onnx).map((f) => (f.field === MODEL_GRAPH ? lengthDelimited(f.field, graph(f.body)) : f.bytes)));
  return { onnx: model, data: concat(data), moved };
}
