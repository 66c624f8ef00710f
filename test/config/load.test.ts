import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../src/core/errors.ts';
import { loadConfig, loadData } from '../../src/config/load.ts';
import { writeExtxyz } from '../../src/io/extxyz.ts';
import { bulk } from '../../src/structure/builders.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

/** A config directory with one small data file holding Cu and Ni. */
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pesfit-config-'));
  const s = bulk('fcc', ['Cu'], 3.6);
  const species = Int32Array.of(29, 29, 29, 28);
  writeExtxyz(join(d, 'cuni.xyz'), [{
    structure: { ...s, species }, labels: { energy: -10, forces: new Float64Array(12) }, group: 'bulk', weight: 1,
    source: { file: 'x', frame: 0 }, info: {},
  }]);
  return d;
}

const MODEL = `model:
  kind: morse
  elements: [Cu, Ni]
  cutoff: 5.0
  params: {D0: 0.3, alpha: 1.4, r0: 2.8}
`;

function write(d: string, text: string): string {
  const p = join(d, 'fit.yaml');
  writeFileSync(p, text);
  return p;
}

function expectConfigError(fn: () => unknown, keyPath: string, file: string, detail?: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.equal(e.keyPath, keyPath);
    assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
    if (detail) assert.match(e.message, detail);
    return true;
  });
}

test('a valid config resolves paths against its directory and fills defaults', () => {
  const d = dir();
  const cfg = loadConfig(write(d, `data: {train: [cuni.xyz]}\n${MODEL}output: {dir: results}\n`));
  assert.equal(cfg.data.train[0].path, join(d, 'cuni.xyz'));
  assert.equal(cfg.output.dir, join(d, 'results'));
  assert.equal(cfg.objective.sigma, 'auto');
  assert.equal(cfg.objective.energyOffset, 'per-species');
  assert.equal(cfg.solver.method, 'auto');
  assert.equal(cfg.model.kind, 'morse');
  assert.deepEqual(Object.keys((cfg.model as { pairs: object }).pairs), ['Cu-Cu', 'Cu-Ni', 'Ni-Ni']);
  assert.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.objective));
  assert.equal(loadData(cfg).train.length, 1);
});

test('an unknown key names its key path and the file', () => {
  const d = dir();
  const p = write(d, `data: {train: [cuni.xyz]}\n${MODEL}objective:\n  sigmaa: auto\n`);
  expectConfigError(() => loadConfig(p), 'objective.sigmaa', p, /unknown key/);
});

test('a wrong type names its key path and the file', () => {
  const d = dir();
  const p1 = write(d, `data: {train: [cuni.xyz]}\n${MODEL}solver: {max_iterations: many}\n`);
  expectConfigError(() => loadConfig(p1), 'solver.max_iterations', p1, /number/);
  const p2 = write(d, `data: {train: [cuni.xyz]}\n${MODEL}objective: {sigma: {energy: small}}\n`);
  expectConfigError(() => loadConfig(p2), 'objective.sigma.energy', p2, /number/);
  const p3 = write(d, `data: {train: [cuni.xyz]}\nmodel: {kind: morse, elements: [Cu, Ni], cutoff: 5, params: {D0: 0.3, alpha: x, r0: 2.8}}\n`);
  expectConfigError(() => loadConfig(p3), 'model.params.alpha', p3);
});

test('a missing data file fails fast naming the key', () => {
  const d = dir();
  const p = write(d, `data:\n  train: [cuni.xyz]\n  test: [{path: nothere.xyz}]\n${MODEL}`);
  expectConfigError(() => loadConfig(p), 'data.test.0.path', p, /no such file/);
});

test('elements of the data missing from the model, and model elements absent from the data, are errors', () => {
  const d = dir();
  const p1 = write(d, `data: {train: [cuni.xyz]}\nmodel: {kind: morse, elements: [Cu], cutoff: 5, params: {D0: 0.3, alpha: 1.4, r0: 2.8}}\n`);
  expectConfigError(() => loadData(loadConfig(p1)), 'model.elements', p1, /Ni/);
  const p2 = write(d, `data: {train: [cuni.xyz]}\nmodel: {kind: morse, elements: [Cu, Ni, Al], cutoff: 5, params: {D0: 0.3, alpha: 1.4, r0: 2.8}}\n`);
  expectConfigError(() => loadData(loadConfig(p2)), 'model.elements', p2, /Al does not occur/);
});

