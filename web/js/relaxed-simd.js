// Relaxed SIMD's fused multiply-add, f32x4.relaxed_madd(a, b, c) = a * b + c: its final opcode, and
// a module of one function, (a, b, c) => relaxed_madd(a, b, c), that validates where relaxed SIMD is.
// Shared by the page's worker (which build to load) and tools/finalize_relaxed_simd.mjs (the build).
export const RELAXED_MADD = [0xfd, 0x85, 0x02];
export const RELAXED_SIMD_PROBE = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b,
  1, 0x7b, 3, 2, 1, 0, 10, 13, 1, 11, 0, 0x20, 0, 0x20, 1, 0x20, 2, ...RELAXED_MADD, 0x0b]);
