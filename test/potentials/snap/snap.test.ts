/**
 * SNAP model: analytic derivatives against central finite differences (forces and virial against the energy,
 * design-matrix force/virial rows against the energy rows, parameter derivatives against the adjoint kernel),
 * rotation and permutation invariance, and agreement of the adjoint and design-row paths. Two elements with
 * different radelem and wj (no chemflag, as in multi-element LAMMPS SNAP files).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.ts';
import { buildNeighborList } from '../../../src/neighbors/index.ts';
import { evaluateStructure } from '../../../src/potentials/evaluate.ts';
import { SnapEngine, snapDescriptors } from '../../../src/potentials/snap/engine.ts';
import { compileSnap } from '../../../src/potentials/snap/snap.ts';
import { snapColumnCount, snapDescriptorCount, type SnapSpec } from '../../../src/potentials/snap/spec.ts';
import { deform } from '../../../src/structure/cell.ts';
import { bulk, rattle, supercell } from '../../../src/structure/builders.ts';
import type { Structure } from '../../../src/structure/types.ts';

function makeSpec(over: Partial<SnapSpec>): SnapSpec {
  const base: SnapSpec = {
    kind: 'snap', elements: ['Mo', 'Nb'], cutoff: 0, twojmax: 4, rcutfac: 4.1, rfac0: 0.99363, rmin0: 0,
    radelem: [0.5, 0.42], wj: [1, 0.73], switchflag: true, bzeroflag: true, quadratic: false, wselfallflag: false,
    chemflag: false, bnormflag: false, coefficients: [],
  };
  const spec = { ...base, ...over };
  const rng = createRng(7);
  const ncol = snapColumnCount(spec);
  const K = snapDescriptorCount(spec.twojmax);
  // linear coefficients O(0.1), quadratic ones smaller so no single term dominates
  spec.coefficients = spec.elements.map(() => Array.from({ length: ncol }, (_, c) => rng.normal(0, c <= K ? 0.1 : 0.01)));
  return spec;
}

function structure(seed: number): Structure {
  return rattle(supercell(bulk('bcc', ['Mo', 'Nb'], 3.2), [2, 2, 2]), 0.12, createRng(seed));
}

const VARIANTS: [string, Partial<SnapSpec>][] = [
  ['linear 2J=4', {}],
  ['quadratic 2J=4', { quadratic: true }],
  ['linear 2J=6, bnormflag, rmin0 0.3, bzeroflag off', { twojmax: 6, bnormflag: true, rmin0: 0.3, bzeroflag: false }],
];

/** W_ab = −∂E/∂ε_ab with the symmetric strain of pair (a,b) split over both off-diagonal entries. */
const VOIGT_PAIRS: [number, number][] = [[0, 0], [1, 1], [2, 2], [1, 2], [0, 2], [0, 1]];
function strainOf(v: number, h: number): Float64Array {
  const [a, b] = VOIGT_PAIRS[v]!;
  const e = new Float64Array(9);
  e[3 * a + b] += a === b ? h : h / 2;
  if (a !== b) e[3 * b + a] += h / 2;
  return e;
}

