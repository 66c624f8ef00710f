/*
 * SNAP's per-neighbor hot loops (src/potentials/snap/sna.ts) as freestanding C for wasm32 + SIMD128, built by
 * scripts/build-wasm.mjs into native/build/snap_kernels.wasm and driven by src/potentials/snap/wasm.ts.
 *
 * Two neighbors are computed at once, one per f64x2 lane, with exactly the arithmetic of the scalar TypeScript (same
 * operations in the same order, no fused multiply-add in wasm), so each lane equals the TS result bit for bit.
 * Vectorising across neighbors rather than across the entries of a row needs no shuffles, tails or horizontal sums:
 * every scalar loop of sna.ts becomes the same loop on pairs.
 *
 * Units and meaning as in sna.ts (Å, U dimensionless, derivatives per Å). All pointers are byte offsets into the
 * imported memory, laid out by wasm.ts; every f64 array below is "two lanes per value" unless said otherwise.
 * - blocks: int32[J+1], first jju of block j.  rp: f64 (J+2)² table sqrt(p/q), row length D (scalar).
 * - u: 4 f64 per jju: re lane 0, re lane 1, im lane 0, im lane 1 (one neighbor pair).
 * - prm (per pair, PRM_LEN f64): 2-lane vectors, in this order: ar ai br bi (of U, z0 = r/tan θ0), ar ai br bi (of
 *   dU, z0 = r cos θ0 / sin θ0), dar xyz, dai xyz, dbr xyz, dbi xyz, sf (f_c·w), dsf (f_c'·w), r̂ xyz.
 * - d (dU of one pair): 12 f64 per jju: re x y z, im x y z, two lanes each.
 * - utR/utI: scalar f64[idxuMax], the total U of the atom.  ywR/ywI: scalar, 2·halfW·Y.
 * - zp: scalar weighted Z of the dB/dr segment pairs; pair: int32 5 per segment pair (3k1, 3k2, jju0, len, zp
 *   offset), see sna.ts. out (dB/dr): 2 lanes per entry 3k + c, k ≤ nB (k = nB the scratch).
 */
#include <wasm_simd128.h>

typedef v128_t V;
#define LD(p) wasm_v128_load(p)
#define ST(p, v) wasm_v128_store(p, v)
#define SPLAT(x) wasm_f64x2_splat(x)
#define ADD wasm_f64x2_add
#define SUB wasm_f64x2_sub
#define MUL wasm_f64x2_mul
#define NEG wasm_f64x2_neg
#define EXPORT(name) __attribute__((export_name(name)))

/* prm slots (in 2-lane vectors) */
enum { P_UA = 0, P_DA = 4, P_DAR = 8, P_DAI = 11, P_DBR = 14, P_DBI = 17, P_SF = 20, P_DSF = 21, P_UX = 22, PRM_VECS = 25 };

EXPORT("snap_prm_len") int snap_prm_len(void) { return 2 * PRM_VECS; }

/* Entries of block j with nonzero half-row weight, leading the upper rows (sna.ts weightedLength). */
static int wlen(int j) { return ((j + 1) / 2) * (j + 1) + (j % 2 == 0 ? j / 2 + 1 : 0); }

/* sna.ts mirrorRows on two-lane (re, im) data with `w` f64 per entry: re parts at [0, w/2), im parts at [w/2, w). */
static void mirror_rows(double *a, int w, int b0, int j, int J) {
  int mb, src, dst;
  if (j % 2 == 0) {
    mb = j >> 1;
    src = b0 + (j + 1) * mb;
    dst = src + j;
  } else if (j < J) {
    mb = (j - 1) >> 1;
    src = b0 + (j + 1) * mb;
    dst = b0 + (j + 1) * (j - mb) + j;
  } else
    return;
  const int h = w / 2;
  for (int ma = 0; ma <= j; ma++, src++, dst--) {
    const double *s = a + w * src;
    double *t = a + w * dst;
    const int even = ((ma + mb) & 1) == 0;
    for (int c = 0; c < h; c += 2) {
      ST(t + c, even ? LD(s + c) : NEG(LD(s + c)));
      ST(t + h + c, even ? NEG(LD(s + h + c)) : LD(s + h + c));
    }
  }
}

