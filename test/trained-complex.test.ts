// The complex purified network for XXZ models: exact start, sector-preserving moves, O_k and
// E_loc against finite differences and the dense Hamiltonian (N = 4).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseModel } from '../src/model/model.ts';
import { makeXxz, type Xxz } from '../src/model/xxz.ts';
import { Rng } from '../src/mc/rng.ts';
import { ComplexLocal, makeLocal, SymmetricLocal, ComplexNet, freezeParameters, marshallByDefault, PathSign, pathSignByDefault, startParams } from '../src/train/complex-network.ts';
import { ComplexChain } from '../src/train/complex-sampler.ts';
import { chainDisagreement } from '../src/train/complex-driver.ts';
import { combineComplexChunks, complexChainForces, complexMoments, ComplexSamples, ComplexSrAccumulator } from '../src/train/complex-sr.ts';

function chain(N: number, extra: Record<string, number> = {}): Xxz {
  return makeXxz(parseModel({ name: 'h', lattice: { kind: 'chain', size: [N] }, hamiltonian: { kind: 'xxz', J: 1, Delta: 1, ...extra } }));
}

const set = (x: Int8Array, c: number) => {
  for (let v = 0; v < x.length; v++) x[v] = (c >>> v) & 1 ? -1 : 1;
};

const popcount = (v: number) => {
  let c = 0;
  for (let y = v; y; y &= y - 1) c++;
  return c;
};

/** Random parameters of moderate size (a generic point of the manifold). */
function randomize(net: ComplexNet, rng: Rng, scale = 0.3): void {
  for (let k = 0; k < net.P; k++) {
    net.re[k] = scale * (rng.next() - 0.5);
    net.im[k] = scale * (rng.next() - 0.5);
  }
}

test('exact start at beta = 0: phi(s, a) = 2^N delta(s, a) by enumeration (shared and unshared, alpha 2)', () => {
  for (const share of [true, false]) {
    const ham = chain(4);
    const net = new ComplexNet(ham, { alpha: 2, share, marshall: false });
    startParams(net, 0, new Rng(1));
    const loc = new ComplexLocal(net);
    const x = new Int8Array(8);
    let diagLog: number | null = null;
    let diagPhase = 0;
    for (let c = 0; c < 256; c++) {
      set(x, c);
      loc.refresh(x);
      const onDiag = (c & 15) === c >>> 4;
      if (onDiag) {
        // Every diagonal configuration has the same amplitude (the extra features are constants).
        if (diagLog === null) {
          diagLog = loc.lpR;
          diagPhase = loc.lpI;
        }
        assert.ok(Math.abs(loc.lpR - diagLog) < 1e-12, `diag ${c}: ${loc.lpR} vs ${diagLog}`);
        const dp = loc.lpI - diagPhase;
        assert.ok(Math.abs(dp - 2 * Math.PI * Math.round(dp / (2 * Math.PI))) < 1e-12, `diag ${c}: phase ${dp}`);
      } else {
        // cos(pi/2) = 6e-17 in floating point: |phi| relative to the diagonal below 1e-15.
        assert.ok(loc.lpR - diagLog! < Math.log(1e-15), `off-diagonal ${c}: log|phi| ${loc.lpR - diagLog!}`);
      }
    }
  }
});

test('start at beta0: bond exchange amplitude -(beta0/2)(J/2), diagonal exp(-beta0 E_diag/2) at first order', () => {
  const beta0 = 1e-3;
  for (const marshall of [false, true]) {
    const ham = chain(4);
    const net = new ComplexNet(ham, { alpha: 1, share: true, marshall });
    startParams(net, beta0, new Rng(1));
    const loc = new ComplexLocal(net);
    const x = Int8Array.from([1, -1, 1, -1, 1, -1, 1, -1]);
    loc.refresh(x);
    const l0r = loc.lpR;
    const l0i = loc.lpI;
    // Exchange on bond (0, 1) in s: Psi ratio = -(beta0/4) J / (1 - beta0 E_diag / 2) at first order.
    const y = Int8Array.from([-1, 1, 1, -1, 1, -1, 1, -1]);
    loc.refresh(y);
    const mag = Math.exp(loc.lpR - l0r);
    const ph = loc.lpI - l0i;
    const sign = (marshall ? -1 : 1) * Math.cos(ph);
    const psiRatio = sign * mag;
    assert.ok(Math.abs(psiRatio - -(beta0 / 4)) < 5 * beta0 * beta0, `ratio ${psiRatio}`);
  }
});

