/**
 * A minimal WebAssembly assembler for the SIMD kernels (linalg/eigen.ts, train/sr.ts): modules are
 * assembled from opcodes at run time, so there is no build step and no binary blob to trust.
 * Encoding reference: the WebAssembly core spec 2.0 (binary format) and the fixed-width SIMD
 * proposal (opcodes 0xfd xx). Only what the kernels use is here.
 */

/** Value types. */
export const T_I32 = 0x7f;
export const T_F64 = 0x7c;
export const T_V128 = 0x7b;

/** Unsigned LEB128 (sizes, indices). */
export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A length-prefixed vector of encoded items. */
export const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
/** A module section with its id and byte length. */
export const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
/** A length-prefixed ASCII name. */
export const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];

/** A function body under construction, with named locals. */
export class Asm {
  code: number[] = [];
  private idx = new Map<string, number>();
  private groups: Array<[number, number]> = [];
  constructor(params: string[], locals: Array<[number, string[]]>) {
    params.forEach((p) => this.idx.set(p, this.idx.size));
    for (const [type, names] of locals) {
      names.forEach((p) => this.idx.set(p, this.idx.size));
      this.groups.push([names.length, type]);
    }
  }
  private local(nm: string): number {
    const i = this.idx.get(nm);
    if (i === undefined) throw new Error(`wasm: unknown local ${nm}`);
    return i;
  }
  emit(...ops: Array<number | number[]>): this {
    for (const o of ops) typeof o === 'number' ? this.code.push(o) : this.code.push(...o);
    return this;
  }
  get = (nm: string): number[] => [0x20, ...uleb(this.local(nm))];
  set = (nm: string): number[] => [0x21, ...uleb(this.local(nm))];
  tee = (nm: string): number[] => [0x22, ...uleb(this.local(nm))];
  /** address base + off (two i32 locals). */
  addr = (base: string, off: string): number[] => [...this.get(base), ...this.get(off), ...OP.add];
  body(): number[] {
    const locals = vec(this.groups.map(([count, type]) => [...uleb(count), type]));
    const b = [...locals, ...this.code, ...OP.end];
    return [...uleb(b.length), ...b];
  }
}

/** i32 arithmetic and control opcodes (i32 unless named otherwise). */
export const OP = {
  i32: (c: number) => [0x41, ...sleb(c)],
  f64: (x: number) => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)],
  add: [0x6a], sub: [0x6b], mul: [0x6c], shl: [0x74], shrU: [0x76],
  ltS: [0x48], gtS: [0x4a], leS: [0x4c], geS: [0x4e],
  select: [0x1b],
  block: [0x02, 0x40], loop: [0x03, 0x40], if: [0x04, 0x40], end: [0x0b],
  br: (d: number) => [0x0c, d], brIf: (d: number) => [0x0d, d],
  splat: [0xfd, 0x14], lane: (l: number) => [0xfd, 0x21, l],
};

/** Scalar (f64) or 2-lane (f64x2) flavour of the arithmetic, so one template gives both loops. */
export interface Lanes {
  load: number[];
  store: number[];
  add: number[];
  sub: number[];
  mul: number[];
}
export const F64: Lanes = { load: [0x2b, 3, 0], store: [0x39, 3, 0], add: [0xa0], sub: [0xa1], mul: [0xa2] };
export const F64X2: Lanes = {
  load: [0xfd, 0x00, 3, 0], store: [0xfd, 0x0b, 3, 0],
  add: [0xfd, 0xf0, 0x01], sub: [0xfd, 0xf1, 0x01], mul: [0xfd, 0xf2, 0x01],
};

/**
 * A module importing one memory as env.mem and exporting `fns` (each takes only i32 parameters and
 * returns nothing), in order.
 */
export function moduleBytes(fns: Array<{ name: string; params: number; body: number[] }>): Uint8Array<ArrayBuffer> {
  const fnType = (nParams: number) => [0x60, ...vec(Array.from({ length: nParams }, () => [T_I32])), 0];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, vec(fns.map((f) => fnType(f.params)))),
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, 0x00, 0x01]])),
    ...section(3, vec(fns.map((_, i) => uleb(i)))),
    ...section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    ...section(10, vec(fns.map((f) => f.body))),
  ]);
}
