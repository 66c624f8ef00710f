/**
 * Data checks of a Dataset: a summary table per group and warnings for data that look wrong.
 *
 * Warnings (each names the configuration by file and frame):
 * - short-distance: an interatomic distance below SHORT_ABS Å, or below SHORT_REL × the data set's median of the
 *   per-configuration minimum distance for the same species pair.
 * - net-force: |Σ_i F_i| above NET_FORCE_ABS eV/Å and above NET_FORCE_REL × Σ_i |F_i| (DFT forces of a periodic
 *   cell sum to ~0; a large net force means wrong units, wrong atom order, or a non-periodic cluster in a field).
 * - duplicate: configurations with the same cell and the same atoms (species and wrapped fractional positions, in any
 *   order) within DUP_TOL. Symmetry-equivalent structures in other orientations (e.g. shear strains xy vs yz) are NOT
 *   duplicates: their stresses differ by a permutation and they carry information.
 * - stress-sign / stress-unit: thermodynamic consistency of energies and stresses between pairs of configurations
 *   related by a small homogeneous strain ε (same atoms, same fractional coordinates within DISP_TOL Å):
 *   E_2 − E_1 ≈ ½ (V_1 σ_1 + V_2 σ_2) : ε (ASE sign). The least-squares ratio k of measured to predicted
 *   energy differences is ≈ 1 for consistent data, ≈ −1 for a flipped sign, ≈ 1/1602 for kbar labelled eV/Å³.
 *   Without such pairs, a group whose pressure rises with volume is flagged instead. Stresses larger than
 *   STRESS_MAX eV/Å³ (~320 GPa) are flagged as a likely unit error.
 * - energy-outlier: an isolated per-atom energy (after removing per-species reference energies fitted by least
 *   squares): more than OUTLIER_Z robust standard deviations (MAD) from its group's median, more than OUTLIER_ABS
 *   eV/atom away, and separated from the nearest other energy of its group by more than OUTLIER_GAP_Z robust standard
 *   deviations. Groups are often multimodal (e.g. relaxed and hot snapshots): a cluster is not an outlier.
 */
import { inv3, mul3 } from '../core/mat3.ts';
import { symbolOf } from '../core/elements.ts';
import { GPA_PER_EV_A3, KBAR_PER_EV_A3 } from '../core/units.ts';
import { buildNeighborList } from '../neighbors/index.ts';
import { fractional, isFullyPeriodic, volume } from '../structure/cell.ts';
import type { Configuration, Dataset } from '../structure/types.ts';

export const SHORT_ABS = 0.5;
export const SHORT_REL = 0.7;
export const NET_FORCE_ABS = 0.05;
export const NET_FORCE_REL = 0.05;
/** Largest atomic displacement (Å, at fixed fractional coordinates) for two configurations to count as one
 * arrangement under strain: thermal displacements of ~0.1 Å change energies far more than the strain work. */
export const DISP_TOL = 0.03;
export const STRAIN_MAX = 0.05;
export const STRESS_MAX = 2.0;
export const OUTLIER_Z = 10;
export const OUTLIER_ABS = 0.2;
export const OUTLIER_GAP_Z = 10;
/** Tolerance (Å for the cell, fractional for positions) of the duplicate test. */
export const DUP_TOL = 1e-4;
/** Radius (Å) within which distances are collected for the minimum-distance and duplicate checks. */
export const DISTANCE_RANGE = 4.0;

export type WarningKind = 'short-distance' | 'net-force' | 'duplicate' | 'stress-sign' | 'stress-unit' | 'energy-outlier' | 'missing-labels';

export interface DataWarning {
  kind: WarningKind;
  message: string;
  /** Configurations concerned, as "file#frame". */
  where: string[];
}

export interface Range {
  min: number;
  max: number;
}

export interface GroupSummary {
  group: string;
  configs: number;
  atoms: number;
  species: string[];
  energyPerAtom?: Range;
  /** Range of force components (eV/Å). */
  force?: Range;
  /** Range of trusted stress components (eV/Å³, ASE sign). */
  stress?: Range;
  withEnergy: number;
  withForces: number;
  withStress: number;
}

export interface StressConsistency {
  pairs: number;
  /** Least-squares ratio of measured to predicted energy differences (≈ 1 when consistent). */
  ratio: number;
}