test('log-derivatives O_k against complex finite differences; E_loc against the dense H (chain and 2x2 square, N = 4, random parameters; Marshall, path or no sign; plain and averaged over the point group)', () => {
  const square = makeXxz(parseModel({ name: 'sq', lattice: { kind: 'square', size: [2, 2] }, hamiltonian: { kind: 'xxz', J: 1, Delta: 1, J2: 0.5 } }));
  const cases = [
    [chain(4, { Delta: 0.7, J2: 0.3, h: 0.2 }), true, false, false],
    [chain(4, { Delta: 0.7, J2: 0.3, h: 0.2 }), false, true, false],
    [square, true, true, false],
    [chain(4, { Delta: 0.7, J2: 0.3, h: 0.2 }), true, false, true],
  ] as const;
  for (const [[ham, share, marshall, pathSign], pointGroup] of [...cases.map((c) => [c, false] as const), [cases[0], true] as const, [cases[2], true] as const, [cases[3], true] as const]) {
    const net = new ComplexNet(ham, { alpha: 2, share, marshall, pathSign, pointGroup });
    randomize(net, new Rng(7));
    const loc = makeLocal(net);
    if (pointGroup) assert.ok(loc instanceof SymmetricLocal && ham.lattice.pointGroup.length > 1, 'a point group to average over');
    const N = 4;
    const x = new Int8Array(2 * N);
    const oR = new Float64Array(net.P);
    const oI = new Float64Array(net.P);
    const tmp = new Float64Array(2);
    // All amplitudes (with the Marshall sign) for the dense check.
    const psiR = new Float64Array(256);
    const psiI = new Float64Array(256);
    const M = (c: number) => {
      if (!net.subB) return 1;
      let n = 0;
      for (let i = 0; i < N; i++) if (net.subB[i] && !((c >>> i) & 1)) n++;
      return n % 2 ? -1 : 1;
    };
    for (let c = 0; c < 256; c++) {
      set(x, c);
      loc.refresh(x);
      // The path sign is defined inside the sector Sz(s) = Sz(a) only (elsewhere phi is not needed).
      const inSector = popcount(c & 15) === popcount(c >>> 4);
      const path = net.path && inSector && net.path.parity(x, -1, -1) ? -1 : 1;
      const m = Math.exp(loc.lpR) * M(c & 15) * M(c >>> 4) * path;
      psiR[c] = m * Math.cos(loc.lpI);
      psiI[c] = m * Math.sin(loc.lpI);
    }
    for (const c of [0b00110101, 0b10100110, 0b01011010]) {
      set(x, c);
      loc.refresh(x);
      loc.grad(x, oR, oI);
      const h = 1e-6;
      for (let k = 0; k < net.P; k++) {
        // Holomorphic: d log phi / dp = d/d(Re p) of log phi.
        const save = net.re[k];
        net.re[k] = save + h;
        loc.refresh(x);
        const pr = loc.lpR;
        let pi = loc.lpI;
        net.re[k] = save - h;
        loc.refresh(x);
        const mr = loc.lpR;
        let mi = loc.lpI;
        net.re[k] = save;
        const wrap = (d: number) => d - 2 * Math.PI * Math.round(d / (2 * Math.PI));
        pi = wrap(pi - mi);
        mi = 0;
        assert.ok(Math.abs((pr - mr) / (2 * h) - oR[k]) < 1e-6, `Re O_${k}: ${(pr - mr) / (2 * h)} vs ${oR[k]}`);
        assert.ok(Math.abs(pi / (2 * h) - oI[k]) < 1e-6, `Im O_${k}: ${pi / (2 * h)} vs ${oI[k]}`);
        // Cauchy-Riemann: d/d(Im p) = i d/d(Re p).
        net.im[k] += h;
        loc.refresh(x);
        const qr = loc.lpR;
        net.im[k] -= 2 * h;
        loc.refresh(x);
        const nr = loc.lpR;
        net.im[k] += h;
        assert.ok(Math.abs((qr - nr) / (2 * h) + oI[k]) < 1e-6, `CR ${k}`);
      }
      loc.refresh(x);
      loc.eloc(x, tmp);
      // Dense: E_loc = sum_s' <s|H|s'> Psi(s', a) / Psi(s, a), basis index bit i = 1 <=> s_i = -1.
      const s = c & 15;
      const a = c >>> 4;
      let hr = ham.diagonalAt(s) * psiR[c];
      let hi = ham.diagonalAt(s) * psiI[c];
      const st = new Int32Array(ham.maxConnected);
      const am = new Float64Array(ham.maxConnected);
      const n = ham.connectedAt(s, st, am);
      for (let k = 0; k < n; k++) {
        hr += am[k] * psiR[st[k] | (a << 4)];
        hi += am[k] * psiI[st[k] | (a << 4)];
      }
      const d = psiR[c] ** 2 + psiI[c] ** 2;
      const er = (hr * psiR[c] + hi * psiI[c]) / d;
      const ei = (hi * psiR[c] - hr * psiI[c]) / d;
      assert.ok(Math.abs(er - tmp[0]) < 1e-10 && Math.abs(ei - tmp[1]) < 1e-10, `E_loc ${tmp[0]} ${tmp[1]} vs dense ${er} ${ei}`);
    }
  }
});