/* U of one neighbor pair (sna.ts uarray): upper rows by the gather recursion, then the rows later steps read. */
static void u_pair(int J, const int *blocks, const double *rp, int D, double *u, const double *prm) {
  const V ar = LD(prm + 2 * P_UA), ai = LD(prm + 2 * P_UA + 2), br = LD(prm + 2 * P_UA + 4), bi = LD(prm + 2 * P_UA + 6);
  ST(u, SPLAT(1.0));
  ST(u + 2, SPLAT(0.0));
  for (int j = 1; j <= J; j++) {
    const int b0 = blocks[j], p0 = blocks[j - 1];
    for (int mb = 0; 2 * mb <= j; mb++) {
      double *row = u + 4 * (b0 + (j + 1) * mb);
      const double *prow = u + 4 * (p0 + j * mb);
      const int qb = j - mb;
      V pr = LD(prow), pi = LD(prow + 2);
      V q = SPLAT(rp[j * D + qb]);
      ST(row, MUL(q, ADD(MUL(ar, pr), MUL(ai, pi))));
      ST(row + 2, MUL(q, SUB(MUL(ar, pi), MUL(ai, pr))));
      for (int ma = 1; ma < j; ma++) {
        const V q2 = SPLAT(-rp[ma * D + qb]);
        V vr = MUL(q2, ADD(MUL(br, pr), MUL(bi, pi)));
        V vi = MUL(q2, SUB(MUL(br, pi), MUL(bi, pr)));
        pr = LD(prow + 4 * ma);
        pi = LD(prow + 4 * ma + 2);
        q = SPLAT(rp[(j - ma) * D + qb]);
        vr = ADD(vr, MUL(q, ADD(MUL(ar, pr), MUL(ai, pi))));
        vi = ADD(vi, MUL(q, SUB(MUL(ar, pi), MUL(ai, pr))));
        ST(row + 4 * ma, vr);
        ST(row + 4 * ma + 2, vi);
      }
      const V q2 = SPLAT(-rp[j * D + qb]);
      ST(row + 4 * j, MUL(q2, ADD(MUL(br, pr), MUL(bi, pi))));
      ST(row + 4 * j + 2, MUL(q2, SUB(MUL(br, pi), MUL(bi, pr))));
    }
    mirror_rows(u, 4, b0, j, J);
  }
}

/*
 * U of all neighbors (pairs p at u + p·uStride, prm + p·prmStride, n neighbors in all) and the total U of the atom
 * into utR/utI (sna.ts computeUi): self term, neighbors summed in order on the upper rows, lower rows mirrored.
 */
EXPORT("snap_ui")
void snap_ui(int J, const int *blocks, const double *rp, int D, int n, double *u, int uStride, const double *prm,
             int prmStride, double *utR, double *utI, double wself) {
  const int nu = blocks[J] + (J + 1) * (J + 1);
  for (int k = 0; k < nu; k++) utR[k] = utI[k] = 0.0;
  for (int j = 0; j <= J; j++)
    for (int ma = 0; ma <= j; ma++) utR[blocks[j] + (j + 1) * ma + ma] = wself;
  for (int p = 0; 2 * p < n; p++) {
    double *up = u + p * uStride;
    const double *pp = prm + p * prmStride;
    u_pair(J, blocks, rp, D, up, pp);
    const int lanes = n - 2 * p < 2 ? 1 : 2;
    for (int lane = 0; lane < lanes; lane++) {
      const double s = pp[2 * P_SF + lane];
      for (int j = 0; j <= J; j++) {
        const int b0 = blocks[j], end = b0 + ((j >> 1) + 1) * (j + 1);
        for (int k = b0; k < end; k++) {
          utR[k] += s * up[4 * k + lane];
          utI[k] += s * up[4 * k + 2 + lane];
        }
      }
    }
  }
  for (int j = 1; j <= J; j++) {
    const int b0 = blocks[j];
    int src = b0, dst = b0 + (j + 1) * (j + 1) - 1;
    for (int mb = 0; 2 * mb < j; mb++)
      for (int ma = 0; ma <= j; ma++, src++, dst--) {
        if (((ma + mb) & 1) == 0) {
          utR[dst] = utR[src];
          utI[dst] = -utI[src];
        } else {
          utR[dst] = -utR[src];
          utI[dst] = utI[src];
        }
      }
  }
}

