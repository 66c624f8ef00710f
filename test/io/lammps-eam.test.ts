// LAMMPS EAM file reading/writing: round trips, LAMMPS's funcfl re-gridding, located parse errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ParseError } from '../../src/core/errors.ts';
import {
  funcflToSpec, parseFuncfl, parseSetfl, readFuncfl, readSetfl, setflToSpec, specToFuncfl, specToSetfl, writeFuncfl,
  writeSetfl,
} from '../../src/io/lammps-eam.ts';
import { UserError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { bulk, rattle, supercell } from '../../src/structure/builders.ts';
import { LAMMPS_POTENTIALS, hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';

const POT = (f: string): string => join(LAMMPS_POTENTIALS, f);

test('funcfl, setfl and eam/fs files survive write → read bit for bit', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, () => {
  const u3 = readFuncfl(POT('Cu_u3.eam'));
  assert.equal(u3.header.z, 29);
  assert.equal(u3.nrho, 500);
  assert.equal(u3.nr, 500);
  assert.deepEqual(parseFuncfl(writeFuncfl(u3), 'x'), { ...u3, comment: u3.comment });
  for (const [f, style] of [['CuNi.eam.alloy', 'eam/alloy'], ['AlFe_mm.eam.fs', 'eam/fs']] as const) {
    const a = readSetfl(POT(f), style);
    const b = parseSetfl(writeSetfl(a), 'x', style);
    assert.deepEqual(b.elements, a.elements);
    assert.equal(b.rho.length, style === 'eam/fs' ? 4 : 2);
    assert.deepEqual(b.F, a.F);
    assert.deepEqual(b.rho, a.rho);
    assert.deepEqual(b.rphi, a.rphi);
    assert.deepEqual(setflToSpec(parseSetfl(writeSetfl(specToSetfl(setflToSpec(a))), 'y', style)), setflToSpec(a));
  }
});

test('funcfl conversion follows LAMMPS: one grid point fewer, values kept at the nodes, r·phi = 27.2·0.529·Z²', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, () => {
  const u3 = readFuncfl(POT('Cu_u3.eam'));
  const spec = funcflToSpec([u3]);
  assert.equal(spec.nr, u3.nr - 1);
  assert.equal(spec.nrho, u3.nrho - 1);
  assert.equal(spec.rhomax, (u3.nrho - 1) * u3.drho);
  for (const m of [3, 100, 250, 497]) {
    // Lagrange interpolation at a node returns the node value (up to rounding of (m·dr)/dr)
    assert.ok(Math.abs(spec.rho[0][m] - u3.rho[m]) <= 1e-12 * Math.max(1, Math.abs(u3.rho[m])));
    assert.ok(Math.abs(spec.rphi[0][m] - 27.2 * 0.529 * u3.Z[m] * u3.Z[m]) <= 1e-12 * Math.max(1, Math.abs(spec.rphi[0][m])));
  }
});

test('parse errors name the file, the line and what was expected', () => {
  const text = 'comment\n29 63.55 3.615 FCC\n5 0.1 5 0.5 2.0\n1 2 3 4 5\n1 2 x 4 5\n';
  assert.throws(() => parseFuncfl(text, 'bad.eam'), (e: unknown) => e instanceof ParseError && /bad\.eam:5/.test(e.message) && /"x"/.test(e.message));
  assert.throws(() => parseFuncfl('c\n29 63.55\n5 0.1 5\n', 'short.eam'), (e: unknown) => e instanceof ParseError && /nrho drho nr dr cutoff/.test(e.message));
  assert.throws(
    () => parseSetfl('a\nb\nc\n1 Cu\n5 0.1 5 0.5 2.0\n29 63.55 3.6 fcc\n1 2 3 4 5\n1 2 3\n', 'trunc.eam.alloy', 'eam/alloy'),
    (e: unknown) => e instanceof ParseError && /end of file/.test(e.message),
  );
});

test('funcfl written from a funcfl-derived spec: reading it back gives the same LAMMPS tables', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, () => {
  const spec = funcflToSpec([readFuncfl(POT('Cu_u3.eam'))]);
  const text = writeFuncfl(specToFuncfl(spec));
  const back = funcflToSpec([parseFuncfl(text, 'written.eam')]);
  assert.equal(back.nr, spec.nr);
  assert.equal(back.nrho, spec.nrho);
  assert.equal(back.rhomax, spec.rhomax);
  assert.equal(back.cutoff, spec.cutoff);
  assert.deepEqual(back.masses, spec.masses);
  let worst = 0;
  const rel = (a: number, b: number): number => Math.abs(a - b) / Math.max(1, Math.abs(b));
  for (const [t0, t1] of [[spec.F[0], back.F[0]], [spec.rho[0], back.rho[0]], [spec.rphi[0], back.rphi[0]]]) {
    for (let m = 0; m < t0.length; m++) worst = Math.max(worst, rel(t1[m], t0[m]));
  }
  // sqrt then square of r·phi, and LAMMPS's Lagrange weights at the nodes: a few ulps
  assert.ok(worst < 1e-13, `largest relative table difference ${worst}`);
});

test('funcfl writer refuses what a funcfl cannot hold', () => {
  const base = {
    kind: 'eam-table' as const, style: 'eam' as const, elements: ['Cu'], cutoff: 4, masses: [63.5], nrho: 5, drho: 1, nr: 5,
    dr: 1, rhomax: 5, F: [[0, 1, 2, 3, 4]], rho: [[5, 4, 3, 2, 1]], rphi: [[1, 1, -1, 0, 0]],
  };
  assert.throws(() => specToFuncfl(base), (e: unknown) => e instanceof UserError && /r·phi = -1/.test(e.message));
  assert.throws(() => specToFuncfl({ ...base, elements: ['Cu', 'Ni'] }), UserError);
});

test('LAMMPS gives the same energies and forces with the written funcfl as with Cu_u3.eam', { skip: skipUnless(hasLammps(), 'lmp') }, () => {
  const spec = funcflToSpec([readFuncfl(POT('Cu_u3.eam'))]);
  const written = writeFuncfl(specToFuncfl(spec));
  const s = rattle(supercell(bulk('fcc', ['Cu'], 3.615), [2, 2, 2]), 0.1, createRng(7));
  const run = (file: string, files: Record<string, string>) =>
    runLammps({ structure: s, elements: ['Cu'], pairStyle: 'eam', pairCoeff: [`1 1 ${file}`], files });
  const a = run(POT('Cu_u3.eam'), {});
  const b = run('written.eam', { 'written.eam': written });
  assert.ok(Math.abs(a.energy - b.energy) <= 1e-10 * Math.abs(a.energy), `energies ${a.energy} vs ${b.energy}`);
  let df = 0;
  for (let k = 0; k < a.forces.length; k++) df = Math.max(df, Math.abs(a.forces[k] - b.forces[k]));
  assert.ok(df < 1e-10, `largest force difference ${df} eV/Å`);
});
