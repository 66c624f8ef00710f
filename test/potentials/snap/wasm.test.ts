/**
 * SNAP's WASM kernels (native/wasm/snap_kernels.c via src/potentials/snap/wasm.ts) against the pure-TS kernels of
 * sna.ts, the independent reference here: same design rows (energy, force and virial rows, B_i) and the same
 * adjoint energy, forces and virial, to 1e-12 relative to each array's largest entry (they are built to agree bit
 * for bit). Cases: Ta06A (2J=6) bcc and Zuo Si (2J=8, linear and quadratic) diamond, as LAMMPS and bench:snap
 * run them; a two-element spec with bnormflag and rmin0; and a non-periodic cluster with a long cutoff, where
 * the neighbor count varies from atom to atom past the kernels' initial capacity (the WASM memory grows mid-
 * structure). Odd neighbor counts occur in all of them (the last pair has one neighbor).
 * Skipped with a notice when native/build/snap_kernels.wasm is not built (or PESFIT_SNAP_WASM=0); fails instead
 * with PESFIT_REQUIRE_EXTERNAL=1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createRng } from '../../../src/core/random.ts';
import { readSnapFiles } from '../../../src/io/lammps-snap.ts';
import { buildNeighborList } from '../../../src/neighbors/index.ts';
import { SnapEngine, snapCutoff } from '../../../src/potentials/snap/engine.ts';
import { snapColumnCount, type SnapSpec } from '../../../src/potentials/snap/spec.ts';
import { Sna } from '../../../src/potentials/snap/sna.ts';
import { snapWasmAvailable } from '../../../src/potentials/snap/wasm.ts';
import { bulk, rattle, supercell } from '../../../src/structure/builders.ts';
import type { Structure } from '../../../src/structure/types.ts';
import { LAMMPS_POTENTIALS, ROOT, skipUnless } from '../../helpers/external.ts';

const skip = skipUnless(snapWasmAvailable(), 'SNAP WASM kernels (npm run build:wasm)');

/** max |a − b| / max |b| (0 when b is all zero and a equals it). */
function relErr(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let k = 0; k < a.length; k++) {
    d = Math.max(d, Math.abs(a[k]! - b[k]!));
    m = Math.max(m, Math.abs(b[k]!));
  }
  return m === 0 ? d : d / m;
}

function withCoefficients(spec: SnapSpec, seed: number): SnapSpec {
  const rng = createRng(seed);
  const s = { ...spec };
  s.coefficients = spec.elements.map(() => Array.from({ length: snapColumnCount(s) }, () => rng.normal(0, 0.05)));
  return s;
}

/** A rattled non-periodic cluster: surface atoms have far fewer neighbors than inner ones. */
function cluster(): Structure {
  const s = rattle(supercell(bulk('bcc', ['Mo', 'Nb'], 3.2), [3, 3, 3]), 0.1, createRng(5));
  return { ...s, pbc: [false, false, false] };
}