export interface DataCheckReport {
  groups: GroupSummary[];
  total: GroupSummary;
  warnings: DataWarning[];
  stressConsistency?: StressConsistency;
}

export function configName(c: Configuration): string {
  return `${c.source.file}#${c.source.frame}`;
}

function extend(r: Range | undefined, v: number): Range {
  if (!r) return { min: v, max: v };
  if (v < r.min) r.min = v;
  if (v > r.max) r.max = v;
  return r;
}

function summarise(group: string, configs: Configuration[]): GroupSummary {
  const species = new Set<number>();
  const s: GroupSummary = { group, configs: configs.length, atoms: 0, species: [], withEnergy: 0, withForces: 0, withStress: 0 };
  for (const c of configs) {
    const n = c.structure.species.length;
    s.atoms += n;
    for (const z of c.structure.species) species.add(z);
    const L = c.labels;
    if (L.energy !== undefined) {
      s.withEnergy++;
      s.energyPerAtom = extend(s.energyPerAtom, L.energy / n);
    }
    if (L.forces) {
      s.withForces++;
      for (const f of L.forces) s.force = extend(s.force, f);
    }
    if (L.stress) {
      s.withStress++;
      for (let k = 0; k < 6; k++) if (!L.stressMask || L.stressMask[k]) s.stress = extend(s.stress, L.stress[k]);
    }
  }
  s.species = [...species].sort((a, b) => a - b).map(symbolOf);
  return s;
}

/** Composition key such as "Mo54" or "Ga32N32". */
export function compositionKey(species: Int32Array): string {
  const counts = new Map<number, number>();
  for (const z of species) counts.set(z, (counts.get(z) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([z, n]) => `${symbolOf(z)}${n}`).join('');
}

interface DistanceInfo {
  /** Minimum distance per species pair key "Z1-Z2" (Z1 ≤ Z2). */
  minByPair: Map<string, number>;
  /** Cell and sorted wrapped atoms, rounded to DUP_TOL: equal strings mean duplicate configurations. */
  signature: string;
}

function duplicateSignature(s: Configuration['structure']): string {
  const round = (v: number) => Math.round(v / DUP_TOL);
  const n = s.species.length;
  const periodic = isFullyPeriodic(s);
  const f = periodic ? fractional(s) : s.positions;
  const atoms: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = [0, 1, 2].map((a) => {
      let v = f[3 * i + a];
      if (periodic) {
        v -= Math.floor(v);
        if (round(v) === round(1)) v = 0; // 0.99999999 and 0 are the same site
      }
      return round(v);
    });
    atoms.push(`${s.species[i]}:${c.join(',')}`);
  }
  atoms.sort();
  return `${Array.from(s.cell, round).join(',')}|${atoms.join(';')}`;
}

function distanceInfo(c: Configuration): DistanceInfo {
  const s = c.structure;
  const nl = buildNeighborList(s, DISTANCE_RANGE, { half: true });
  const minByPair = new Map<string, number>();
  const x = s.positions;
  for (let i = 0; i < nl.nAtoms; i++) {
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
      const j = nl.j[k];
      const dx = x[3 * j] + nl.shift[3 * k] - x[3 * i];
      const dy = x[3 * j + 1] + nl.shift[3 * k + 1] - x[3 * i + 1];
      const dz = x[3 * j + 2] + nl.shift[3 * k + 2] - x[3 * i + 2];
      const r = Math.sqrt(dx * dx + dy * dy + dz * dz);
      const zi = s.species[i], zj = s.species[j];
      const key = zi <= zj ? `${zi}-${zj}` : `${zj}-${zi}`;
      const prev = minByPair.get(key);
      if (prev === undefined || r < prev) minByPair.set(key, r);
    }
  }
  return { minByPair, signature: duplicateSignature(s) };
}

function median(v: number[]): number {
  const a = [...v].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : 0.5 * (a[m - 1] + a[m]);
}

