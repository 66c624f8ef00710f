/**
 * Seeded pseudo-random numbers, reproducible across platforms and runs.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna 2018, https://prng.di.unimi.it/xoshiro128starstar.c): 128-bit
 * state of four uint32 words, period 2^128 − 1, all arithmetic in 32-bit integers (Math.imul), so the stream is
 * bit-identical everywhere. A numeric seed is expanded into the state with splitmix32 (the 32-bit variant of
 * Vigna's splitmix64 seeder: a Weyl counter
 * step 0x9e3779b9 mixed by the MurmurHash3 fmix32 finaliser), which never yields the all-zero state.
 *
 * Draws:
 * - `uint32()`: the raw generator output, 0 ≤ u < 2^32.
 * - `float()`: uniform on [0, 1) with 53 random bits (two outputs: 27 high bits + 26 high bits).
 * - `uniform(lo, hi)`: uniform on [lo, hi).
 * - `normal(mean, sd)`: Gaussian by the Box–Muller transform; each transform gives two independent deviates, the
 *   second is cached for the next call (so the stream of normals is reproducible given the seed and call order).
 * - `int(n)`: uniform integer 0 ≤ k < n (n ≤ 2^32), unbiased by rejection.
 * - `shuffle(array)`: Fisher–Yates in place; `permutation(n)`: a random permutation of 0..n−1.
 */

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32 step: returns [next state, output]. */
function splitmix32(state: number): [number, number] {
  const s = (state + 0x9e3779b9) | 0;
  let z = s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [s, z >>> 0];
}

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;
const TWO_POW_32 = 4294967296;

export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | undefined = undefined;

  /**
   * A generator from a numeric seed (any finite number; non-integers and values beyond 32 bits are folded in
   * through their two 32-bit halves), or from an explicit 4-word state (not all zero).
   */
  constructor(seed: number | readonly [number, number, number, number]) {
    if (typeof seed === 'number') {
      if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be finite, got ${seed}`);
      const lo = seed >>> 0;
      const hi = Math.floor(seed / TWO_POW_32) >>> 0;
      let st = lo ^ Math.imul(hi, 0x27d4eb2d);
      const w: number[] = [];
      for (let k = 0; k < 4; k++) {
        const [next, out] = splitmix32(st);
        st = next;
        w.push(out);
      }
      [this.s0, this.s1, this.s2, this.s3] = w as [number, number, number, number];
      // splitmix32 is a bijection of its counter, so four consecutive outputs cannot all be zero, but keep the
      // generator's one forbidden state impossible even if the seeder changes.
      if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    } else {
      [this.s0, this.s1, this.s2, this.s3] = seed.map((v) => v >>> 0) as [number, number, number, number];
      if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) throw new RangeError('xoshiro128** state must not be all zero');
    }
  }

  /** Raw 32-bit output, 0 ≤ u < 2^32. */
  uint32(): number {
    const s1 = this.s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= s1;
    this.s1 = s1 ^ this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53-bit resolution. */
  float(): number {
    const a = this.uint32() >>> 5; // 27 bits
    const b = this.uint32() >>> 6; // 26 bits
    return (a * TWO_POW_26 + b) / TWO_POW_53;
  }

  /** Uniform on [lo, hi). */
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.float();
  }

  /** Gaussian deviate with the given mean and standard deviation (Box–Muller). */
  normal(mean = 0, sd = 1): number {
    let z: number;
    if (this.spareNormal !== undefined) {
      z = this.spareNormal;
      this.spareNormal = undefined;
    } else {
      // 1 − float() lies in (0, 1], so the logarithm is finite
      const u1 = 1 - this.float();
      const u2 = this.float();
      const r = Math.sqrt(-2 * Math.log(u1));
      const phi = 2 * Math.PI * u2;
      z = r * Math.cos(phi);
      this.spareNormal = r * Math.sin(phi);
    }
    return mean + sd * z;
  }

  /** Uniform integer in [0, n), 1 ≤ n ≤ 2^32, without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`Rng.int needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
    // accept only draws below the largest multiple of n that fits in 32 bits
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    for (;;) {
      const u = this.uint32();
      if (u < limit) return u % n;
    }
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [k: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const k = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[k];
      a[k] = tmp;
    }
    return a;
  }

  /** A uniformly random permutation of 0..n−1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }

  /** The current 4-word state (for checkpoints); `new Rng(state)` resumes the uniform stream from here. */
  state(): [number, number, number, number] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }
}

/** Shorthand for `new Rng(seed)`. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}