interface Case {
  name: string;
  spec: () => SnapSpec;
  structure: () => Structure;
}
const twoElements: SnapSpec = {
  kind: 'snap', elements: ['Mo', 'Nb'], cutoff: 0, twojmax: 6, rcutfac: 4.1, rfac0: 0.99363, rmin0: 0.3,
  radelem: [0.5, 0.42], wj: [1, 0.73], switchflag: true, bzeroflag: false, quadratic: true, wselfallflag: false,
  chemflag: false, bnormflag: true, coefficients: [],
};
const CASES: Case[] = [
  {
    name: 'Ta06A (2J=6), bcc 3x3x3',
    spec: () => readSnapFiles(join(LAMMPS_POTENTIALS, 'Ta06A.snapcoeff'), join(LAMMPS_POTENTIALS, 'Ta06A.snapparam')),
    structure: () => rattle(supercell(bulk('bcc', ['Ta'], 3.316), [3, 3, 3]), 0.05, createRng(1)),
  },
  {
    name: 'Zuo Si (2J=8), diamond 2x2x2',
    spec: () => readSnapFiles(join(LAMMPS_POTENTIALS, 'Si_Zuo_JPCA2020.snapcoeff'), join(LAMMPS_POTENTIALS, 'Si_Zuo_JPCA2020.snapparam')),
    structure: () => rattle(supercell(bulk('diamond', ['Si'], 5.43), [2, 2, 2]), 0.05, createRng(2)),
  },
  {
    name: 'Zuo Si quadratic (2J=8), diamond 1x1x1',
    spec: () =>
      readSnapFiles(
        join(LAMMPS_POTENTIALS, 'Si_Zuo_JPCA2020.quadratic.snapcoeff'),
        join(LAMMPS_POTENTIALS, 'Si_Zuo_JPCA2020.quadratic.snapparam'),
      ),
    structure: () => rattle(bulk('diamond', ['Si'], 5.43), 0.08, createRng(3)),
  },
  { name: 'Mo/Nb quadratic 2J=6, bnormflag, rmin0 0.3', spec: () => withCoefficients(twoElements, 11), structure: () => rattle(supercell(bulk('bcc', ['Mo', 'Nb'], 3.2), [2, 2, 2]), 0.12, createRng(4)) },
  {
    name: 'Mo/Nb cluster, 2J=4, cutoff 7.4 Å (neighbor counts 8 to 50+)',
    spec: () => withCoefficients({ ...twoElements, twojmax: 4, rcutfac: 7.4, quadratic: false, bnormflag: false, rmin0: 0 }, 12),
    structure: cluster,
  },
];

const TOL = 1e-12;

for (const c of CASES) {
  test(`WASM kernels equal the TS kernels: ${c.name}`, { skip }, () => {
    const spec = c.spec();
    const full = { ...spec, cutoff: snapCutoff(spec) };
    const wasm = new SnapEngine(full, { wasm: true });
    const ts = new SnapEngine(full, { wasm: false });
    assert.ok(wasm.usesWasm && !ts.usesWasm);
    const s = c.structure();
    const nl = buildNeighborList(s, wasm.cutoff, { half: false });
    const coef = Float64Array.from(spec.coefficients.flat());

    const rw = wasm.designRows(s, nl);
    const rt = ts.designRows(s, nl);
    const errs: Record<string, number> = {
      descriptors: relErr(rw.descriptors, rt.descriptors),
      energyRows: relErr(rw.energy, rt.energy),
      forceRows: relErr(rw.forces, rt.forces),
      virialRows: relErr(rw.virial, rt.virial),
    };
    const aw = wasm.evaluate(s, nl, coef, true, true);
    const at = ts.evaluate(s, nl, coef, true, true);
    errs.energy = Math.abs(aw.energy - at.energy) / Math.abs(at.energy);
    errs.atomEnergies = relErr(aw.atomEnergies, at.atomEnergies);
    errs.forces = relErr(aw.forces!, at.forces!);
    errs.virial = relErr(aw.virial!, at.virial!);
    for (const [k, e] of Object.entries(errs)) assert.ok(e <= TOL, `${k}: relative difference ${e}`);
    // the rows are not trivially zero: forces of the adjoint are O(0.1-10) eV/Å
    assert.ok(at.forces!.some((f) => Math.abs(f) > 1e-3));
  });
}

test('cluster neighbor counts span the WASM initial capacity (the growth path is exercised)', { skip }, () => {
  const c = CASES[CASES.length - 1]!;
  const spec = c.spec();
  const s = c.structure();
  const nl = buildNeighborList(s, snapCutoff(spec), { half: false });
  let lo = Infinity;
  let hi = 0;
  for (let i = 0; i < s.species.length; i++) {
    const k = nl.start[i + 1]! - nl.start[i]!;
    lo = Math.min(lo, k);
    hi = Math.max(hi, k);
  }
  assert.ok(lo < 32 && hi > 40, `neighbor counts ${lo}..${hi}`);
});