test('spin inversion: with the odd parameters (fields, hidden biases) at 0, phi(-s, -a) = phi(s, a) for any other parameters; one odd parameter breaks it', () => {
  const square = makeXxz(parseModel({ name: 'sq', lattice: { kind: 'square', size: [2, 2] }, hamiltonian: { kind: 'xxz', J: 1, Delta: 0.5, J2: 0.5 } }));
  for (const [ham, opts] of [[chain(4), { marshall: true }], [chain(4, { J2: 0.5 }), { marshall: false, pathSign: true }], [square, { marshall: false }]] as const) {
    for (const share of [true, false]) {
      const net = new ComplexNet(ham, { alpha: 2, share, ...opts });
      const odd = net.inversionOdd();
      assert.is(odd.length, 2 + net.F);
      randomize(net, new Rng(11));
      for (const k of odd) net.re[k] = net.im[k] = 0;
      const loc = new ComplexLocal(net);
      const N = 4;
      const x = new Int8Array(2 * N);
      // Largest |log phi(s, a) - log phi(-s, -a)| over the sector Sz(s) = Sz(a) (phi is defined there);
      // refresh reads the parameters anew. The phase is defined mod 2 pi.
      const asymmetry = () => {
        let worst = 0;
        for (let c = 0; c < 256; c++) {
          if (popcount(c & 15) !== popcount(c >>> 4)) continue;
          set(x, c);
          loc.refresh(x);
          const [r0, i0] = [loc.lpR, loc.lpI];
          for (let v = 0; v < 2 * N; v++) x[v] = -x[v];
          loc.refresh(x);
          const di = i0 - loc.lpI - 2 * Math.PI * Math.round((i0 - loc.lpI) / (2 * Math.PI));
          worst = Math.max(worst, Math.abs(r0 - loc.lpR), Math.abs(di));
        }
        return worst;
      };
      const worst = asymmetry();
      assert.ok(worst < 1e-12, `share ${share}: |log phi(s, a) - log phi(-s, -a)| up to ${worst}`);
      // One hidden bias away from 0 breaks the symmetry (the check above can fail).
      net.re[odd[2]] = 0.3;
      const broken = asymmetry();
      assert.ok(broken > 1e-3, `a hidden bias of 0.3 changes log phi under inversion by ${broken}`);
    }
  }
});

test('freezeParameters: clears the frozen rows and columns of S (S_kk = 1, so their step is 0), their F and the chains\' F; the rest is untouched', () => {
  const P = 4;
  const Sr = Float64Array.from([2, 0.5, 0.3, 0.1, 0.5, 3, 0.2, 0.4, 0.3, 0.2, 4, 0.6, 0.1, 0.4, 0.6, 5]);
  const Si = new Float64Array(16);
  Si[1] = 0.1;
  Si[4] = -0.1;
  const m = { P, Sr, Si, Fr: Float64Array.from([1, 2, 3, 4]), Fi: Float64Array.from([0.5, 0, -0.5, 1]) };
  const chainF = [new Float64Array(8).fill(1)];
  freezeParameters(m, Int32Array.from([1, 3]), chainF);
  for (const k of [1, 3]) {
    assert.is(m.Fr[k], 0);
    assert.is(m.Fi[k], 0);
    assert.is(chainF[0][k], 0);
    assert.is(chainF[0][P + k], 0);
    for (let l = 0; l < P; l++) if (l !== k) assert.ok(m.Sr[k * P + l] === 0 && m.Sr[l * P + k] === 0 && m.Si[k * P + l] === 0 && m.Si[l * P + k] === 0);
    assert.is(m.Sr[k * P + k], 1);
  }
  // The other parameters keep their block of S and F.
  assert.is(m.Sr[0 * P + 2], 0.3);
  assert.is(m.Fr[2], 3);
});

test('moves stay in Sz(s) = Sz(a) and visit every configuration of the sector (N = 4, random parameters)', () => {
  const ham = chain(4);
  const net = new ComplexNet(ham, { alpha: 1, share: true, marshall: false });
  randomize(net, new Rng(3), 0.5);
  const ch = new ComplexChain(new ComplexLocal(net), new Rng(11));
  const pop = popcount;
  const code = (x: Int8Array) => {
    let c = 0;
    for (let v = 0; v < 8; v++) if (x[v] < 0) c |= 1 << v;
    return c;
  };
  let sector = 0;
  for (let c = 0; c < 256; c++) if (pop(c & 15) === pop(c >>> 4)) sector++;
  const seen = new Set<number>();
  for (let t = 0; t < 20000; t++) {
    ch.step();
    const c = code(ch.x);
    assert.is(pop(c & 15), pop(c >>> 4), 'left the sector');
    seen.add(c);
  }
  assert.is(sector, 70);
  assert.is(seen.size, sector, `visited ${seen.size} of ${sector}`);
});

