/**
 * Integrators with the init/step design (as ASE and JAX-MD): `init(state)` computes the forces (and sets up any
 * thermostat variables) and returns the state; `step(state)` advances it by dt and returns it. The state is updated
 * in place (state.ts): a step allocates nothing beyond what the force kernel returns. Time step dt in fs.
 * `conservedEnergy(state)` is the quantity the scheme conserves (eV): E_kin + E_pot for NVE, plus the thermostat's
 * energy for Nosé–Hoover; for Langevin it is E_kin + E_pot minus the heat the thermostat has put in, accumulated
 * per step (so its drift measures the integration error too).
 *
 * - velocityVerlet (NVE): v += dt/2·F/m; x += dt·v; F(x); v += dt/2·F/m — LAMMPS's fix nve, step for step.
 * - langevin (NVT): BAOAB splitting (Leimkuhler & Matthews 2013): B half kick, A half drift, O exact
 *   Ornstein–Uhlenbeck update v ← c₁v + √((1−c₁²) k_BT/m)·ξ with c₁ = exp(−γ dt), γ = 1/damping, A half drift, forces,
 *   B half kick. Configurational sampling is exact to O(dt²) and very accurate in practice. Seeded RNG (core/random.ts).
 * - noseHoover (NVT): Nosé–Hoover chain of length M ≥ 1 (Martyna, Klein & Tuckerman 1992) with the Trotter
 *   splitting of Martyna, Tuckerman, Tobias & Klein 1996 (the scheme of LAMMPS's fix nvt): chain half step (dt/2),
 *   velocity Verlet, chain half step. Masses Q₁ = N_dof k_BT τ², Q_k = k_BT τ² (τ = damping, fs). Conserved:
 *   E_kin + E_pot + Σ ½Q_k v_ξk² + N_dof k_BT ξ₁ + Σ_{k≥2} k_BT ξ_k.
 * Masses in amu, accelerations F/m converted with md-units.ts.
 */
import { UserError } from '../core/errors.ts';
import type { Rng } from '../core/random.ts';
import { KB_EV_PER_K } from '../core/units.ts';
import type { ForceField } from './forces.ts';
import { ACCEL_A_FS2_PER_EV_A_AMU, EV_PER_AMU_A2_FS2 } from './md-units.ts';
import { degreesOfFreedom, kineticEnergy, type MdState } from './state.ts';

export interface Integrator {
  readonly name: string;
  /** Time step (fs). */
  readonly dt: number;
  init(st: MdState): MdState;
  step(st: MdState): MdState;
  conservedEnergy(st: MdState): number;
}

function checkDt(dt: number): void {
  if (!(dt > 0) || !Number.isFinite(dt)) throw new UserError(`time step must be positive (fs), got ${dt}`);
}

function checkT(T: number): void {
  if (!(T > 0) || !Number.isFinite(T)) throw new UserError(`thermostat temperature must be positive (K), got ${T}`);
}

/** v += h·F/m (h in fs). */
function kick(st: MdState, h: number): void {
  const v = st.velocities, f = st.forces, m = st.masses, n = m.length;
  for (let i = 0; i < n; i++) {
    const c = (h * ACCEL_A_FS2_PER_EV_A_AMU) / m[i];
    v[3 * i] += c * f[3 * i];
    v[3 * i + 1] += c * f[3 * i + 1];
    v[3 * i + 2] += c * f[3 * i + 2];
  }
}

/** x += h·v. */
function drift(st: MdState, h: number): void {
  const x = st.positions, v = st.velocities;
  for (let k = 0; k < x.length; k++) x[k] += h * v[k];
}

export function velocityVerlet(ff: ForceField, dt: number): Integrator {
  checkDt(dt);
  return {
    name: 'nve',
    dt,
    init(st) {
      ff.compute(st);
      return st;
    },
    step(st) {
      kick(st, 0.5 * dt);
      drift(st, dt);
      ff.compute(st);
      kick(st, 0.5 * dt);
      st.time += dt;
      st.step++;
      return st;
    },
    conservedEnergy: (st) => kineticEnergy(st) + st.potentialEnergy,
  };
}

export interface LangevinOptions {
  /** Target temperature (K). */
  temperature: number;
  /** Damping time 1/γ (fs), e.g. 100·dt. */
  damping: number;
  rng: Rng;
}