for (const [name, over] of VARIANTS) {
  test(`${name}: forces and virial equal finite differences of the energy`, () => {
    const model = compileSnap(makeSpec(over));
    const s = structure(1);
    const r = evaluateStructure(model, s, { forces: true, virial: true });
    const e = (t: Structure): number => evaluateStructure(model, t, {}).energy;
    const h = 1e-5;
    let fErr = 0;
    let fMax = 0;
    for (const ia of [0, 1, 5, 17, 30, 47]) {
      const p = s.positions.slice();
      p[ia] += h;
      const ep = e({ ...s, positions: p });
      p[ia] -= 2 * h;
      const em = e({ ...s, positions: p });
      fErr = Math.max(fErr, Math.abs(-(ep - em) / (2 * h) - r.forces![ia]!));
      fMax = Math.max(fMax, Math.abs(r.forces![ia]!));
    }
    assert.ok(fMax > 1e-3, 'forces should not vanish');
    assert.ok(fErr < 1e-7, `force error ${fErr}`);
    let wErr = 0;
    for (let v = 0; v < 6; v++) {
      const w = -(e(deform(s, strainOf(v, h))) - e(deform(s, strainOf(v, -h)))) / (2 * h);
      wErr = Math.max(wErr, Math.abs(w - r.virial![v]!));
    }
    assert.ok(wErr < 1e-6, `virial error ${wErr}`);
    let fsum = 0;
    for (let a = 0; a < 3; a++) {
      let t = 0;
      for (let i = 0; i < s.species.length; i++) t += r.forces![3 * i + a]!;
      fsum = Math.max(fsum, Math.abs(t));
    }
    assert.ok(fsum < 1e-10, `net force ${fsum}`);
  });

  test(`${name}: design rows are the exact parameter derivatives`, () => {
    const spec = makeSpec(over);
    const model = compileSnap(spec);
    const s = structure(2);
    const n3 = 3 * s.species.length;
    const P = model.parameters.length;
    assert.equal(P, 2 * snapColumnCount(spec));
    const g = evaluateStructure(model, s, { forces: true, virial: true, atomEnergies: true, paramGradient: true });
    const plain = evaluateStructure(model, s, { forces: true, virial: true, atomEnergies: true });
    // the two independent paths (adjoint Y; design rows contracted with θ) agree
    assert.ok(Math.abs(g.energy - plain.energy) < 1e-10 * Math.max(1, Math.abs(plain.energy)));
    for (let a = 0; a < n3; a++) assert.ok(Math.abs(g.forces![a]! - plain.forces![a]!) < 1e-10);
    for (let v = 0; v < 6; v++) assert.ok(Math.abs(g.virial![v]! - plain.virial![v]!) < 1e-10);
    for (let i = 0; i < s.species.length; i++) assert.ok(Math.abs(g.atomEnergies![i]! - plain.atomEnergies![i]!) < 1e-10);

    // parameter derivatives: the model is linear, so a central difference along any direction is exact up to
    // rounding; check every parameter one by one on the energy and along random directions on forces and virial
    const rng = createRng(3);
    const h = 1e-3;
    let eErr = 0;
    const base = model.parameters;
    for (let p = 0; p < P; p++) {
      const t = base.slice();
      t[p] += h;
      const ep = evaluateStructure(model.withParameters(t), s, {}).energy;
      t[p] -= 2 * h;
      const em = evaluateStructure(model.withParameters(t), s, {}).energy;
      eErr = Math.max(eErr, Math.abs((ep - em) / (2 * h) - g.dEnergy![p]!));
    }
    assert.ok(eErr < 1e-7, `dEnergy error ${eErr}`);
    for (let trial = 0; trial < 3; trial++) {
      const dir = Float64Array.from({ length: P }, () => rng.normal(0, 1));
      const plus = base.map((v, p) => v + h * dir[p]!);
      const minus = base.map((v, p) => v - h * dir[p]!);
      const rp = evaluateStructure(model.withParameters(plus), s, { forces: true, virial: true });
      const rm = evaluateStructure(model.withParameters(minus), s, { forces: true, virial: true });
      let fe = 0;
      for (let a = 0; a < n3; a++) {
        let an = 0;
        for (let p = 0; p < P; p++) an += dir[p]! * g.dForces![p * n3 + a]!;
        fe = Math.max(fe, Math.abs((rp.forces![a]! - rm.forces![a]!) / (2 * h) - an));
      }
      let ve = 0;
      for (let v = 0; v < 6; v++) {
        let an = 0;
        for (let p = 0; p < P; p++) an += dir[p]! * g.dVirial![6 * p + v]!;
        ve = Math.max(ve, Math.abs((rp.virial![v]! - rm.virial![v]!) / (2 * h) - an));
      }
      assert.ok(fe < 1e-7 && ve < 1e-7, `dForces error ${fe}, dVirial error ${ve}`);
    }
  });

  test(`${name}: design-row forces and virial are minus the position and strain derivatives of the energy rows`, () => {
    const spec = makeSpec(over);
    const engine = new SnapEngine({ ...spec, cutoff: compileSnap(spec).cutoff });
    const s = structure(4);
    const rows = (t: Structure): Float64Array => engine.designRows(t, buildNeighborList(t, engine.cutoff, { half: false })).energy;
    const g = engine.designRows(s, buildNeighborList(s, engine.cutoff, { half: false }));
    const P = engine.nParams;
    const n3 = 3 * s.species.length;
    const h = 1e-5;
    let err = 0;
    let scale = 0;
    for (const ia of [2, 9, 22, 40]) {
      const p = s.positions.slice();
      p[ia] += h;
      const ep = rows({ ...s, positions: p });
      p[ia] -= 2 * h;
      const em = rows({ ...s, positions: p });
      for (let q = 0; q < P; q++) {
        const an = g.forces[q * n3 + ia]!;
        err = Math.max(err, Math.abs(-(ep[q]! - em[q]!) / (2 * h) - an) / Math.max(1, Math.abs(an)));
        scale = Math.max(scale, Math.abs(an));
      }
    }
    assert.ok(scale > 1e-2);
    assert.ok(err < 1e-6, `design force rows: relative error ${err}`);
    err = 0;
    for (let v = 0; v < 6; v++) {
      const ep = rows(deform(s, strainOf(v, h)));
      const em = rows(deform(s, strainOf(v, -h)));
      for (let q = 0; q < P; q++) {
        const an = g.virial[6 * q + v]!;
        err = Math.max(err, Math.abs(-(ep[q]! - em[q]!) / (2 * h) - an) / Math.max(1, Math.abs(an)));
      }
    }
    assert.ok(err < 1e-6, `design virial rows: relative error ${err}`);
  });
}