test('ancilla flip: chains that end each sweep with a -> -a sample |phi|^2 e^{kappa m} exactly (mean mismatches and the weight of Sz = 0 against enumeration, kappa 0 and 0.7; N = 4, random parameters); it moves the chain', () => {
  const ham = chain(4);
  const net = new ComplexNet(ham, { alpha: 1, share: true, marshall: true });
  // Large random parameters: |phi(s, -a)| and |phi(s, a)| differ a lot, so a wrong acceptance shows.
  randomize(net, new Rng(5), 1.2);
  const N = 4;
  const x = new Int8Array(2 * N);
  const loc = new ComplexLocal(net);
  const mismatches = (y: Int8Array) => {
    let m = 0;
    for (let i = 0; i < N; i++) if (y[i] !== y[N + i]) m++;
    return m;
  };
  for (const kappa of [0, 0.7]) {
    // Exact: weights |phi|^2 e^{kappa m} over the sector Sz(s) = Sz(a).
    let z = 0;
    let mExact = 0;
    let zeroExact = 0;
    for (let c = 0; c < 256; c++) {
      if (popcount(c & 15) !== popcount(c >>> 4)) continue;
      set(x, c);
      loc.refresh(x);
      const m = mismatches(x);
      const w = Math.exp(2 * loc.lpR + kappa * m);
      z += w;
      mExact += w * m;
      if (popcount(c & 15) === 2) zeroExact += w;
    }
    mExact /= z;
    zeroExact /= z;
    const ch = new ComplexChain(new ComplexLocal(net), new Rng(17), true);
    ch.kappa = kappa;
    // Batch means: 40 batches of 2000 sweeps (tau_int here is a few sweeps).
    const B = 40;
    const L = 2000;
    const bm: number[] = [];
    const bz: number[] = [];
    for (let t = 0; t < 500; t++) ch.sweep();
    for (let b = 0; b < B; b++) {
      let sm = 0;
      let sz = 0;
      for (let t = 0; t < L; t++) {
        ch.sweep();
        let up = 0;
        for (let i = 0; i < N; i++) up += ch.x[N + i] > 0 ? 1 : 0;
        sm += ch.mismatches();
        if (up === 2) sz++;
      }
      bm.push(sm / L);
      bz.push(sz / L);
    }
    const stat = (v: number[]) => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      const err = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1) / v.length);
      return { m, err };
    };
    const sm = stat(bm);
    const sz = stat(bz);
    assert.ok(Math.abs(sm.m - mExact) < 4 * sm.err, `kappa ${kappa}: mismatches ${sm.m} +- ${sm.err} vs ${mExact}`);
    assert.ok(Math.abs(sz.m - zeroExact) < 4 * sz.err, `kappa ${kappa}: weight of Sz = 0 ${sz.m} +- ${sz.err} vs ${zeroExact}`);
    // The acceptance itself: without the bias from configurations where it is a probability
    // (0.05 < p < 0.95), with it from configurations whose mismatches the flip changes (p > 0.05),
    // p = min(1, |phi(s, -a)/phi(s, a)|^2 e^{kappa (N - 2 m)}), 2000 tries each.
    let tried = 0;
    for (let c = 0; c < 256 && tried < 2; c++) {
      if (popcount(c & 15) !== 2 || popcount(c >>> 4) !== 2) continue;
      set(x, c);
      loc.refresh(x);
      const l0 = loc.lpR;
      const m = mismatches(x);
      for (let i = 0; i < N; i++) x[N + i] = -x[N + i];
      loc.refresh(x);
      const p = Math.min(1, Math.exp(2 * (loc.lpR - l0) + kappa * (N - 2 * m)));
      // m = N/2 leaves the mismatches as they are: not a test of the bias term.
      if (kappa > 0 ? p < 0.05 || 2 * m === N : p < 0.05 || p > 0.95) continue;
      tried++;
      let acc = 0;
      const n = 2000;
      for (let t = 0; t < n; t++) {
        set(ch.x, c);
        ch.local.refresh(ch.x);
        if (ch.flipAncilla()) acc++;
      }
      assert.ok(Math.abs(acc / n - p) <= 4 * Math.sqrt((p * (1 - p)) / n), `kappa ${kappa}, configuration ${c}: accepted ${acc / n}, exact ${p}`);
    }
    assert.is(tried, 2);
    // The move is made (proposed in Sz(a) = 0 only) and accepted (measured: 13% and 4%).
    assert.ok(ch.flipsProposed > 0.2 * (B * L + 500) && ch.flipsAccepted > 0.02 * ch.flipsProposed, `kappa ${kappa}: ${ch.flipsAccepted} of ${ch.flipsProposed} flips accepted`);
  }
});

test('restart: a chain starts afresh on the diagonal s = a from its own random stream, with its amplitude refreshed', () => {
  // The parameters of the ancilla-flip test, where the chain moves freely.
  const net = new ComplexNet(chain(4), { alpha: 1, share: true, marshall: true });
  randomize(net, new Rng(5), 1.2);
  const ch = new ComplexChain(new ComplexLocal(net), new Rng(21));
  for (let t = 0; t < 50; t++) ch.sweep();
  assert.ok(ch.mismatches() > 0, 'the chain left the diagonal');
  const state = ch.rng.getState();
  ch.restart();
  assert.is(ch.mismatches(), 0);
  const fresh = new ComplexLocal(net);
  fresh.refresh(ch.x);
  assert.is(ch.local.lpR, fresh.lpR);
  assert.is(ch.local.lpI, fresh.lpI);
  // Its own stream: the same draws as a chain restarted from the same random state.
  const other = new ComplexChain(new ComplexLocal(net), new Rng(99));
  other.rng.setState(state);
  other.restart();
  assert.equal(Array.from(other.x), Array.from(ch.x));
});

