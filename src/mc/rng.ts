/**
 * Seeded random numbers: xoshiro128** (Blackman & Vigna) with its 128-bit state derived from
 * (seed, stream) by a SplitMix32-style hash. Every Markov chain owns the stream numbered by its
 * global chain index, so results depend only on the seed and the chain count, never on how chains
 * are spread over worker threads.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` and `stream` are integers (any range; taken modulo 2^32). */
  constructor(seed: number, stream = 0) {
    let x = (seed >>> 0) ^ Math.imul((stream >>> 0) + 0x9e3779b9, 0x85ebca6b);
    x ^= Math.imul(Math.floor(seed / 4294967296) >>> 0, 0xc2b2ae35);
    const next = () => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const r = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r >>> 0;
  }

  /** Uniform in [0, 1) with 32 random bits: enough for acceptance tests, and fast. */
  next(): number {
    return this.nextUint32() * 2.3283064365386963e-10;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) * 1.1102230246251565e-16;
  }

  /** Uniform integer in [0, n), n <= 2^32. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal deviate (Box-Muller, one of the pair). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.nextDouble());
  }

  /** The full state, for checkpoints. */
  getState(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  setState(s: readonly number[]): void {
    [this.a, this.b, this.c, this.d] = [s[0] | 0, s[1] | 0, s[2] | 0, s[3] | 0];
  }

  /**
   * Copies the state into `out` (4 entries, no allocation): for hot loops that run the generator
   * inline on local variables (mc/wolff.ts) and hand the state back with {@link loadState}, so the
   * stream is exactly the one {@link nextUint32} would have produced.
   */
  saveState(out: Int32Array): void {
    out[0] = this.a;
    out[1] = this.b;
    out[2] = this.c;
    out[3] = this.d;
  }

  /** Sets the state from `s` (4 entries), the inverse of {@link saveState}. */
  loadState(s: Int32Array): void {
    this.a = s[0];
    this.b = s[1];
    this.c = s[2];
    this.d = s[3];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