export function langevin(ff: ForceField, dt: number, o: LangevinOptions): Integrator {
  checkDt(dt);
  checkT(o.temperature);
  if (!(o.damping > 0)) throw new UserError(`Langevin damping time must be positive (fs), got ${o.damping}`);
  const c1 = Math.exp(-dt / o.damping);
  const c2 = Math.sqrt(1 - c1 * c1);
  const kT = KB_EV_PER_K * o.temperature;
  let sd = new Float64Array(0);
  // heat added by the O steps (eV), so that conservedEnergy = E − heat is a drift diagnostic
  let heat = 0;
  return {
    name: 'nvt-langevin',
    dt,
    init(st) {
      sd = Float64Array.from(st.masses, (m) => c2 * Math.sqrt(kT / (m * EV_PER_AMU_A2_FS2)));
      heat = 0;
      ff.compute(st);
      return st;
    },
    step(st) {
      kick(st, 0.5 * dt);
      drift(st, 0.5 * dt);
      const v = st.velocities, m = st.masses, n = m.length, rng = o.rng;
      let dke = 0;
      for (let i = 0; i < n; i++) {
        const s = sd[i];
        let e0 = 0, e1 = 0;
        for (let k = 3 * i; k < 3 * i + 3; k++) {
          const old = v[k];
          e0 += old * old;
          const nv = c1 * old + s * rng.normal();
          v[k] = nv;
          e1 += nv * nv;
        }
        dke += 0.5 * m[i] * (e1 - e0);
      }
      heat += dke * EV_PER_AMU_A2_FS2;
      drift(st, 0.5 * dt);
      ff.compute(st);
      kick(st, 0.5 * dt);
      st.time += dt;
      st.step++;
      return st;
    },
    conservedEnergy: (st) => kineticEnergy(st) + st.potentialEnergy - heat,
  };
}

export interface NoseHooverOptions {
  temperature: number;
  /** Relaxation time τ (fs), e.g. 100·dt. */
  damping: number;
  /** Chain length M ≥ 1 (default 3, LAMMPS's tchain default). */
  chain?: number;
}

export function noseHoover(ff: ForceField, dt: number, o: NoseHooverOptions): Integrator {
  checkDt(dt);
  checkT(o.temperature);
  if (!(o.damping > 0)) throw new UserError(`Nosé–Hoover damping time must be positive (fs), got ${o.damping}`);
  const M = o.chain ?? 3;
  if (!Number.isInteger(M) || M < 1) throw new UserError(`Nosé–Hoover chain length must be an integer ≥ 1, got ${M}`);
  const kT = KB_EV_PER_K * o.temperature;
  const Q = new Float64Array(M);
  let nf = 1;

  /** Propagates the chain by h = dt/2 and scales the velocities (MTTK 1996, one Suzuki–Yoshida stage). */
  function chainHalfStep(st: MdState): void {
    const t = st.thermostat, xi = t.subarray(0, M), vxi = t.subarray(M, 2 * M);
    const h = 0.5 * dt;
    let ke2 = 2 * kineticEnergy(st);
    const G = (k: number): number => (k === 0 ? ke2 - nf * kT : Q[k - 1] * vxi[k - 1] * vxi[k - 1] - kT) / Q[k];
    vxi[M - 1] += 0.5 * h * G(M - 1);
    for (let k = M - 2; k >= 0; k--) {
      const a = Math.exp(-0.25 * h * vxi[k + 1]);
      vxi[k] = (vxi[k] * a + 0.5 * h * G(k)) * a;
    }
    const scale = Math.exp(-h * vxi[0]);
    const v = st.velocities;
    for (let k = 0; k < v.length; k++) v[k] *= scale;
    ke2 *= scale * scale;
    for (let k = 0; k < M; k++) xi[k] += h * vxi[k];
    for (let k = 0; k < M - 1; k++) {
      const a = Math.exp(-0.25 * h * vxi[k + 1]);
      vxi[k] = (vxi[k] * a + 0.5 * h * G(k)) * a;
    }
    vxi[M - 1] += 0.5 * h * G(M - 1);
  }

  return {
    name: 'nvt-nh',
    dt,
    init(st) {
      nf = degreesOfFreedom(st);
      const tau2 = o.damping * o.damping;
      for (let k = 0; k < M; k++) Q[k] = (k === 0 ? nf : 1) * kT * tau2;
      if (st.thermostat.length !== 2 * M) st.thermostat = new Float64Array(2 * M);
      ff.compute(st);
      return st;
    },
    step(st) {
      chainHalfStep(st);
      kick(st, 0.5 * dt);
      drift(st, dt);
      ff.compute(st);
      kick(st, 0.5 * dt);
      chainHalfStep(st);
      st.time += dt;
      st.step++;
      return st;
    },
    conservedEnergy(st) {
      const t = st.thermostat;
      let e = kineticEnergy(st) + st.potentialEnergy;
      for (let k = 0; k < M; k++) e += 0.5 * Q[k] * t[M + k] * t[M + k] + (k === 0 ? nf : 1) * kT * t[k];
      return e;
    },
  };
}