test('point-group average: phi_sym(g s, g a) = phi_sym(s, a) for every space-group element (6-site chains with the path or Marshall sign, 4x4 square with J2), where the plain network is not invariant; after many accepted moves its log phi = a fresh refresh', () => {
  const square = makeXxz(parseModel({ name: 'sq', lattice: { kind: 'square', size: [4, 4] }, hamiltonian: { kind: 'xxz', J: 1, Delta: 0.8, J2: 0.5 } }));
  for (const [ham, marshall, pathSign] of [[chain(6, { J2: 0.4 }), false, true], [chain(6, { Delta: 0.6 }), true, false], [square, false, true]] as const) {
    const N = ham.nSites;
    const lat = ham.lattice;
    assert.ok(lat.pointGroup.length > 1, 'a point group');
    const net = new ComplexNet(ham, { alpha: 2, share: true, marshall, pathSign, pointGroup: true });
    randomize(net, new Rng(3));
    const sym = makeLocal(net);
    const plain = new ComplexLocal(net);
    const rng = new Rng(11);
    const x = new Int8Array(2 * N);
    const y = new Int8Array(2 * N);
    const elements = [...lat.pointGroup, ...lat.translations.map((t) => t.perm)];
    let plainOff = 0;
    for (let trial = 0; trial < 20; trial++) {
      for (let v = 0; v < 2 * N; v++) x[v] = rng.next() < 0.5 ? 1 : -1;
      sym.refresh(x);
      plain.refresh(x);
      const [r0, i0, p0] = [sym.lpR, sym.lpI, plain.lpR];
      for (const g of elements) {
        for (let i = 0; i < N; i++) {
          y[g[i]] = x[i];
          y[N + g[i]] = x[N + i];
        }
        sym.refresh(y);
        const dphase = sym.lpI - i0;
        assert.ok(Math.abs(sym.lpR - r0) < 1e-10 && Math.abs(dphase - 2 * Math.PI * Math.round(dphase / (2 * Math.PI))) < 1e-10, `phi_sym not invariant (${N} sites)`);
        plain.refresh(y);
        plainOff = Math.max(plainOff, Math.abs(plain.lpR - p0));
      }
    }
    assert.ok(plainOff > 1e-3, `the plain network is invariant already (${plainOff}): the test would not see a broken average`);
    // Incremental updates through the copies: many accepted moves, then a fresh refresh.
    const ch = new ComplexChain(makeLocal(net), new Rng(13));
    let accepted = 0;
    for (let t = 0; t < 4000; t++) if (ch.step()) accepted++;
    assert.ok(accepted > 100, `accepted ${accepted}`);
    const inc = [ch.local.lpR, ch.local.lpI];
    ch.local.refresh(ch.x);
    const dphase = inc[1] - ch.local.lpI;
    assert.ok(Math.abs(inc[0] - ch.local.lpR) < 1e-8 && Math.abs(dphase - 2 * Math.PI * Math.round(dphase / (2 * Math.PI))) < 1e-8, `incremental log phi_sym ${inc} vs ${ch.local.lpR} ${ch.local.lpI}`);
  }
});

test('incremental state after many accepted moves = a fresh refresh (theta, tanh theta, log phi); also near the start poles', () => {
  for (const [scale, start] of [[0.8, false], [0, true]] as const) {
    const ham = chain(8);
    const net = new ComplexNet(ham, { alpha: 2, share: true, marshall: true });
    if (start) startParams(net, 0.01, new Rng(5));
    else randomize(net, new Rng(9), scale);
    const loc = new ComplexLocal(net);
    const ch = new ComplexChain(loc, new Rng(13));
    let accepted = 0;
    for (let t = 0; t < 20000; t++) {
      const before = ch.accepted;
      ch.step();
      accepted += ch.accepted - before;
    }
    assert.ok(accepted > 100, `accepted ${accepted}`);
    const inc = { thR: loc.thR.slice(), thI: loc.thI.slice(), tR: loc.tR.slice(), tI: loc.tI.slice(), lpR: loc.lpR, lpI: loc.lpI };
    loc.refresh(ch.x);
    for (let u = 0; u < net.H; u++) {
      assert.ok(Math.abs(inc.thR[u] - loc.thR[u]) + Math.abs(inc.thI[u] - loc.thI[u]) < 1e-9, `theta ${u}`);
      const tol = 1e-8 * (1 + Math.hypot(loc.tR[u], loc.tI[u]) ** 2);
      assert.ok(Math.abs(inc.tR[u] - loc.tR[u]) + Math.abs(inc.tI[u] - loc.tI[u]) < tol, `tanh ${u}: ${inc.tR[u]} ${inc.tI[u]} vs ${loc.tR[u]} ${loc.tI[u]}`);
    }
    assert.ok(Math.abs(inc.lpR - loc.lpR) < 1e-8, `log |phi| ${inc.lpR} vs ${loc.lpR}`);
    const dphase = inc.lpI - loc.lpI;
    assert.ok(Math.abs(dphase - 2 * Math.PI * Math.round(dphase / (2 * Math.PI))) < 1e-8, 'phase mod 2 pi');
  }
});