/* dU/dr of one neighbor pair with switching function and weight (sna.ts duarray), into d. */
static void du_pair(int J, const int *blocks, const double *rp, int D, const double *u, double *d, const double *prm) {
  const V ar = LD(prm + 2 * P_DA), ai = LD(prm + 2 * P_DA + 2), br = LD(prm + 2 * P_DA + 4), bi = LD(prm + 2 * P_DA + 6);
  const V dar0 = LD(prm + 2 * P_DAR), dar1 = LD(prm + 2 * P_DAR + 2), dar2 = LD(prm + 2 * P_DAR + 4);
  const V dai0 = LD(prm + 2 * P_DAI), dai1 = LD(prm + 2 * P_DAI + 2), dai2 = LD(prm + 2 * P_DAI + 4);
  const V dbr0 = LD(prm + 2 * P_DBR), dbr1 = LD(prm + 2 * P_DBR + 2), dbr2 = LD(prm + 2 * P_DBR + 4);
  const V dbi0 = LD(prm + 2 * P_DBI), dbi1 = LD(prm + 2 * P_DBI + 2), dbi2 = LD(prm + 2 * P_DBI + 4);
  const V zero = SPLAT(0.0);
  for (int c = 0; c < 6; c++) ST(d + 2 * c, zero);
  for (int j = 1; j <= J; j++) {
    const int b0 = blocks[j], p0 = blocks[j - 1];
    for (int mb = 0; 2 * mb <= j; mb++) {
      const int row = b0 + (j + 1) * mb, prow = p0 + j * mb, qb = j - mb;
      V vr0 = zero, vr1 = zero, vr2 = zero, vi0 = zero, vi1 = zero, vi2 = zero;
      for (int ma = 0; ma < j; ma++) {
        const double *pu = u + 4 * (prow + ma);
        const V pr = LD(pu), pi = LD(pu + 2);
        const double *pd = d + 12 * (prow + ma);
        const V dpr0 = LD(pd), dpr1 = LD(pd + 2), dpr2 = LD(pd + 4);
        const V dpi0 = LD(pd + 6), dpi1 = LD(pd + 8), dpi2 = LD(pd + 10);
        const V q = SPLAT(rp[(j - ma) * D + qb]);
        double *o = d + 12 * (row + ma);
        ST(o, ADD(vr0, MUL(q, ADD(ADD(ADD(MUL(dar0, pr), MUL(dai0, pi)), MUL(ar, dpr0)), MUL(ai, dpi0)))));
        ST(o + 2, ADD(vr1, MUL(q, ADD(ADD(ADD(MUL(dar1, pr), MUL(dai1, pi)), MUL(ar, dpr1)), MUL(ai, dpi1)))));
        ST(o + 4, ADD(vr2, MUL(q, ADD(ADD(ADD(MUL(dar2, pr), MUL(dai2, pi)), MUL(ar, dpr2)), MUL(ai, dpi2)))));
        ST(o + 6, ADD(vi0, MUL(q, SUB(ADD(SUB(MUL(dar0, pi), MUL(dai0, pr)), MUL(ar, dpi0)), MUL(ai, dpr0)))));
        ST(o + 8, ADD(vi1, MUL(q, SUB(ADD(SUB(MUL(dar1, pi), MUL(dai1, pr)), MUL(ar, dpi1)), MUL(ai, dpr1)))));
        ST(o + 10, ADD(vi2, MUL(q, SUB(ADD(SUB(MUL(dar2, pi), MUL(dai2, pr)), MUL(ar, dpi2)), MUL(ai, dpr2)))));
        const V q2 = SPLAT(-rp[(ma + 1) * D + qb]);
        vr0 = MUL(q2, ADD(ADD(ADD(MUL(dbr0, pr), MUL(dbi0, pi)), MUL(br, dpr0)), MUL(bi, dpi0)));
        vr1 = MUL(q2, ADD(ADD(ADD(MUL(dbr1, pr), MUL(dbi1, pi)), MUL(br, dpr1)), MUL(bi, dpi1)));
        vr2 = MUL(q2, ADD(ADD(ADD(MUL(dbr2, pr), MUL(dbi2, pi)), MUL(br, dpr2)), MUL(bi, dpi2)));
        vi0 = MUL(q2, SUB(ADD(SUB(MUL(dbr0, pi), MUL(dbi0, pr)), MUL(br, dpi0)), MUL(bi, dpr0)));
        vi1 = MUL(q2, SUB(ADD(SUB(MUL(dbr1, pi), MUL(dbi1, pr)), MUL(br, dpi1)), MUL(bi, dpr1)));
        vi2 = MUL(q2, SUB(ADD(SUB(MUL(dbr2, pi), MUL(dbi2, pr)), MUL(br, dpi2)), MUL(bi, dpr2)));
      }
      double *o = d + 12 * (row + j);
      ST(o, vr0);
      ST(o + 2, vr1);
      ST(o + 4, vr2);
      ST(o + 6, vi0);
      ST(o + 8, vi1);
      ST(o + 10, vi2);
    }
    mirror_rows(d, 12, b0, j, J);
  }
  const V sf = LD(prm + 2 * P_SF), dsf = LD(prm + 2 * P_DSF);
  const V ux = LD(prm + 2 * P_UX), uy = LD(prm + 2 * P_UX + 2), uz = LD(prm + 2 * P_UX + 4);
  for (int j = 0; j <= J; j++) {
    const int jju0 = blocks[j], end = jju0 + wlen(j);
    for (int jju = jju0; jju < end; jju++) {
      const V u_r = MUL(dsf, LD(u + 4 * jju)), u_i = MUL(dsf, LD(u + 4 * jju + 2));
      double *o = d + 12 * jju;
      ST(o, ADD(MUL(u_r, ux), MUL(sf, LD(o))));
      ST(o + 2, ADD(MUL(u_r, uy), MUL(sf, LD(o + 2))));
      ST(o + 4, ADD(MUL(u_r, uz), MUL(sf, LD(o + 4))));
      ST(o + 6, ADD(MUL(u_i, ux), MUL(sf, LD(o + 6))));
      ST(o + 8, ADD(MUL(u_i, uy), MUL(sf, LD(o + 8))));
      ST(o + 10, ADD(MUL(u_i, uz), MUL(sf, LD(o + 10))));
    }
  }
}