test('model sections map onto specs: pair-spline knots, eam-spline defaults, from_lammps', () => {
  const d = dir();
  const ps = loadConfig(write(d, `data: {train: [cuni.xyz]}\nmodel: {kind: pair-spline, elements: [Cu, Ni], cutoff: 5, params: {knots: {start: 2, count: 7}}}\n`));
  assert.deepEqual((ps.model as { pairs: Record<string, { knots: number[] }> }).pairs['Cu-Ni'].knots, [2, 2.5, 3, 3.5, 4, 4.5, 5]);
  const eam = loadConfig(write(d, `data: {train: [cuni.xyz]}\nmodel:\n  kind: eam-spline\n  elements: [Cu, Ni]\n  cutoff: 5\n  params:\n    F: {knots: {start: 0, stop: 2, count: 5}}\n    rho: {knots: {start: 2, count: 6}}\n    phi: {knots: [2, 3, 4, 5]}\n`));
  const spec = eam.model as { F: { values: number[] }[]; rho: { knots: number[]; values: number[] }[]; phi: unknown[] };
  assert.equal(spec.F.length, 2);
  assert.equal(spec.phi.length, 3);
  assert.equal(spec.rho[0].values.length, 5);
  assert.equal(spec.rho[0].knots.at(-1), 5);
  const bad = write(d, `data: {train: [cuni.xyz]}\nmodel: {kind: eam-spline, elements: [Cu], cutoff: 5, params: {F: {knots: [0, 1, 2]}, rho: {knots: [2, 3, 4]}, phi: {knots: [2, 3, 5]}}}\n`);
  expectConfigError(() => loadConfig(bad), 'model.params.rho.knots', bad, /last knot must be the cutoff/);
  const missing = write(d, `data: {train: [cuni.xyz]}\nmodel: {from_lammps: nothere.eam.alloy, style: eam/alloy, elements: [Cu]}\n`);
  expectConfigError(() => loadConfig(missing), 'model.from_lammps', missing, /no such file/);
});

test('YAML syntax errors name the file and line', () => {
  const d = dir();
  const p = write(d, `data: {train: [cuni.xyz]\nmodel: x\n`);
  assert.throws(() => loadConfig(p), (e: unknown) => e instanceof ConfigError && e.message.includes(p) && /YAML/.test(e.message));
});

test('kind snap maps params onto a SnapSpec with LAMMPS defaults and a derived cutoff', () => {
  const d = dir();
  const head = 'data:\n  train: [cuni.xyz]\nmodel:\n  kind: snap\n  elements: [Cu, Ni]\n';
  const cfg = loadConfig(write(d, head + '  params: {twojmax: 4, rcutfac: 4.0, radelem: {Cu: 0.5, Ni: 0.6}, quadratic: true}\n'));
  const spec = cfg.model as import('../../src/potentials/snap/spec.ts').SnapSpec;
  assert.equal(spec.kind, 'snap');
  assert.equal(spec.cutoff, 4.0 * 1.2);
  assert.deepEqual(spec.radelem, [0.5, 0.6]);
  assert.deepEqual(spec.wj, [1, 1]);
  assert.equal(spec.rfac0, 0.99363);
  assert.equal(spec.rmin0, 0);
  assert.ok(spec.switchflag && spec.bzeroflag && !spec.wselfallflag && !spec.bnormflag && spec.quadratic);
  // 2J = 4: K = 14 bispectrum components; quadratic: 1 + 14 + 14·15/2 = 120 coefficients per element, all 0
  assert.deepEqual(spec.coefficients.map((c) => c.length), [120, 120]);
  assert.ok(spec.coefficients.every((c) => c.every((x) => x === 0)));
  const p = join(d, 'fit.yaml');
  expectConfigError(() => loadConfig(write(d, head + '  params: {twojmax: 4, rcutfac: 4.0, radelem: {Cu: 0.5, Fe: 0.5}}\n')), 'model.params.radelem.Fe', p);
  expectConfigError(() => loadConfig(write(d, head + '  params: {twojmax: 4, rcutfac: 4.0, radelem: {Cu: 0.5}}\n')), 'model.params.radelem', p, /Ni/);
  expectConfigError(() => loadConfig(write(d, head + '  cutoff: 5.0\n  params: {twojmax: 4, rcutfac: 4.0}\n')), 'model.cutoff', p, /4/);
  expectConfigError(() => loadConfig(write(d, head + '  params: {rcutfac: 4.0}\n')), 'model.params.twojmax', p);
  expectConfigError(() => loadConfig(write(d, head + '  params: {twojmax: 4, rcutfac: 4.0, chemflag: true}\n')), 'model.params.chemflag', p);
});

