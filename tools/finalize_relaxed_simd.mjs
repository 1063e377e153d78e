// Gives a linked .wasm the final opcode of relaxed SIMD's fused multiply-add, in place.
//
// Emscripten 3.1.6's LLVM 14 knows relaxed SIMD only as the proposal stood in early 2022: it writes
// f32x4 fused multiply-add as 0xfd 0xaf 0x01, which no engine accepts any more. The final opcode,
// f32x4.relaxed_madd(a, b, c) = a * b + c, is 0xfd 0x85 0x02: as long, so each instruction is
// rewritten where it stands. LLVM's own disassembler says where the instructions are, so no byte
// of an immediate or of data is ever mistaken for one. Any other relaxed instruction is an error:
// its meaning was not checked here. The result must validate.
//
// Usage: node tools/finalize_relaxed_simd.mjs FILE.wasm
// (CMake runs it after linking each module that holds the relaxed GEMM kernel.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import v8 from 'node:v8';

import { RELAXED_MADD, RELAXED_SIMD_PROBE } from '../web/js/relaxed-simd.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');  // Node 20 ships relaxed SIMD behind it

const PROTOTYPE_FMA = [0xfd, 0xaf, 0x01];
const CODE_SECTION = 10;

function readUnsignedLeb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return { value, next: at };
}

// File offset of the code section's contents: llvm-objdump's addresses count from there.
function codeSectionStart(bytes) {
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const size = readUnsignedLeb(bytes, at + 1);
    if (id === CODE_SECTION) return size.next;
    at = size.next + size.value;
  }
  throw new Error('no code section: is this a WebAssembly module?');
}

function relaxedInstructionOffsets(file) {
  const listing = execFileSync('llvm-objdump-14', ['-d', file], { maxBuffer: 1 << 30 }).toString();
  const offsets = [];
  for (const line of listing.split('\n')) {
    const fma = /^\s*([0-9a-f]+):\s+fd af 01\s+f32x4\.fma\s*$/.exec(line);
    if (fma) offsets.push(parseInt(fma[1], 16));
    else if (/\b(f32x4|f64x2)\.fm[as]\b|laneselect|relaxed_/.test(line))
      throw new Error(`${file}: relaxed instruction with no known final opcode: ${line.trim()}`);
  }
  return offsets;
}

function finalize(file) {
  if (!WebAssembly.validate(RELAXED_SIMD_PROBE))
    throw new Error('this Node does not accept relaxed SIMD (0xfd 0x85 0x02) even with --experimental-wasm-relaxed-simd');
  const bytes = fs.readFileSync(file);
  const code = codeSectionStart(bytes);
  const offsets = relaxedInstructionOffsets(file);
  if (offsets.length === 0) throw new Error(`${file}: no f32x4.fma found; was the GEMM compiled with -mrelaxed-simd?`);
  for (const offset of offsets) {
    const at = code + offset;
    if (PROTOTYPE_FMA.some((byte, i) => bytes[at + i] !== byte))
      throw new Error(`${file}: the disassembler's f32x4.fma at code offset ${offset} is not 0xfd 0xaf 0x01`);
    bytes.set(RELAXED_MADD, at);
  }
  if (!WebAssembly.validate(bytes)) throw new Error(`${file}: does not validate after the rewrite`);
  fs.writeFileSync(file, bytes);
  console.log(`${file}: ${offsets.length} fused multiply-adds given their final opcode`);
}

finalize(process.argv[2]);
