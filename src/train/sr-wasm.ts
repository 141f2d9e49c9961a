/**
 * WebAssembly SIMD kernel for the O(P^2) part of the SR sums (SrAccumulator.flush in sr.ts): adds
 * sum_i bw_ki bd_li over a batch to every packed-upper-triangle entry (k, l >= k).
 *
 * Same blocking as the JS loop (a 4 x 2 block of entries shares its loads), but each load and
 * multiply-add covers two samples (f64x2 lanes over the batch index), and there are no bounds
 * checks. The two lanes are summed at the end of the batch, so the rounding differs from the JS
 * loop's sequential sum at the 1e-16 relative level only. Measured on this machine: see sr.ts.
 *
 * Memory: every accumulator owns one wasm memory (of fixed size, so its Float64Array views stay
 * valid) holding its packed sums and its two batch buffers; nothing is copied per flush.
 */
import { Asm, F64, F64X2, moduleBytes, OP, T_I32, T_V128 } from '../linalg/wasm-asm.ts';

/** The accumulator's arrays in wasm memory and the kernel bound to them. */
export interface SrWasm {
  /** The packed chunk (chunkLength doubles; the triangle from element `triAt` of {@link srWasm}). */
  data: Float64Array;
  /** Column-major batch buffers, `batch` doubles per parameter. */
  bd: Float64Array;
  bwd: Float64Array;
  /** Adds the triangle contribution of the first nb2 (even; pad with a zero sample) samples; bwUnit: use bd as bw. */
  flush: (nb2: number, bwUnit: boolean) => void;
}

let useWasm = true;
let flushes = 0;

/** Batches whose O O^T sums ran on the wasm kernel since the process started (tests and benchmarks). */
export function srWasmFlushes(): number {
  return flushes;
}

/**
 * Switches the wasm kernel for accumulators created afterwards on or off (the JS loop computes the
 * same sums); returns the old setting.
 */
export function setSrWasm(on: boolean): boolean {
  const old = useWasm;
  useWasm = on;
  return old;
}

let wasmModule: WebAssembly.Module | null | undefined;

/**
 * A wasm memory laid out as [data (dataLength) | bd (P batch) | bwd (P batch)] and the kernel over
 * it, or null when switched off or wasm SIMD is unavailable. `triAt`: first triangle element in data.
 */
export function srWasm(P: number, batch: number, dataLength: number, triAt: number): SrWasm | null {
  if (!useWasm) return null;
  if (wasmModule === undefined) {
    try {
      wasmModule = new WebAssembly.Module(moduleBytes([{ name: 'ooFlush', params: 6, body: buildOoFlush() }]));
    } catch {
      wasmModule = null;
    }
  }
  if (wasmModule === null) return null;
  // bd starts 16-byte aligned (its columns are loaded two doubles at a time).
  const bdAt = 2 * Math.ceil(dataLength / 2);
  const bwAt = bdAt + P * batch;
  const bytes = 8 * (bwAt + P * batch);
  if (bytes > 2 ** 31) return null;
  let mem: WebAssembly.Memory;
  let inst: WebAssembly.Instance;
  try {
    mem = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) });
    inst = new WebAssembly.Instance(wasmModule, { env: { mem } });
  } catch {
    // Out of wasm address space (each memory reserves its guard region): the JS loop instead.
    return null;
  }
  const fn = inst.exports.ooFlush as (tri: number, bd: number, bw: number, P: number, nb8: number, stride: number) => void;
  const f64 = new Float64Array(mem.buffer);
  return {
    data: f64.subarray(0, dataLength),
    bd: f64.subarray(bdAt, bwAt),
    bwd: f64.subarray(bwAt, bwAt + P * batch),
    flush: (nb2, bwUnit) => {
      flushes++;
      fn(8 * triAt, 8 * bdAt, 8 * (bwUnit ? bdAt : bwAt), P, 8 * nb2, 8 * batch);
    },
  };
}

/**
 * ooFlush(tri, bd, bw, P, nb8, stride), byte addresses: column m of bd/bw starts at bd + m stride;
 * nb8 = 8 (samples, even). Entry (m, l) of the packed upper triangle is at
 * tri + 8 (m P - m (m + 1) / 2 + l). Rows past P - 1 of the last block are clamped to P - 1 (valid
 * addresses) and their entries dropped, as are the entries of a block below the diagonal; a last
 * odd column is paired with itself and its second half dropped.
 */