test('SR sums taken per chain (ComplexSrAccumulator, combined in chain order) = the moments of all samples at once', () => {
  const P = 13;
  const rng = new Rng(21);
  const smp = new ComplexSamples(P, 300);
  const oRef = new Float64Array(2 * P);
  // A large common offset with a small spread for some parameters: the trap the reference is for.
  for (let k = 0; k < 2 * P; k++) oRef[k] = k % 3 === 0 ? 40 : 0.1 * rng.normal();
  const chunks: Float64Array[] = [];
  const oR = new Float64Array(P);
  const oI = new Float64Array(P);
  for (let c = 0; c < 3; c++) {
    const acc = new ComplexSrAccumulator(P);
    acc.reset(oRef, -3, 0.2);
    for (let i = 0; i < 100; i++) {
      for (let k = 0; k < P; k++) {
        oR[k] = (k % 3 === 0 ? 40 : 0) + (k % 3 === 0 ? 1e-3 : 1) * rng.normal();
        oI[k] = (k % 3 === 0 ? 40 : 0) + (k % 3 === 0 ? 1e-3 : 1) * rng.normal();
      }
      const eR = -3 + rng.normal() + 0.1 * oR[1];
      const eI = 0.3 * rng.normal() + 0.1 * oI[2];
      const w = c === 1 ? 1 : 0.5 + rng.next();
      acc.add(oR, oI, eR, eI, w);
      smp.add(oR, oI, eR, eI, w);
    }
    chunks.push(acc.pack());
  }
  const got = combineComplexChunks(chunks, P, oRef, -3, 0.2);
  const want = complexMoments(smp);
  const close = (a: number, b: number, scale: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * scale, `${what}: ${a} vs ${b}`);
  close(got.weight, want.weight, want.weight, 'W');
  close(got.eR, want.eR, 3, 'eR');
  close(got.eI, want.eI, 1, 'eI');
  close(got.eAbs2, want.eAbs2, want.eAbs2, '<|E|^2>');
  for (let k = 0; k < P; k++) {
    close(got.Fr[k], want.Fr[k], 1, `Fr ${k}`);
    close(got.Fi[k], want.Fi[k], 1, `Fi ${k}`);
    for (let l = 0; l < P; l++) {
      // Entries of the small-spread parameters are ~1e-6: compare them on their own scale.
      const scale = k % 3 === 0 || l % 3 === 0 ? 1e-3 : 1;
      close(got.Sr[k * P + l], want.Sr[k * P + l], scale, `Sr ${k} ${l}`);
      close(got.Si[k * P + l], want.Si[k * P + l], scale, `Si ${k} ${l}`);
    }
  }
  // Each chain's F (energy-flow c) about the means of all chains, against the direct sum over its
  // samples: F_k = sum_i w_i conj(O_i - <O>) (E_i - <E>) / W_k.
  const mR = new Float64Array(P);
  const mI = new Float64Array(P);
  let W = 0;
  let eMR = 0;
  let eMI = 0;
  for (let i = 0; i < smp.n; i++) {
    W += smp.w[i];
    eMR += smp.w[i] * smp.eR[i];
    eMI += smp.w[i] * smp.eI[i];
    for (let k = 0; k < P; k++) {
      mR[k] += smp.w[i] * smp.oR[i * P + k];
      mI[k] += smp.w[i] * smp.oI[i * P + k];
    }
  }
  const forces = complexChainForces(chunks, P);
  assert.is(forces.length, 3);
  for (let c = 0; c < 3; c++) {
    for (let k = 0; k < P; k++) {
      let wc = 0;
      let fr = 0;
      let fi = 0;
      for (let i = 100 * c; i < 100 * (c + 1); i++) {
        const dr = smp.oR[i * P + k] - mR[k] / W;
        const di = smp.oI[i * P + k] - mI[k] / W;
        const er = smp.eR[i] - eMR / W;
        const ei = smp.eI[i] - eMI / W;
        wc += smp.w[i];
        fr += smp.w[i] * (dr * er + di * ei);
        fi += smp.w[i] * (dr * ei - di * er);
      }
      const scale = k % 3 === 0 ? 1e-3 : 1;
      close(forces[c][k], fr / wc, scale, `chain ${c}: Re F ${k}`);
      close(forces[c][P + k], fi / wc, scale, `chain ${c}: Im F ${k}`);
    }
  }
});