/** Per-species reference energies by least squares (normal equations on the small composition matrix). */
function speciesReferenceEnergies(configs: Configuration[]): Map<number, number> {
  const zs = [...new Set(configs.flatMap((c) => [...c.structure.species]))].sort((a, b) => a - b);
  const idx = new Map(zs.map((z, i) => [z, i]));
  const m = zs.length;
  const A = new Float64Array(m * m), b = new Float64Array(m);
  for (const c of configs) {
    if (c.labels.energy === undefined) continue;
    const n = new Float64Array(m);
    for (const z of c.structure.species) n[idx.get(z)!]++;
    const N = c.structure.species.length;
    // rows normalised per atom so large cells do not dominate
    for (let p = 0; p < m; p++) {
      b[p] += (n[p] / N) * (c.labels.energy / N);
      for (let q = 0; q < m; q++) A[p * m + q] += (n[p] / N) * (n[q] / N);
    }
  }
  // Solve with a tiny ridge: compositions may be collinear (single stoichiometry); the ridge picks the min-norm split
  for (let p = 0; p < m; p++) A[p * m + p] += 1e-12 * (A[p * m + p] || 1);
  const e = gaussSolve(A, b, m);
  return new Map(zs.map((z, i) => [z, e[i]]));
}

function gaussSolve(A: Float64Array, b: Float64Array, m: number): Float64Array {
  const M = A.slice(), x = b.slice();
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(M[r * m + c]) > Math.abs(M[p * m + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < m; k++) [M[c * m + k], M[p * m + k]] = [M[p * m + k], M[c * m + k]];
      [x[c], x[p]] = [x[p], x[c]];
    }
    const piv = M[c * m + c] || 1e-300;
    for (let r = c + 1; r < m; r++) {
      const f = M[r * m + c] / piv;
      if (f === 0) continue;
      for (let k = c; k < m; k++) M[r * m + k] -= f * M[c * m + k];
      x[r] -= f * x[c];
    }
  }
  for (let c = m - 1; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < m; k++) s -= M[c * m + k] * x[k];
    x[c] = s / (M[c * m + c] || 1e-300);
  }
  return x;
}

/**
 * Symmetric strain ε between two cells (row convention: cell_2 = cell_1 · F, ε = sym(F) − I). The antisymmetric
 * part of F (a small rotation) changes neither energies nor the first-order work, so it is dropped.
 */
function strainBetween(cell1: Float64Array, cell2: Float64Array): Float64Array {
  const F = mul3(inv3(cell1), cell2);
  const xy = 0.5 * (F[1] + F[3]), xz = 0.5 * (F[2] + F[6]), yz = 0.5 * (F[5] + F[7]);
  return Float64Array.of(F[0] - 1, xy, xz, xy, F[4] - 1, yz, xz, yz, F[8] - 1);
}

/** Stress as a full 3x3 with untrusted components NaN. */
function stressFull(c: Configuration): Float64Array | undefined {
  const s = c.labels.stress;
  if (!s) return undefined;
  const m = c.labels.stressMask;
  const g = (k: number) => (m && !m[k] ? NaN : s[k]);
  return Float64Array.of(g(0), g(5), g(4), g(5), g(1), g(3), g(4), g(3), g(2));
}