function buildOoFlush(): number[] {
  const f = new Asm(['tri', 'bd', 'bw', 'P', 'nb8', 'stride'], [
    [T_I32, ['k', 'l', 'd', 'i8', 'b', 'c', 'm', 'p', 'a0', 'a1', 'a2', 'a3', 'r0', 'r1', 'r2', 'r3']],
    [T_V128, ['y', 'z', 'w', 's0', 's1', 's2', 's3', 't0', 't1', 't2', 't3']],
  ]);
  const J = [0, 1, 2, 3];
  f.emit(OP.i32(0), f.set('k'));
  f.emit(OP.block, OP.loop);
  f.emit(f.get('k'), f.get('P'), OP.geS, OP.brIf(1));
  for (const j of J) {
    // m = min(k + j, P - 1); a_j = bw + m stride; r_j = tri + 8 (m P - m (m + 1) / 2)
    f.emit(f.get('k'), OP.i32(j), OP.add, f.tee('m'), f.get('P'), OP.i32(1), OP.sub, f.get('m'), f.get('P'), OP.ltS, OP.select, f.set('m'));
    f.emit(f.get('bw'), f.get('m'), f.get('stride'), OP.mul, OP.add, f.set(`a${j}`));
    f.emit(f.get('tri'), f.get('m'), f.get('P'), OP.mul, f.get('m'), f.get('m'), OP.i32(1), OP.add, OP.mul, OP.i32(1), OP.shrU, OP.sub);
    f.emit(OP.i32(3), OP.shl, OP.add, f.set(`r${j}`));
  }
  f.emit(f.get('k'), f.set('l'));
  f.emit(OP.block, OP.loop);
  f.emit(f.get('l'), f.get('P'), OP.geS, OP.brIf(1));
  f.emit(f.get('bd'), f.get('l'), f.get('stride'), OP.mul, OP.add, f.tee('b'));
  f.emit(f.get('stride'), OP.add, f.get('b'), f.get('l'), OP.i32(1), OP.add, f.get('P'), OP.ltS, OP.select, f.set('c'));
  f.emit(OP.f64(0), OP.splat, f.tee('s0'), f.tee('s1'), f.tee('s2'), f.tee('s3'), f.tee('t0'), f.tee('t1'), f.tee('t2'), f.set('t3'));
  f.emit(OP.i32(0), f.set('i8'));
  f.emit(OP.block, OP.loop);
  f.emit(f.get('i8'), f.get('nb8'), OP.geS, OP.brIf(1));
  f.emit(f.addr('b', 'i8'), F64X2.load, f.set('y'), f.addr('c', 'i8'), F64X2.load, f.set('z'));
  for (const j of J) {
    f.emit(f.addr(`a${j}`, 'i8'), F64X2.load, f.set('w'));
    f.emit(f.get(`s${j}`), f.get('w'), f.get('y'), F64X2.mul, F64X2.add, f.set(`s${j}`));
    f.emit(f.get(`t${j}`), f.get('w'), f.get('z'), F64X2.mul, F64X2.add, f.set(`t${j}`));
  }
  f.emit(f.get('i8'), OP.i32(16), OP.add, f.set('i8'), OP.br(0));
  f.emit(OP.end, OP.end);
  // Entry (k + j, col) is kept when col >= k + j, i.e. col - k >= j.
  const put = (j: number, acc: string, col: number) => {
    f.emit(f.get(`r${j}`), f.get('l'), OP.i32(col), OP.add, OP.i32(3), OP.shl, OP.add, f.tee('p'));
    f.emit(f.get('p'), F64.load, f.get(acc), OP.lane(0), f.get(acc), OP.lane(1), F64.add, F64.add, F64.store);
  };
  f.emit(f.get('l'), f.get('k'), OP.sub, f.set('d'));
  for (const j of J) {
    if (j > 0) f.emit(f.get('d'), OP.i32(j), OP.geS, OP.if);
    put(j, `s${j}`, 0);
    if (j > 0) f.emit(OP.end);
  }
  f.emit(f.get('l'), OP.i32(1), OP.add, f.get('P'), OP.ltS, OP.if);
  for (const j of J) {
    if (j > 1) f.emit(f.get('d'), OP.i32(j - 1), OP.geS, OP.if);
    put(j, `t${j}`, 1);
    if (j > 1) f.emit(OP.end);
  }
  f.emit(OP.end);
  f.emit(f.get('l'), OP.i32(2), OP.add, f.set('l'), OP.br(0));
  f.emit(OP.end, OP.end);
  f.emit(f.get('k'), OP.i32(4), OP.add, f.set('k'), OP.br(0));
  f.emit(OP.end, OP.end);
  return f.body();
}