test('Marshall sign by default exactly for unfrustrated antiferromagnets on bipartite lattices, the path sign for other antiferromagnets', () => {
  const xxz = (lattice: object, J: number, J2 = 0, Delta = 1) => makeXxz(parseModel({ name: 'm', lattice, hamiltonian: { kind: 'xxz', J, Delta, J2 } }));
  assert.ok(marshallByDefault(xxz({ kind: 'chain', size: [6] }, 1)));
  assert.ok(marshallByDefault(xxz({ kind: 'square', size: [4, 4] }, 1, 0, 0.5)));
  assert.not.ok(marshallByDefault(xxz({ kind: 'chain', size: [6] }, -1)), 'ferromagnet: already stoquastic');
  assert.not.ok(marshallByDefault(xxz({ kind: 'square', size: [4, 4] }, 1, 0.5)), 'J2 frustrates');
  assert.not.ok(marshallByDefault(xxz({ kind: 'chain', size: [5] }, 1)), 'odd ring: not bipartite');
  assert.not.ok(marshallByDefault(xxz({ kind: 'triangular', size: [3, 3] }, 1)), 'triangular');
  // Where the Marshall sign does not fit, antiferromagnets take the path sign.
  assert.ok(pathSignByDefault(xxz({ kind: 'square', size: [4, 4] }, 1, 0.5)), 'J1-J2');
  assert.ok(pathSignByDefault(xxz({ kind: 'triangular', size: [3, 3] }, 1)), 'triangular');
  assert.ok(pathSignByDefault(xxz({ kind: 'chain', size: [5] }, 1)), 'odd ring');
  assert.not.ok(pathSignByDefault(xxz({ kind: 'chain', size: [6] }, -1)), 'ferromagnet');
  assert.not.ok(pathSignByDefault(xxz({ kind: 'chain', size: [6] }, 1, -0.5)), 'ferromagnetic J2 beside antiferromagnetic J1');
});

test('path sign: d(s, a) = the fewest swaps (breadth-first search over configurations); (-1)^d is the sign of <s|e^{-beta H/2}|a> at high T; the Marshall sign on bipartite bonds', () => {
  const xxz = (lattice: object, J2: number) => makeXxz(parseModel({ name: 'p', lattice, hamiltonian: { kind: 'xxz', J: 1, Delta: 1, J2 } }));
  const code = (x: Int8Array, N: number, off: number) => {
    let c = 0;
    for (let i = 0; i < N; i++) if (x[off + i] < 0) c |= 1 << i;
    return c;
  };
  const fill = (x: Int8Array, N: number, s: number, a: number) => {
    for (let i = 0; i < N; i++) {
      x[i] = (s >>> i) & 1 ? -1 : 1;
      x[N + i] = (a >>> i) & 1 ? -1 : 1;
    }
  };
  // 1. The matching distance against a breadth-first search over configurations (swaps along the
  // exchange bonds), on a frustrated 2D lattice and a J1-J2 chain; also with an exchange applied first.
  for (const ham of [xxz({ kind: 'square', size: [3, 3] }, 0.5), xxz({ kind: 'chain', size: [7] }, 0.5)]) {
    const N = ham.nSites;
    const ps = new PathSign(ham);
    const D = 1 << N;
    const x = new Int8Array(2 * N);
    const dist = new Int32Array(D);
    let checked = 0;
    for (let a = 0; a < D; a += 3) {
      dist.fill(-1);
      dist[a] = 0;
      const queue = [a];
      for (let h = 0; h < queue.length; h++) {
        const c = queue[h];
        for (let p = 0; p < ham.pairI.length; p++) {
          const i = ham.pairI[p];
          const j = ham.pairJ[p];
          if (((c >>> i) & 1) === ((c >>> j) & 1)) continue;
          const n = c ^ (1 << i) ^ (1 << j);
          if (dist[n] < 0) {
            dist[n] = dist[c] + 1;
            queue.push(n);
          }
        }
      }
      for (let s = 0; s < D; s++) {
        if (dist[s] < 0) continue;
        fill(x, N, s, a);
        assert.is(ps.distance(x, -1, -1), dist[s], `d(${s}, ${a})`);
        checked++;
      }
      // The exchanged variant: s with sites i, j swapped, x unchanged.
      fill(x, N, a ^ 0b101, a);
      if (dist[a ^ 0b101] >= 0) {
        const before = x.slice();
        for (let p = 0; p < ham.pairI.length; p++) {
          const sw = code(x, N, 0) ^ ((x[ham.pairI[p]] !== x[ham.pairJ[p]] ? 1 : 0) * ((1 << ham.pairI[p]) | (1 << ham.pairJ[p])));
          assert.is(ps.distance(x, ham.pairI[p], ham.pairJ[p]), dist[sw], 'swapped');
        }
        assert.equal(x, before, 'x unchanged');
      }
    }
    assert.ok(checked > 1000, `${checked} pairs`);
  }
  // 2. The sign of <s|e^{-beta H/2}|a> (Taylor series per column, 6-site J1-J2 chain, J2 = J/2):
  // (-1)^d on every element at beta = 1 (no node has moved there yet on this chain).
  {
    const ham = xxz({ kind: 'chain', size: [6] }, 0.5);
    const N = 6;
    const D = 1 << N;
    const ps = new PathSign(ham);
    const x = new Int8Array(2 * N);
    const st = new Int32Array(ham.maxConnected);
    const am = new Float64Array(ham.maxConnected);
    const beta = 1;
    let wrong = 0;
    let nonzero = 0;
    for (let a = 0; a < D; a++) {
      let term = new Float64Array(D);
      term[a] = 1;
      const col = term.slice();
      for (let k = 1; k < 60; k++) {
        const next = new Float64Array(D);
        for (let c = 0; c < D; c++) {
          if (term[c] === 0) continue;
          next[c] += ham.diagonalAt(c) * term[c];
          const n = ham.connectedAt(c, st, am);
          for (let q = 0; q < n; q++) next[st[q]] += am[q] * term[c];
        }
        for (let c = 0; c < D; c++) next[c] *= -beta / 2 / k;
        for (let c = 0; c < D; c++) col[c] += next[c];
        term = next;
      }
      for (let s = 0; s < D; s++) {
        if (Math.abs(col[s]) < 1e-9) continue;
        nonzero++;
        fill(x, N, s, a);
        if ((ps.parity(x, -1, -1) ? -1 : 1) * col[s] < 0) wrong++;
      }
    }
    assert.is(nonzero, 924, 'every element of the Sz sectors');
    assert.is(wrong, 0);
  }
  // 3. Nearest-neighbour exchange on a bipartite lattice: (-1)^d = M(s) M(a).
  {
    const ham = xxz({ kind: 'square', size: [4, 4] }, 0);
    const N = 16;
    const ps = new PathSign(ham);
    const subB = new Int8Array(N);
    for (let i = 0; i < N; i++) subB[i] = ((i % 4) + Math.floor(i / 4)) % 2;
    const rng = new Rng(17);
    const x = new Int8Array(2 * N);
    for (let t = 0; t < 2000; t++) {
      for (let i = 0; i < N; i++) x[i] = rng.next() < 0.5 ? 1 : -1;
      // a: s with random swaps, so that Sz(s) = Sz(a).
      for (let i = 0; i < N; i++) x[N + i] = x[i];
      for (let k = 0; k < 6; k++) {
        const i = Math.floor(rng.next() * N);
        const j = Math.floor(rng.next() * N);
        const tmp = x[N + i];
        x[N + i] = x[N + j];
        x[N + j] = tmp;
      }
      let m = 0;
      for (let i = 0; i < N; i++) if (subB[i] && x[i] > 0) m++;
      for (let i = 0; i < N; i++) if (subB[i] && x[N + i] > 0) m++;
      assert.is(ps.parity(x, -1, -1), m % 2);
    }
  }
});