/** Energy–stress consistency over strained pairs of configurations (see file comment). */
export function stressConsistency(configs: Configuration[]): StressConsistency | undefined {
  const cand = configs.filter((c) => c.labels.energy !== undefined && c.labels.stress && isFullyPeriodic(c.structure));
  const byKey = new Map<string, Configuration[]>();
  for (const c of cand) {
    const key = Array.from(c.structure.species).join(',');
    const list = byKey.get(key) ?? [];
    list.push(c);
    byKey.set(key, list);
  }
  let num = 0, den = 0, pairs = 0;
  for (const list of byKey.values()) {
    const fr = list.map((c) => fractional(c.structure));
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const ca = list[a], cb = list[b];
        const fa = fr[a], fb = fr[b], cell = ca.structure.cell;
        let maxDisp = 0;
        for (let i = 0; i < fa.length; i += 3) {
          const d0 = fb[i] - fa[i] - Math.round(fb[i] - fa[i]);
          const d1 = fb[i + 1] - fa[i + 1] - Math.round(fb[i + 1] - fa[i + 1]);
          const d2 = fb[i + 2] - fa[i + 2] - Math.round(fb[i + 2] - fa[i + 2]);
          const dx = d0 * cell[0] + d1 * cell[3] + d2 * cell[6];
          const dy = d0 * cell[1] + d1 * cell[4] + d2 * cell[7];
          const dz = d0 * cell[2] + d1 * cell[5] + d2 * cell[8];
          maxDisp = Math.max(maxDisp, Math.hypot(dx, dy, dz));
          if (maxDisp > DISP_TOL) break;
        }
        if (maxDisp > DISP_TOL) continue;
        const eps = strainBetween(ca.structure.cell, cb.structure.cell);
        const emax = Math.max(...Array.from(eps, Math.abs));
        if (emax > STRAIN_MAX || emax < 1e-4) continue;
        const sa = stressFull(ca)!, sb = stressFull(cb)!;
        const va = volume(ca.structure), vb = volume(cb.structure);
        let pred = 0, usable = true;
        for (let k = 0; k < 9; k++) {
          if (Math.abs(eps[k]) < 1e-8) continue;
          const w = 0.5 * (va * sa[k] + vb * sb[k]);
          if (Number.isNaN(w)) {
            usable = false; // strain along an untrusted stress component
            break;
          }
          pred += w * eps[k];
        }
        if (!usable) continue;
        const meas = cb.labels.energy! - ca.labels.energy!;
        num += pred * meas;
        den += pred * pred;
        pairs++;
      }
    }
  }
  if (pairs < 3 || den === 0) return undefined;
  return { pairs, ratio: num / den };
}

