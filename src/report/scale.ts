/**
 * Axis scales for the SVG plots: data domains, "nice" tick values (1, 2, 5 × 10^k steps), decade ticks for log
 * axes, and tick label formatting. Pure functions of numbers; pixel layout lives in svg.ts.
 */

/** Fraction of the data span added on each side of a parity or histogram domain, so points never touch the frame. */
export const DOMAIN_PAD = 0.04;

/**
 * The [lo, hi] extent of the finite values of all arrays, padded by DOMAIN_PAD × span on each side. A zero span
 * (a single value) is widened to ±max(1, |v|) × 0.1 so the axis still has ticks. Undefined when no value is finite.
 */
export function paddedExtent(arrays: readonly ArrayLike<number>[]): [number, number] | undefined {
  let lo = Infinity, hi = -Infinity;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return undefined;
  if (hi === lo) {
    const w = 0.1 * Math.max(1, Math.abs(lo));
    return [lo - w, hi + w];
  }
  const pad = DOMAIN_PAD * (hi - lo);
  return [lo - pad, hi + pad];
}

/** A step of 1, 2 or 5 × 10^k near `raw`. */
export function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10;
  return nice * mag;
}

/** About `target` evenly spaced nice tick values inside [lo, hi], with their step. */
export function niceTicks(lo: number, hi: number, target = 5): { ticks: number[]; step: number } {
  const step = niceStep((hi - lo) / target);
  const ticks: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  // integer multiples of the step, rounded to 12 digits so 0.1 × 3 prints as 0.3
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return { ticks, step };
}

/** Formats ticks with a common number of decimals derived from the step; exponent form for extreme magnitudes. */
export function tickFormatter(ticks: readonly number[], step: number): (v: number) => string {
  const maxAbs = Math.max(...ticks.map(Math.abs), 0);
  if (maxAbs >= 1e5 || step < 1e-3) {
    const digits = Math.max(0, Math.floor(Math.log10(maxAbs || step)) - Math.floor(Math.log10(step) + 1e-9));
    return (v) => (v === 0 ? '0' : v.toExponential(digits));
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return (v) => {
    const s = v.toFixed(decimals);
    return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
  };
}

/** A log10 domain spanning whole decades around the positive values: [10^floor(log lo), 10^ceil(log hi)]. */
export function decadeDomain(lo: number, hi: number): [number, number] {
  let a = Math.floor(Math.log10(lo));
  let b = Math.ceil(Math.log10(hi));
  if (b <= a) b = a + 1;
  if (b - a > 30) a = b - 30; // a loss that fell by more than 30 decades is shown down to 1e-30 of its top
  return [10 ** a, 10 ** b];
}

/** Decade exponents k with 10^k inside a decade domain, thinned to at most ~`maxTicks`. */
export function decadeTicks(domain: [number, number], maxTicks = 8): number[] {
  const a = Math.round(Math.log10(domain[0]));
  const b = Math.round(Math.log10(domain[1]));
  const every = Math.max(1, Math.ceil((b - a) / maxTicks));
  const out: number[] = [];
  for (let k = a; k <= b; k++) if ((k - a) % every === 0) out.push(k);
  return out;
}

/** A linear map of [d0, d1] onto [r0, r1]. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const s = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * s;
}