test('at the exact beta = 0 start the chain visits every diagonal configuration and nothing else', () => {
  const ham = chain(4);
  const net = new ComplexNet(ham, { alpha: 1, share: true, marshall: false });
  startParams(net, 0, new Rng(1));
  const ch = new ComplexChain(new ComplexLocal(net), new Rng(5));
  const seen = new Set<number>();
  for (let t = 0; t < 5000; t++) {
    ch.step();
    let c = 0;
    for (let v = 0; v < 8; v++) if (ch.x[v] < 0) c |= 1 << v;
    assert.is(c & 15, c >>> 4, 'left the diagonal');
    seen.add(c);
  }
  assert.is(seen.size, 16);
});

test('chain disagreement: a chain whose e sits in another region is flagged, chains of one distribution are not', () => {
  const N = 16;
  const rng = new Rng(9, 0);
  // Weighted series [w Re E, w Im E, w |E|^2, w] of one chain: E_loc per site ~ mu + 0.3 x normal,
  // smoothed (AR(1), rho 0.9: tau_int about 10) as a Markov chain's, with random weights.
  const chainSeries = (mu: number, n = 4000) => {
    const s = [0, 1, 2, 3].map(() => new Float64Array(n));
    let z = 0;
    for (let t = 0; t < n; t++) {
      z = 0.9 * z + Math.sqrt(1 - 0.81) * rng.normal();
      const E = N * (mu + 0.3 * z);
      const w = 0.5 + rng.next();
      s[0][t] = w * E;
      s[2][t] = w * E * E;
      s[3][t] = w;
    }
    return s;
  };
  // 20 sets of 8 like chains: none flagged (the rule sits at 10 median bars).
  for (let k = 0; k < 20; k++) assert.is(chainDisagreement(Array.from({ length: 8 }, () => chainSeries(-0.4)), N), null);
  // One chain in the far region (e ~ 0, as the stuck chains measured on the 16-site chain).
  const mixed = Array.from({ length: 8 }, (_, c) => chainSeries(c === 5 ? 0 : -0.4));
  const w = chainDisagreement(mixed, N);
  assert.ok(w !== null && w.includes('chain 5 ') && !w.includes('chain 4 '), String(w));
  // Two chains cannot tell which one is off: no verdict.
  assert.is(chainDisagreement(mixed.slice(4, 6), N), null);
});

test.run();
