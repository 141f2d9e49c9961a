// The O O^T part of the SR sums (SrAccumulator, sums mode) on the wasm SIMD kernel (sr-wasm.ts)
// and on the JS loop: the packed sums of w d d^T against a naive double loop, for P below, at and
// far above the wasm threshold, batches full and partial (odd counts: the kernel's zero padding
// over stale batch data), Monte Carlo weights (w = 1) and weighted samples switching mid-batch;
// and the run counter, so a silent fallback to JS fails the test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../src/mc/rng.ts';
import { chunkLength, SrAccumulator } from '../src/train/sr.ts';
import { setSrWasm, srWasmFlushes } from '../src/train/sr-wasm.ts';

const HEAD = 3;

/** Feeds n random samples (weights from `weight(i)`) and checks every packed entry against a naive sum. */
function check(P: number, n: number, weight: (i: number, rng: Rng) => number, label: string): Float64Array {
  const rng = new Rng(11, P * 1000 + n);
  const acc = new SrAccumulator(P, 'sums', 0);
  const oRef = Float64Array.from({ length: P }, () => rng.normal());
  // Two steps on one accumulator: the second must not see the first's sums or batch data.
  for (let step = 0; step < 2; step++) {
    acc.reset(oRef, 0.25);
    const sum = new Float64Array(P * P);
    const abs = new Float64Array(P * P);
    const o = new Float64Array(P);
    const d = new Float64Array(P);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < P; k++) {
        o[k] = rng.normal() + (k > 0 ? 0.5 * o[k - 1] : 0);
        d[k] = o[k] - oRef[k];
      }
      const w = weight(i, rng);
      acc.add(o, rng.normal(), w);
      for (let k = 0; k < P; k++) {
        for (let l = k; l < P; l++) {
          sum[k * P + l] += w * d[k] * d[l];
          abs[k * P + l] += Math.abs(w * d[k] * d[l]);
        }
      }
    }
    const c = acc.pack();
    assert.is(c.length, chunkLength(P, 'sums', n));
    let q = HEAD + 2 * P;
    for (let k = 0; k < P; k++) {
      for (let l = k; l < P; l++, q++) {
        // Rounding bound of a sum of products: relative to the sum of their magnitudes.
        const err = Math.abs(c[q] - sum[k * P + l]);
        assert.ok(err <= 1e-12 * abs[k * P + l], `${label} P = ${P}, n = ${n}, step ${step}: (${k}, ${l}) ${c[q]} vs ${sum[k * P + l]}`);
      }
    }
    if (step === 1) return c;
  }
  throw new Error('unreachable');
}

const unit = () => 1;
// Unit weights for the first 30 samples, then weighted: the batch switches to its weighted buffer mid-way.
const mixed = (i: number, rng: Rng) => (i < 30 ? 1 : 0.5 + rng.next());

for (const wasm of [true, false]) {
  test(`O O^T sums equal a naive double loop (${wasm ? 'wasm SIMD kernel where P allows' : 'JS loop'}), P = 1, 3, 17, 160, 290, partial batches`, () => {
    const old = setSrWasm(wasm);
    try {
      for (const P of [1, 3, 17, 160, 290]) {
        for (const n of P > 100 ? [1, 151] : [1, 63, 64, 151]) {
          const before = srWasmFlushes();
          check(P, n, unit, 'unit weights');
          check(P, n, mixed, 'mixed weights');
          // Every batch (two steps, two weightings) goes through the kernel when it is on and P is not tiny.
          const batches = 4 * Math.ceil(n / 64);
          assert.is(srWasmFlushes() - before, wasm && P >= 8 ? batches : 0, `P = ${P}, n = ${n}: kernel runs`);
        }
      }
    } finally {
      setSrWasm(old);
    }
  });
}

test('wasm kernel and JS loop give the same packed chunk to rounding (P = 37, 200 weighted samples)', () => {
  const old = setSrWasm(true);
  const a = check(37, 200, mixed, 'wasm');
  setSrWasm(false);
  const b = check(37, 200, mixed, 'js');
  setSrWasm(old);
  assert.is(a.length, b.length);
  // The head (W, sums of eps, d, d eps) is the same code on both paths: bit for bit.
  for (let q = 0; q < HEAD + 2 * 37; q++) assert.is(a[q], b[q]);
  for (let q = HEAD + 2 * 37; q < a.length; q++) assert.ok(Math.abs(a[q] - b[q]) <= 1e-12 * (1 + Math.abs(b[q])), `entry ${q}`);
});

test.run();
