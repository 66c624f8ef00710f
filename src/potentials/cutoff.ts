/**
 * Cutoff functions as combinators on a radial function φ(r) (any family may apply them: pair energies, EAM
 * densities, ...). Every form here is LINEAR in φ:
 *
 *     (Lφ)(r)  = a(r) φ(r) + b φ(r_c) + c(r) φ'(r_c)          for r < r_c, and 0 beyond
 *     (Lφ)'(r) = a'(r) φ(r) + a(r) φ'(r) + c'(r) φ'(r_c)
 *
 * so the derivative with respect to any parameter θ of φ passes through unchanged: ∂(Lφ)/∂θ = L(∂φ/∂θ), and the
 * kernel applies the same coefficients to ∂φ/∂θ and ∂φ'/∂θ. `cutoffCoefficients` returns (a, a', b, c, c').
 *
 * Forms (r_c = the model cutoff, Å) and the continuity of Lφ at r_c for a smooth φ:
 * - 'none'           a = 1                                         discontinuous (plain truncation, LAMMPS default)
 * - 'shift'          a = 1, b = −1                                 C0 (LAMMPS `pair_modify shift yes`)
 * - 'shifted-force'  a = 1, b = −1, c = −(r − r_c)                 C1 by construction
 * - cosine (inner r_i):  a = ½(1 + cos(π x)), x = (r − r_i)/(r_c − r_i) on [r_i, r_c], 1 below r_i    C1
 *   (a''(r_c) = π²/2w² ≠ 0)
 * - smoothstep (inner r_i): a = 1 − 10x³ + 15x⁴ − 6x⁵, same x            C2 (a', a'' vanish at both ends)
 * - x4 (width h):    a = x⁴/(1 + x⁴), x = (r − r_c)/h, for all r < r_c  C3 (a = x⁴ − x⁸ + …: a', a'', a''' vanish
 *   at r_c); used in several EAM fits (e.g. Mendelev-type and Zhou-type cutoffs ψ((r − r_c)/h)).
 * The geometry (r_c, r_i, h) is fixed by the spec; it is not a fitted parameter.
 */
import { UserError } from '../core/errors.ts';

export interface CosineCutoff {
  kind: 'cosine';
  /** Inner radius r_i (Å) where the switching starts; 0 < r_i < r_c. */
  inner: number;
}
export interface SmoothstepCutoff {
  kind: 'smoothstep';
  inner: number;
}
export interface X4Cutoff {
  kind: 'x4';
  /** Width h (Å) of ψ((r − r_c)/h). */
  h: number;
}
export type CutoffFunction = 'none' | 'shift' | 'shifted-force' | CosineCutoff | SmoothstepCutoff | X4Cutoff;

export const CUT_NONE = 0;
export const CUT_SHIFT = 1;
export const CUT_SHIFTED_FORCE = 2;
export const CUT_COSINE = 3;
export const CUT_SMOOTHSTEP = 4;
export const CUT_X4 = 5;

/** Numbers a kernel needs; `code` is one of the CUT_* constants. */
export interface CompiledCutoff {
  readonly code: number;
  readonly rc: number;
  readonly inner: number;
  /** 1/(r_c − r_i) for cosine and smoothstep, 1/h for x4, 0 otherwise. */
  readonly invWidth: number;
}

/** Order of continuity of the cut energy at r_c (−1: discontinuous). */
export function cutoffContinuity(f: CutoffFunction): number {
  if (f === 'none') return -1;
  if (f === 'shift') return 0;
  if (f === 'shifted-force') return 1;
  switch (f.kind) {
    case 'cosine':
      return 1;
    case 'smoothstep':
      return 2;
    case 'x4':
      return 3;
  }
}

/** True when the form needs φ(r_c) and φ'(r_c) (b, c ≠ 0). */
export function needsEndValues(c: CompiledCutoff): boolean {
  return c.code === CUT_SHIFT || c.code === CUT_SHIFTED_FORCE;
}

export function compileCutoff(f: CutoffFunction, rc: number): CompiledCutoff {
  if (!(rc > 0)) throw new UserError(`cutoff must be positive, got ${rc}`);
  if (f === 'none') return { code: CUT_NONE, rc, inner: rc, invWidth: 0 };
  if (f === 'shift') return { code: CUT_SHIFT, rc, inner: rc, invWidth: 0 };
  if (f === 'shifted-force') return { code: CUT_SHIFTED_FORCE, rc, inner: rc, invWidth: 0 };
  switch (f.kind) {
    case 'cosine':
    case 'smoothstep':
      if (!(f.inner > 0 && f.inner < rc)) {
        throw new UserError(`cutoff_function ${f.kind}: inner radius ${f.inner} must lie in (0, cutoff ${rc})`);
      }
      return { code: f.kind === 'cosine' ? CUT_COSINE : CUT_SMOOTHSTEP, rc, inner: f.inner, invWidth: 1 / (rc - f.inner) };
    case 'x4':
      if (!(f.h > 0)) throw new UserError(`cutoff_function x4: width h must be positive, got ${f.h}`);
      return { code: CUT_X4, rc, inner: 0, invWidth: 1 / f.h };
    default:
      throw new UserError(`unknown cutoff_function ${JSON.stringify(f)}`);
  }
}

/**
 * Writes the coefficients of L at r into out: out[0] = a, out[1] = a', out[2] = b, out[3] = c, out[4] = c'
 * (all zero for r ≥ r_c). No allocation: meant for hot loops.
 */
export function cutoffCoefficients(c: CompiledCutoff, r: number, out: Float64Array): void {
  out[2] = 0;
  out[3] = 0;
  out[4] = 0;
  if (r >= c.rc) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  switch (c.code) {
    case CUT_NONE:
      out[0] = 1;
      out[1] = 0;
      return;
    case CUT_SHIFT:
      out[0] = 1;
      out[1] = 0;
      out[2] = -1;
      return;
    case CUT_SHIFTED_FORCE:
      out[0] = 1;
      out[1] = 0;
      out[2] = -1;
      out[3] = -(r - c.rc);
      out[4] = -1;
      return;
    case CUT_COSINE: {
      if (r <= c.inner) {
        out[0] = 1;
        out[1] = 0;
        return;
      }
      const x = (r - c.inner) * c.invWidth;
      out[0] = 0.5 * (1 + Math.cos(Math.PI * x));
      out[1] = -0.5 * Math.PI * c.invWidth * Math.sin(Math.PI * x);
      return;
    }
    case CUT_SMOOTHSTEP: {
      if (r <= c.inner) {
        out[0] = 1;
        out[1] = 0;
        return;
      }
      const x = (r - c.inner) * c.invWidth;
      // 1 − 10x³ + 15x⁴ − 6x⁵ factored as (1−x)³(1 + 3x + 6x²): no cancellation near x = 1
      const u = 1 - x;
      out[0] = u * u * u * (1 + 3 * x + 6 * x * x);
      out[1] = -30 * x * x * u * u * c.invWidth;
      return;
    }
    case CUT_X4: {
      const x = (r - c.rc) * c.invWidth;
      const x4 = x * x * x * x;
      const d = 1 + x4;
      out[0] = x4 / d;
      out[1] = (4 * x * x * x) / (d * d) * c.invWidth;
      return;
    }
    default:
      throw new Error(`internal error: cutoff code ${c.code}`);
  }
}
