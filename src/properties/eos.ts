/**
 * Equation of state: an E–V curve of a crystal and its third-order Birch–Murnaghan fit.
 *
 * Birch–Murnaghan (3rd order), η = (V0/V)^{1/3}:
 *   E(V) = E0 + (9 V0 B0 / 16) { [η² − 1]³ B0' + [η² − 1]² [6 − 4η²] }.
 * Written in x = V^{−2/3} it is exactly a cubic polynomial E = p0 + p1 x + p2 x² + p3 x³, so the fit is a linear
 * least-squares fit of that cubic (in a centred, scaled variable for conditioning); V0 is the root of dE/dx = 0
 * nearest the data, and with E_V = dE/dV etc. at V0:  B0 = V0 E_VV,  B0' = −1 − V0 E_VVV / E_VV.
 * Units: V in Å³, E in eV (per atom or per cell, as given), B0 in eV/Å³ (b0GPa via core/units.ts).
 *
 * energyVolumeCurve(model, s, opts) scales the cell isotropically to volumes V/V_s in [1 − range, 1 + range]
 * (linear in volume, `points` of them), relaxes internal coordinates at each volume unless told not to, and returns
 * volumes and energies per atom.
 */
import { UserError } from '../core/errors.ts';
import { GPA_PER_EV_A3 } from '../core/units.ts';
import { deform, volume } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import { relaxPositions, type RelaxStatus } from './relax.ts';

export interface BirchMurnaghanFit {
  e0: number;
  v0: number;
  /** eV/Å³. */
  b0: number;
  b0GPa: number;
  b0Prime: number;
  /** RMS residual of the fit (units of E). */
  rms: number;
}

export function birchMurnaghanEnergy(v: number, p: { e0: number; v0: number; b0: number; b0Prime: number }): number {
  const eta2 = Math.cbrt(p.v0 / v) ** 2;
  const t = eta2 - 1;
  return p.e0 + ((9 * p.v0 * p.b0) / 16) * (t * t * t * p.b0Prime + t * t * (6 - 4 * eta2));
}

/** Solves the small dense system A z = b (n ≤ 4) by Gaussian elimination with partial pivoting. */
function solveSmall(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    if (M[c][c] === 0) throw new UserError('Birch–Murnaghan fit: the volumes do not determine a cubic (too few distinct points)');
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const z = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * z[k];
    z[r] = s / M[r][r];
  }
  return z;
}