export function checkDataset(ds: Dataset): DataCheckReport {
  const configs = ds.configs;
  const groups = new Map<string, Configuration[]>();
  for (const c of configs) {
    const g = groups.get(c.group) ?? [];
    g.push(c);
    groups.set(c.group, g);
  }
  const warnings: DataWarning[] = [];

  // labels present at all?
  const noLabels = configs.filter((c) => c.labels.energy === undefined && !c.labels.forces && !c.labels.stress);
  if (noLabels.length) {
    warnings.push({ kind: 'missing-labels', message: `${noLabels.length} configuration(s) have no energy, forces or stress`, where: noLabels.map(configName) });
  }

  // distances and duplicates
  const info = configs.map(distanceInfo);
  const perPair = new Map<string, number[]>();
  for (const d of info) for (const [k, r] of d.minByPair) (perPair.get(k) ?? perPair.set(k, []).get(k)!).push(r);
  const medianByPair = new Map([...perPair.entries()].map(([k, v]) => [k, median(v)]));
  configs.forEach((c, i) => {
    for (const [k, r] of info[i].minByPair) {
      const med = medianByPair.get(k)!;
      if (r < SHORT_ABS || r < SHORT_REL * med) {
        const [z1, z2] = k.split('-').map(Number);
        warnings.push({
          kind: 'short-distance',
          message: `${configName(c)}: ${symbolOf(z1)}-${symbolOf(z2)} distance ${r.toFixed(3)} Å, below ${SHORT_REL} x the data set's typical minimum ${med.toFixed(3)} Å`,
          where: [configName(c)],
        });
      }
    }
  });
  const bySig = new Map<string, number[]>();
  info.forEach((d, i) => (bySig.get(d.signature) ?? bySig.set(d.signature, []).get(d.signature)!).push(i));
  for (const idx of bySig.values()) {
    if (idx.length < 2) continue;
    const names = idx.map((i) => configName(configs[i]));
    const es = idx.map((i) => configs[i].labels.energy).filter((e): e is number => e !== undefined);
    const spread = es.length > 1 ? Math.max(...es) - Math.min(...es) : 0;
    warnings.push({
      kind: 'duplicate',
      message: `${idx.length} configurations look identical (${names.join(', ')})${spread > 1e-6 ? `, yet their energies differ by ${spread.toExponential(2)} eV` : ''}`,
      where: names,
    });
  }

  // net force
  for (const c of configs) {
    const f = c.labels.forces;
    if (!f) continue;
    let sx = 0, sy = 0, sz = 0, sabs = 0;
    for (let i = 0; i < f.length; i += 3) {
      sx += f[i]; sy += f[i + 1]; sz += f[i + 2];
      sabs += Math.hypot(f[i], f[i + 1], f[i + 2]);
    }
    const net = Math.hypot(sx, sy, sz);
    if (net > NET_FORCE_ABS && net > NET_FORCE_REL * sabs) {
      warnings.push({ kind: 'net-force', message: `${configName(c)}: net force ${net.toExponential(2)} eV/Å (sum of |F_i| ${sabs.toExponential(2)} eV/Å); DFT forces of a periodic cell sum to ~0`, where: [configName(c)] });
    }
  }

  // stress magnitude and consistency
  const big = configs.filter((c) => c.labels.stress && c.labels.stress.some((v, k) => (!c.labels.stressMask || c.labels.stressMask[k]) && Math.abs(v) > STRESS_MAX));
  if (big.length) {
    warnings.push({ kind: 'stress-unit', message: `${big.length} configuration(s) have stress components above ${STRESS_MAX} eV/Å³ (${(STRESS_MAX * GPA_PER_EV_A3).toFixed(0)} GPa): are the stresses in kbar or GPa but labelled eV/Å³?`, where: big.map(configName) });
  }
  const sc = stressConsistency(configs);
  if (sc) {
    if (sc.ratio < 0) {
      warnings.push({ kind: 'stress-sign', message: `energies and stresses of ${sc.pairs} strained pairs disagree in sign (ratio ${sc.ratio.toFixed(3)}, expected ≈ 1): the stress sign looks flipped (pesfit expects ASE's sign, tensile positive; VASP and mlearn print compression positive)`, where: [] });
    } else if (sc.ratio < 0.2 || sc.ratio > 5) {
      warnings.push({ kind: 'stress-unit', message: `energies and stresses of ${sc.pairs} strained pairs differ in scale by ${(1 / sc.ratio).toPrecision(4)} (expected ≈ 1): the stress unit looks wrong (1 eV/Å³ = ${KBAR_PER_EV_A3} kbar = ${GPA_PER_EV_A3} GPa)`, where: [] });
    }
  } else {
    for (const [g, list] of groups) {
      const pts = list.filter((c) => c.labels.stress && isFullyPeriodic(c.structure)).map((c) => {
        const s = c.labels.stress!;
        return { v: volume(c.structure) / c.structure.species.length, p: -(s[0] + s[1] + s[2]) / 3 };
      });
      if (pts.length < 5) continue;
      const vs = pts.map((q) => q.v);
      if ((Math.max(...vs) - Math.min(...vs)) / median(vs) < 0.02) continue;
      const r = pearson(vs, pts.map((q) => q.p));
      if (r > 0.5) {
        warnings.push({ kind: 'stress-sign', message: `group ${g}: pressure rises with volume (correlation ${r.toFixed(2)}): the stress sign looks flipped`, where: [] });
      }
    }
  }

  // energy outliers per group
  const ref = speciesReferenceEnergies(configs);
  for (const [g, list] of groups) {
    const withE = list.filter((c) => c.labels.energy !== undefined);
    if (withE.length < 5) continue;
    const de = withE.map((c) => {
      let e0 = 0;
      for (const z of c.structure.species) e0 += ref.get(z)!;
      return (c.labels.energy! - e0) / c.structure.species.length;
    });
    const med = median(de);
    const mad = 1.4826 * median(de.map((x) => Math.abs(x - med))) || 1e-12;
    const sorted = [...de].sort((a, b) => a - b);
    const gapOf = (x: number) => {
      const k = sorted.indexOf(x);
      const left = k > 0 ? x - sorted[k - 1] : Infinity, right = k + 1 < sorted.length ? sorted[k + 1] - x : Infinity;
      return Math.min(left, right);
    };
    withE.forEach((c, i) => {
      const dev = Math.abs(de[i] - med);
      if (dev / mad > OUTLIER_Z && dev > OUTLIER_ABS && gapOf(de[i]) / mad > OUTLIER_GAP_Z) {
        warnings.push({ kind: 'energy-outlier', message: `${configName(c)}: energy ${(de[i] - med).toFixed(3)} eV/atom from group ${g}'s median (${(dev / mad).toFixed(1)} robust sigmas)`, where: [configName(c)] });
      }
    });
  }

  return { groups: [...groups.entries()].map(([g, l]) => summarise(g, l)), total: summarise('all', configs), warnings, stressConsistency: sc };
}

function pearson(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n, my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy || 1e-300);
}