/* dB_k/dr of one neighbor pair (sna.ts computeDbidrj, two segments per pass), into out; d is scratch. */
EXPORT("snap_dbdr")
void snap_dbdr(int J, const int *blocks, const double *rp, int D, const double *u, const double *prm, double *d,
               const double *zp, const int *pair, int nPair, double *out, int nOut) {
  du_pair(J, blocks, rp, D, u, d, prm);
  const V zero = SPLAT(0.0);
  for (int k = 0; k < nOut; k++) ST(out + 2 * k, zero);
  for (int s = 0; s < nPair; s++) {
    const int *p = pair + 5 * s;
    const int len = p[3];
    const double *pd = d + 12 * p[2];
    const double *z = zp + p[4];
    V ax = zero, ay = zero, az = zero, bx = zero, by = zero, bz = zero;
    for (int t = 0; t < len; t++, pd += 12, z += 4) {
      const V d0 = LD(pd), d1 = LD(pd + 2), d2 = LD(pd + 4), d3 = LD(pd + 6), d4 = LD(pd + 8), d5 = LD(pd + 10);
      const V zr = wasm_v128_load64_splat(z), zi = wasm_v128_load64_splat(z + 1);
      const V wr = wasm_v128_load64_splat(z + 2), wi = wasm_v128_load64_splat(z + 3);
      ax = ADD(ax, ADD(MUL(d0, zr), MUL(d3, zi)));
      ay = ADD(ay, ADD(MUL(d1, zr), MUL(d4, zi)));
      az = ADD(az, ADD(MUL(d2, zr), MUL(d5, zi)));
      bx = ADD(bx, ADD(MUL(d0, wr), MUL(d3, wi)));
      by = ADD(by, ADD(MUL(d1, wr), MUL(d4, wi)));
      bz = ADD(bz, ADD(MUL(d2, wr), MUL(d5, wi)));
    }
    double *o1 = out + 2 * p[0], *o2 = out + 2 * p[1];
    ST(o1, ADD(LD(o1), ax));
    ST(o1 + 2, ADD(LD(o1 + 2), ay));
    ST(o1 + 4, ADD(LD(o1 + 4), az));
    ST(o2, ADD(LD(o2), bx));
    ST(o2 + 2, ADD(LD(o2 + 2), by));
    ST(o2 + 4, ADD(LD(o2 + 4), bz));
  }
}

/* dE_i/dr of one neighbor pair (sna.ts computeDeidrj), into out: x y z, two lanes each; d is scratch. */
EXPORT("snap_deidrj")
void snap_deidrj(int J, const int *blocks, const double *rp, int D, const double *u, const double *prm, double *d,
                 const double *ywR, const double *ywI, double *out) {
  du_pair(J, blocks, rp, D, u, d, prm);
  V fx = SPLAT(0.0), fy = fx, fz = fx;
  for (int j = 0; j <= J; j++) {
    const int jju0 = blocks[j], end = jju0 + wlen(j);
    for (int jju = jju0; jju < end; jju++) {
      const V yr = SPLAT(ywR[jju]), yi = SPLAT(ywI[jju]);
      const double *o = d + 12 * jju;
      fx = ADD(fx, ADD(MUL(LD(o), yr), MUL(LD(o + 6), yi)));
      fy = ADD(fy, ADD(MUL(LD(o + 2), yr), MUL(LD(o + 8), yi)));
      fz = ADD(fz, ADD(MUL(LD(o + 4), yr), MUL(LD(o + 10), yi)));
    }
  }
  ST(out, fx);
  ST(out + 2, fy);
  ST(out + 4, fz);
}