function rotation(rng: ReturnType<typeof createRng>): Float64Array {
  // random unit quaternion → rotation matrix (row-major)
  let q = [rng.normal(0, 1), rng.normal(0, 1), rng.normal(0, 1), rng.normal(0, 1)];
  const nq = Math.hypot(...q);
  q = q.map((v) => v / nq);
  const [w, x, y, z] = q as [number, number, number, number];
  return Float64Array.of(
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  );
}

function rotateRows(a: Float64Array, m: Float64Array): Float64Array {
  // each row vector v → M v
  const out = new Float64Array(a.length);
  for (let r = 0; r < a.length / 3; r++)
    for (let i = 0; i < 3; i++)
      out[3 * r + i] = m[3 * i]! * a[3 * r]! + m[3 * i + 1]! * a[3 * r + 1]! + m[3 * i + 2]! * a[3 * r + 2]!;
  return out;
}

test('B, energy and forces are invariant under rotation and atom permutation', () => {
  const spec = makeSpec({ twojmax: 6, quadratic: true });
  const model = compileSnap(spec);
  const s = structure(5);
  const n = s.species.length;
  const K = snapDescriptorCount(6);
  const r0 = evaluateStructure(model, s, { forces: true, virial: true });
  const B0 = snapDescriptors(spec, s, buildNeighborList(s, model.cutoff, { half: false }));

  const m = rotation(createRng(11));
  const rot: Structure = { ...s, positions: rotateRows(s.positions, m), cell: rotateRows(s.cell, m) };
  const r1 = evaluateStructure(model, rot, { forces: true, virial: true });
  const B1 = snapDescriptors(spec, rot, buildNeighborList(rot, model.cutoff, { half: false }));
  assert.ok(Math.abs(r1.energy - r0.energy) < 1e-10);
  const f0r = rotateRows(r0.forces!, m);
  for (let a = 0; a < 3 * n; a++) assert.ok(Math.abs(r1.forces![a]! - f0r[a]!) < 1e-10);
  for (let k = 0; k < n * K; k++) assert.ok(Math.abs(B1[k]! - B0[k]!) < 1e-10 * Math.max(1, Math.abs(B0[k]!)));
  const tr = (v: Float64Array): number => v[0]! + v[1]! + v[2]!;
  assert.ok(Math.abs(tr(r1.virial!) - tr(r0.virial!)) < 1e-10);

  const perm = createRng(12).shuffle(Array.from({ length: n }, (_, i) => i));
  const species = Int32Array.from(perm, (i) => s.species[i]!);
  const positions = new Float64Array(3 * n);
  perm.forEach((i, k) => positions.set(s.positions.subarray(3 * i, 3 * i + 3), 3 * k));
  const ps: Structure = { ...s, species, positions };
  const r2 = evaluateStructure(model, ps, { forces: true });
  const B2 = snapDescriptors(spec, ps, buildNeighborList(ps, model.cutoff, { half: false }));
  assert.ok(Math.abs(r2.energy - r0.energy) < 1e-10);
  perm.forEach((i, k) => {
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(r2.forces![3 * k + a]! - r0.forces![3 * i + a]!) < 1e-10);
    for (let c = 0; c < K; c++) assert.ok(Math.abs(B2[K * k + c]! - B0[K * i + c]!) < 1e-10 * Math.max(1, Math.abs(B0[K * i + c]!)));
  });
});