export function fitBirchMurnaghan(volumes: ArrayLike<number>, energies: ArrayLike<number>): BirchMurnaghanFit {
  const n = volumes.length;
  if (n !== energies.length) throw new UserError(`Birch–Murnaghan fit: ${n} volumes but ${energies.length} energies`);
  if (n < 5) throw new UserError(`Birch–Murnaghan fit: needs at least 5 points, got ${n}`);
  const xs = Array.from(volumes, (v) => {
    if (!(v > 0)) throw new UserError(`Birch–Murnaghan fit: volume ${v} is not positive`);
    return v ** (-2 / 3);
  });
  const xm = xs.reduce((a, b) => a + b, 0) / n;
  const xsd = Math.sqrt(xs.reduce((a, x) => a + (x - xm) ** 2, 0) / n);
  if (!(xsd > 0)) throw new UserError('Birch–Murnaghan fit: all volumes are equal');
  const ts = xs.map((x) => (x - xm) / xsd);
  // Normal equations of the cubic in t (4x4, well conditioned after centring and scaling).
  const A = [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => ts.reduce((a, t) => a + t ** (i + j), 0)));
  const b = [0, 1, 2, 3].map((i) => ts.reduce((a, t, k) => a + t ** i * energies[k], 0));
  const q = solveSmall(A, b);
  // dE/dt = q1 + 2 q2 t + 3 q3 t²: the minimum is the root with positive curvature nearest t = 0.
  const roots: number[] = [];
  if (Math.abs(q[3]) < 1e-300) roots.push(-q[1] / (2 * q[2]));
  else {
    const disc = 4 * q[2] * q[2] - 12 * q[3] * q[1];
    if (disc < 0) throw new UserError('Birch–Murnaghan fit: the E(V) data have no minimum');
    const sq = Math.sqrt(disc);
    // Numerically stable pair of roots of 3 q3 t² + 2 q2 t + q1.
    const w = -(2 * q[2] + Math.sign(q[2] || 1) * sq) / 2;
    roots.push(w / (3 * q[3]), q[1] / w);
  }
  const curv = (t: number) => 2 * q[2] + 6 * q[3] * t;
  const good = roots.filter((t) => Number.isFinite(t) && curv(t) > 0).sort((a, c) => Math.abs(a) - Math.abs(c));
  if (good.length === 0) throw new UserError('Birch–Murnaghan fit: the E(V) data have no minimum');
  const t0 = good[0];
  const x0 = xm + xsd * t0;
  if (!(x0 > 0)) throw new UserError('Birch–Murnaghan fit: the fitted minimum is at a non-physical volume');
  const v0 = x0 ** -1.5;
  const e0 = q[0] + q[1] * t0 + q[2] * t0 * t0 + q[3] * t0 ** 3;
  // Derivatives in x at x0 (E_x = 0 there).
  const exx = (2 * q[2] + 6 * q[3] * t0) / (xsd * xsd);
  const exxx = (6 * q[3]) / (xsd * xsd * xsd);
  const xv = (-2 / 3) * v0 ** (-5 / 3);
  const xvv = (10 / 9) * v0 ** (-8 / 3);
  const evv = exx * xv * xv;
  const evvv = exxx * xv ** 3 + 3 * exx * xv * xvv;
  const b0 = v0 * evv;
  const b0Prime = -1 - (v0 * evvv) / evv;
  let ss = 0;
  for (let k = 0; k < n; k++) {
    const t = ts[k];
    ss += (q[0] + q[1] * t + q[2] * t * t + q[3] * t ** 3 - energies[k]) ** 2;
  }
  return { e0, v0, b0, b0GPa: b0 * GPA_PER_EV_A3, b0Prime, rms: Math.sqrt(ss / n) };
}

export interface EosOptions {
  /** Number of volumes, default 11. */
  points?: number;
  /** Half-width of the volume range as a fraction of V, default 0.06. */
  range?: number;
  /** Relax internal coordinates at each volume (default true). */
  relaxIons?: boolean;
  fmax?: number;
}

export interface EnergyVolumeCurve {
  /** Å³ per atom. */
  volumes: Float64Array;
  /** eV per atom. */
  energies: Float64Array;
  /** Worst relaxation status over the volumes ('converged' when not relaxing). */
  status: RelaxStatus;
  fit: BirchMurnaghanFit;
}

export function energyVolumeCurve(model: CompiledModel, s: Structure, opts: EosOptions = {}): EnergyVolumeCurve {
  const points = opts.points ?? 11;
  const range = opts.range ?? 0.06;
  if (!(range > 0 && range < 0.5)) throw new UserError(`E–V curve: range must be in (0, 0.5), got ${range}`);
  const n = s.species.length;
  const v = volume(s);
  const volumes = new Float64Array(points), energies = new Float64Array(points);
  let status: RelaxStatus = 'converged';
  for (let k = 0; k < points; k++) {
    const ratio = 1 - range + (2 * range * k) / (points - 1);
    const f = Math.cbrt(ratio) - 1;
    let st = deform(s, [f, 0, 0, 0, f, 0, 0, 0, f]);
    let e: number;
    if (opts.relaxIons ?? true) {
      const r = relaxPositions(model, st, { fmax: opts.fmax ?? 1e-6 });
      if (r.status !== 'converged') status = r.status;
      st = r.structure;
      e = r.energy;
    } else e = evaluateStructure(model, st, {}).energy;
    volumes[k] = (v * ratio) / n;
    energies[k] = e / n;
  }
  return { volumes, energies, status, fit: fitBirchMurnaghan(volumes, energies) };
}