test('from_lammps style snap: a [snapcoeff, snapparam] pair, a plain .snap include and a zbl + snap include', { skip: skipUnless(existsSync(join(LAMMPS_POTENTIALS, 'Ta06A.snap')) && existsSync(join(LAMMPS_POTENTIALS, 'Mo_Zuo_JPCA2020.snap')), 'SNAP files of lammps-data') }, () => {
  const d = dir();
  const pot = (f: string): string => join(LAMMPS_POTENTIALS, f);
  const head = 'data: {train: [cuni.xyz]}\nmodel:\n  style: snap\n';
  // the Zuo et al. 2020 Mo files: 2J = 6 (30 bispectrum components + β0 = the file's 31), rcutfac 4.6, radelem 0.5
  const pair = loadConfig(write(d, `${head}  elements: [Mo]\n  from_lammps: [${pot('Mo_Zuo_JPCA2020.snapcoeff')}, ${pot('Mo_Zuo_JPCA2020.snapparam')}]\n`)).model;
  assert.ok(pair.kind === 'snap');
  assert.equal(pair.twojmax, 6);
  assert.equal(pair.cutoff, 4.6 * (0.5 + 0.5));
  assert.equal(pair.coefficients[0].length, 31);
  assert.equal(pair.coefficients[0][0], -17.762702673549285);
  assert.equal(pair.bzeroflag, false);
  const include = loadConfig(write(d, `${head}  elements: [Mo]\n  from_lammps: ${pot('Mo_Zuo_JPCA2020.snap')}\n`)).model;
  assert.deepEqual(include, pair);
  // Ta06A.snap: pair_style hybrid/overlay zbl 4 4.8 snap, ZBL charges 73 → an overlay of zbl and snap
  const ta = loadConfig(write(d, `${head}  elements: [Ta]\n  from_lammps: ${pot('Ta06A.snap')}\n`)).model;
  assert.ok(ta.kind === 'overlay');
  assert.deepEqual(ta.components.map((c) => c.kind), ['zbl', 'snap']);
  const [zbl, snap] = ta.components;
  assert.ok(zbl.kind === 'zbl' && snap.kind === 'snap');
  assert.equal(zbl.inner, 4);
  assert.equal(zbl.outer, 4.8);
  assert.deepEqual(zbl.z ?? [73], [73]);
  assert.equal(snap.rcutfac, 4.67637);
  assert.equal(ta.cutoff, Math.max(4.8, snap.cutoff));
  // errors name the key: a lone .snapcoeff, a missing second file, a pair for another style, elements the include does not map
  const p = join(d, 'fit.yaml');
  expectConfigError(() => loadConfig(write(d, `${head}  elements: [Mo]\n  from_lammps: ${pot('Mo_Zuo_JPCA2020.snapcoeff')}\n`)), 'model.from_lammps', p, /snapparam/);
  expectConfigError(() => loadConfig(write(d, `${head}  elements: [Mo]\n  from_lammps: [${pot('Mo_Zuo_JPCA2020.snapcoeff')}, nothere.snapparam]\n`)), 'model.from_lammps.1', p, /no such file/);
  expectConfigError(() => loadConfig(write(d, `data: {train: [cuni.xyz]}\nmodel: {style: tersoff, elements: [Si], from_lammps: [${pot('Si.tersoff')}, ${pot('Si.tersoff')}]}\n`)), 'model.from_lammps', p, /one file/);
  expectConfigError(() => loadConfig(write(d, `${head}  elements: [Nb]\n  from_lammps: ${pot('Ta06A.snap')}\n`)), 'model.elements', p, /Ta/);
});