test('bzeroflag: an isolated atom has B = 0 and energy β0; names and counts follow LAMMPS', () => {
  const spec = makeSpec({ twojmax: 8 });
  const model = compileSnap(spec);
  const lone: Structure = { species: Int32Array.of(42), positions: new Float64Array(3), cell: new Float64Array(9), pbc: [false, false, false] };
  const r = evaluateStructure(model, lone, { forces: true, atomEnergies: true });
  assert.ok(Math.abs(r.energy - spec.coefficients[0]![0]!) < 1e-14);
  const B = snapDescriptors(spec, lone, buildNeighborList(lone, model.cutoff, { half: false }));
  for (const b of B) assert.ok(Math.abs(b) < 1e-13);
  const off = snapDescriptors({ ...spec, bzeroflag: false }, lone, buildNeighborList(lone, model.cutoff, { half: false }));
  assert.ok(off.some((b) => b > 1)); // (j+1) w_self³ per component without the shift
  assert.deepEqual([2, 4, 6, 8].map(snapDescriptorCount), [5, 14, 30, 55]);
  assert.equal(snapColumnCount({ twojmax: 8, quadratic: true }), 1596);
  const q = compileSnap(makeSpec({ quadratic: true }));
  assert.equal(q.paramNames[0], 'Mo:b0');
  assert.equal(q.paramNames[1], 'Mo:B1');
  assert.equal(q.paramNames[15], 'Mo:B1*B1');
  assert.equal(q.paramNames[16], 'Mo:B1*B2');
  assert.equal(q.paramNames[q.paramNames.length - 1], 'Nb:B14*B14');
  assert.equal(q.linearInParameters, true);
  assert.ok(Math.abs(model.cutoff - 4.1) < 1e-12);
});

test('unsupported or inconsistent specs are user errors', () => {
  assert.throws(() => compileSnap(makeSpec({ chemflag: true })), /chemflag is not supported/);
  const bad = makeSpec({});
  bad.coefficients[1] = bad.coefficients[1]!.slice(1);
  assert.throws(() => compileSnap(bad), /Nb has 14 coefficients, expected 15/);
  const model = compileSnap(makeSpec({}));
  const cu: Structure = { species: Int32Array.of(29), positions: new Float64Array(3), cell: new Float64Array(9), pbc: [false, false, false] };
  assert.throws(() => evaluateStructure(model, cu, {}), /atom 0 is Cu/);
});