test('wasm: false and PESFIT_SNAP_WASM=0 fall back to the TS kernels; wasm: true without the module is an error', () => {
  const spec = withCoefficients({ ...twoElements, twojmax: 2 }, 1);
  const full = { ...spec, cutoff: snapCutoff(spec) };
  assert.equal(new SnapEngine(full, { wasm: false }).usesWasm, false);
  assert.equal(new SnapEngine(full).usesWasm, snapWasmAvailable());
  if (!snapWasmAvailable()) assert.throws(() => new SnapEngine(full, { wasm: true }), /WASM kernels were required/);
  // the module is loaded once per thread, so the environment switch is checked in a fresh process
  const script = [
    `import { SnapEngine } from ${JSON.stringify(join(ROOT, 'src/potentials/snap/engine.ts'))};`,
    `const spec = ${JSON.stringify(full)};`,
    'const e = new SnapEngine(spec);',
    'let required = "no error";',
    'try { new SnapEngine(spec, { wasm: true }); } catch (err) { required = String(err); }',
    'console.log(JSON.stringify({ uses: e.usesWasm, required }));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, PESFIT_SNAP_WASM: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { uses: boolean; required: string };
  assert.equal(out.uses, false);
  assert.match(out.required, /WASM kernels were required/);
});

test('Sna pair kernels: 200 neighbors after 3 (the WASM memory grows past its first layout) equal the TS ones', { skip }, () => {
  const opts = { twojmax: 8, rfac0: 0.99363, rmin0: 0, switchflag: true, bzeroflag: true, bnormflag: false };
  const w = new Sna({ ...opts, wasm: true });
  const t = new Sna({ ...opts, wasm: false });
  const rng = createRng(9);
  const beta = Float64Array.from({ length: t.nB }, () => rng.normal(0, 1));
  let worst = 0;
  for (const n of [3, 200, 7]) {
    for (const sna of [w, t]) sna.clear();
    for (let m = 0; m < n; m++) {
      // points in a shell 1.5..4.5 Å, cutoff 4.9 Å, weights 0.5..1.5
      const r = 1.5 + 3 * rng.float();
      const u = 2 * rng.float() - 1;
      const ph = 2 * Math.PI * rng.float();
      const q = Math.sqrt(1 - u * u);
      const wj = 0.5 + rng.float();
      for (const sna of [w, t]) sna.add(r * q * Math.cos(ph), r * q * Math.sin(ph), r * u, 4.9, wj);
    }
    for (const sna of [w, t]) {
      sna.computeUi();
      sna.computeZi();
      sna.computeBi();
      sna.prepareDbidrj();
      sna.computeYi(beta);
    }
    worst = Math.max(worst, relErr(w.utotR, t.utotR), relErr(w.utotI, t.utotI), relErr(w.b, t.b));
    for (let m = 0; m < n; m += 2) {
      const lanes = Math.min(2, n - m);
      const dw = w.computeDbidrjPair(m);
      const dt = t.computeDbidrjPair(m);
      for (let k = 0; k < 3 * t.nB; k++)
        for (let lane = 0; lane < lanes; lane++) worst = Math.max(worst, Math.abs(dw[2 * k + lane]! - dt[2 * k + lane]!) / (1 + Math.abs(dt[2 * k + lane]!)));
      const ew = w.computeDeidrjPair(m);
      const et = t.computeDeidrjPair(m);
      for (let c = 0; c < 3; c++)
        for (let lane = 0; lane < lanes; lane++) worst = Math.max(worst, Math.abs(ew[2 * c + lane]! - et[2 * c + lane]!) / (1 + Math.abs(et[2 * c + lane]!)));
    }
  }
  assert.ok(worst <= TOL, `largest difference ${worst}`);
});
