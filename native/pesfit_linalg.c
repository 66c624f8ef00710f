/*
 * pesfit_linalg: a small Node-API addon exposing OpenBLAS (CBLAS) and LAPACKE dense kernels on Float64Array data.
 *
 * Layout: every matrix crosses the boundary as a row-major Float64Array with its shape passed explicitly
 * (element (i, j) of an r x c matrix at i * c + j), the layout of src/linalg/dense.ts. A row-major r x c array is
 * the column-major c x r array of the transpose, so most calls below hand the data to LAPACK column-major as Aᵀ
 * and rearrange the algebra instead of paying LAPACKE's row-major transposition copies (comments say how).
 *
 * Inputs are never modified: each routine copies what LAPACK overwrites. Shapes and lengths are checked here too,
 * since a wrong length from JavaScript would otherwise read or write out of bounds. LAPACK's `info` is returned to
 * the caller (it decides what a non-positive-definite matrix or a singular R means); invalid arguments throw.
 *
 * Exports (all numbers are doubles, all arrays Float64Array):
 *   gram(a, rows, cols)            -> G (cols x cols), G = AᵀA, both triangles filled        [dsyrk]
 *   atb(a, rows, cols, b)          -> Aᵀb (cols)                                            [dgemv]
 *   syevd(a, n)                    -> { info, values (n, ascending), vectors (n x n, column k = vector k) } [dsyevd]
 *   potrf(a, n)                    -> { info, l (n x n lower, A = L Lᵀ, strict upper zero) } [dpotrf]
 *   potrs(l, n, b)                 -> x (n), L Lᵀ x = b                                      [dpotrs]
 *   gels(a, rows, cols, b)         -> { info, x (cols), residualNorm, rDiagonal (cols) }    [dgels], rows >= cols
 *   gesdd(a, rows, cols)           -> { info, u (rows x k), s (k, descending), vt (k x cols) }, k = min(rows, cols) [dgesdd]
 *   syrkAcc(g, a, rows, cols)      -> undefined; g (cols x cols) upper triangle (j >= i) += AᵀA IN PLACE, the strict
 *                                     lower triangle untouched: streamed normal equations, one block of rows per call [dsyrk]
 *   potri(l, n)                    -> { info, inv (n x n, both triangles) }, (L Lᵀ)⁻¹ from potrf's factor       [dpotri]
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(env, call)                                   \
  do {                                                     \
    if ((call) != napi_ok) {                               \
      napi_throw_error((env), NULL, "napi call failed: " #call); \
      return NULL;                                         \
    }                                                      \
  } while (0)

/* Reads argument `i` as a Float64Array; stores its data pointer and length. Throws and returns 0 on failure. */
static int get_f64(napi_env env, napi_value v, const char *what, double **data, size_t *len) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  napi_typedarray_type type;
  void *ptr = NULL;
  if (napi_get_typedarray_info(env, v, &type, len, &ptr, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, what);
    return 0;
  }
  *data = (double *)ptr;
  return 1;
}

/* Reads a non-negative integer dimension that fits LAPACK's 32-bit int. */
static int get_dim(napi_env env, napi_value v, const char *what, int *out) {
  double d = -1;
  if (napi_get_value_double(env, v, &d) != napi_ok || !(d >= 0) || d > 2147483647.0 || d != floor(d)) {
    napi_throw_range_error(env, NULL, what);
    return 0;
  }
  *out = (int)d;
  return 1;
}

/* A fresh zero-filled Float64Array of n doubles; `data` receives its storage. */
static napi_value new_f64(napi_env env, size_t n, double **data) {
  napi_value buf, arr;
  void *ptr = NULL;
  if (napi_create_arraybuffer(env, n * sizeof(double), &ptr, &buf) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_float64_array, n, buf, 0, &arr) != napi_ok) return NULL;
  if (n) memset(ptr, 0, n * sizeof(double));
  *data = (double *)ptr;
  return arr;
}

static int set_num(napi_env env, napi_value obj, const char *key, double x) {
  napi_value v;
  return napi_create_double(env, x, &v) == napi_ok && napi_set_named_property(env, obj, key, v) == napi_ok;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_type_error(env, NULL, "pesfit_linalg: too few arguments");
    return 0;
  }
  return 1;
}

static int check_len(napi_env env, size_t len, size_t want, const char *what) {
  if (len != want) {
    napi_throw_range_error(env, NULL, what);
    return 0;
  }
  return 1;
}

/* G = AᵀA. CBLAS row-major dsyrk with Trans computes exactly this without a copy; only the upper triangle is
 * written, so it is mirrored afterwards. */
static napi_value gram(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  double *a; size_t len; int rows, cols;
  if (!get_args(env, info, 3, argv) || !get_f64(env, argv[0], "gram: a must be a Float64Array", &a, &len) ||
      !get_dim(env, argv[1], "gram: bad rows", &rows) || !get_dim(env, argv[2], "gram: bad cols", &cols) ||
      !check_len(env, len, (size_t)rows * cols, "gram: a.length != rows * cols"))
    return NULL;
  double *g;
  napi_value out = new_f64(env, (size_t)cols * cols, &g);
  if (!out) return NULL;
  if (cols > 0 && rows > 0) {
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, rows, 1.0, a, cols, 0.0, g, cols);
    for (int i = 0; i < cols; i++)
      for (int j = i + 1; j < cols; j++) g[(size_t)j * cols + i] = g[(size_t)i * cols + j];
  }
  return out;
}

/* y = Aᵀ b. */
static napi_value atb(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  double *a, *b; size_t la, lb; int rows, cols;
  if (!get_args(env, info, 4, argv) || !get_f64(env, argv[0], "atb: a must be a Float64Array", &a, &la) ||
      !get_dim(env, argv[1], "atb: bad rows", &rows) || !get_dim(env, argv[2], "atb: bad cols", &cols) ||
      !get_f64(env, argv[3], "atb: b must be a Float64Array", &b, &lb) ||
      !check_len(env, la, (size_t)rows * cols, "atb: a.length != rows * cols") ||
      !check_len(env, lb, (size_t)rows, "atb: b.length != rows"))
    return NULL;
  double *y;
  napi_value out = new_f64(env, (size_t)cols, &y);
  if (!out) return NULL;
  if (cols > 0 && rows > 0) cblas_dgemv(CblasRowMajor, CblasTrans, rows, cols, 1.0, a, cols, b, 1, 0.0, y, 1);
  return out;
}

/* Symmetric eigen-decomposition. A symmetric matrix is its own transpose, so the row-major data are passed
 * column-major unchanged ('L' in column-major reads the row-major upper triangle). LAPACK returns eigenvectors as
 * columns of a column-major array, i.e. as rows of the row-major one: transposed in place so that column k of the
 * row-major result is eigenvector k (the contract of src/linalg/eigen.ts). */
static napi_value syevd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *a; size_t len; int n;
  if (!get_args(env, info, 2, argv) || !get_f64(env, argv[0], "syevd: a must be a Float64Array", &a, &len) ||
      !get_dim(env, argv[1], "syevd: bad n", &n) || !check_len(env, len, (size_t)n * n, "syevd: a.length != n * n"))
    return NULL;
  double *v, *w;
  napi_value vectors = new_f64(env, (size_t)n * n, &v);
  napi_value values = new_f64(env, (size_t)n, &w);
  if (!vectors || !values) return NULL;
  int status = 0;
  if (n > 0) {
    memcpy(v, a, (size_t)n * n * sizeof(double));
    status = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'L', n, v, n, w);
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) {
        double t = v[(size_t)i * n + j];
        v[(size_t)i * n + j] = v[(size_t)j * n + i];
        v[(size_t)j * n + i] = t;
      }
  }
  if (status < 0) { napi_throw_error(env, NULL, "syevd: invalid argument to LAPACKE_dsyevd"); return NULL; }
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  if (!set_num(env, out, "info", status)) return NULL;
  CHECK(env, napi_set_named_property(env, out, "values", values));
  CHECK(env, napi_set_named_property(env, out, "vectors", vectors));
  return out;
}

/* Cholesky A = L Lᵀ. The row-major lower triangle L is, read column-major, the upper factor U = Lᵀ with A = UᵀU:
 * so dpotrf('U') in column-major yields row-major L directly. The untouched triangle still holds A; zeroed. */
static napi_value potrf(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *a; size_t len; int n;
  if (!get_args(env, info, 2, argv) || !get_f64(env, argv[0], "potrf: a must be a Float64Array", &a, &len) ||
      !get_dim(env, argv[1], "potrf: bad n", &n) || !check_len(env, len, (size_t)n * n, "potrf: a.length != n * n"))
    return NULL;
  double *l;
  napi_value fac = new_f64(env, (size_t)n * n, &l);
  if (!fac) return NULL;
  int status = 0;
  if (n > 0) {
    memcpy(l, a, (size_t)n * n * sizeof(double));
    status = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', n, l, n);
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) l[(size_t)i * n + j] = 0.0;
  }
  if (status < 0) { napi_throw_error(env, NULL, "potrf: invalid argument to LAPACKE_dpotrf"); return NULL; }
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  if (!set_num(env, out, "info", status)) return NULL;
  CHECK(env, napi_set_named_property(env, out, "l", fac));
  return out;
}

/* Solves L Lᵀ x = b with the factor of potrf (same column-major 'U' reading). */
static napi_value potrs(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  double *l, *b; size_t ll, lb; int n;
  if (!get_args(env, info, 3, argv) || !get_f64(env, argv[0], "potrs: l must be a Float64Array", &l, &ll) ||
      !get_dim(env, argv[1], "potrs: bad n", &n) || !get_f64(env, argv[2], "potrs: b must be a Float64Array", &b, &lb) ||
      !check_len(env, ll, (size_t)n * n, "potrs: l.length != n * n") || !check_len(env, lb, (size_t)n, "potrs: b.length != n"))
    return NULL;
  double *x;
  napi_value out = new_f64(env, (size_t)n, &x);
  if (!out) return NULL;
  if (n > 0) {
    memcpy(x, b, (size_t)n * sizeof(double));
    int status = LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'U', n, 1, l, n, x, n);
    if (status != 0) { napi_throw_error(env, NULL, "potrs: LAPACKE_dpotrs failed"); return NULL; }
  }
  return out;
}

/* Least squares min ‖A x − b‖ by QR (rows >= cols). The copy LAPACK overwrites is made column-major (a transposed
 * copy, O(rows cols) against the O(rows cols²) factorisation) so that dgels('N') factors A itself, A = Q R: its
 * |diag R| is then the one of the TypeScript QR. (Passing the row-major data as Aᵀ with TRANS='T' would avoid the
 * transposition, but for a square A LAPACK then factors Aᵀ, whose R has a different diagonal.) Entries
 * cols..rows-1 of the overwritten b are the part of Qᵀb outside the range of A: the residual. */
static napi_value gels(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  double *a, *b; size_t la, lb; int rows, cols;
  if (!get_args(env, info, 4, argv) || !get_f64(env, argv[0], "gels: a must be a Float64Array", &a, &la) ||
      !get_dim(env, argv[1], "gels: bad rows", &rows) || !get_dim(env, argv[2], "gels: bad cols", &cols) ||
      !get_f64(env, argv[3], "gels: b must be a Float64Array", &b, &lb) ||
      !check_len(env, la, (size_t)rows * cols, "gels: a.length != rows * cols") ||
      !check_len(env, lb, (size_t)rows, "gels: b.length != rows"))
    return NULL;
  if (rows < cols) { napi_throw_range_error(env, NULL, "gels: rows < cols (underdetermined)"); return NULL; }
  double *x, *rd;
  napi_value xs = new_f64(env, (size_t)cols, &x);
  napi_value rdiag = new_f64(env, (size_t)cols, &rd);
  if (!xs || !rdiag) return NULL;
  int status = 0;
  double res = 0.0;
  if (cols > 0) {
    double *c = malloc((size_t)rows * cols * sizeof(double));
    double *y = malloc((size_t)rows * sizeof(double));
    if (!c || !y) { free(c); free(y); napi_throw_error(env, NULL, "gels: out of memory"); return NULL; }
    for (int i = 0; i < rows; i++)
      for (int j = 0; j < cols; j++) c[(size_t)j * rows + i] = a[(size_t)i * cols + j];
    memcpy(y, b, (size_t)rows * sizeof(double));
    status = LAPACKE_dgels(LAPACK_COL_MAJOR, 'N', rows, cols, 1, c, rows, y, rows);
    for (int k = 0; k < cols; k++) rd[k] = fabs(c[(size_t)k * rows + k]);
    if (status == 0) {
      memcpy(x, y, (size_t)cols * sizeof(double));
      for (int i = cols; i < rows; i++) res += y[i] * y[i];
    }
    free(c);
    free(y);
  } else {
    for (int i = 0; i < rows; i++) res += b[i] * b[i];
  }
  if (status < 0) { napi_throw_error(env, NULL, "gels: invalid argument to LAPACKE_dgels"); return NULL; }
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  if (!set_num(env, out, "info", status) || !set_num(env, out, "residualNorm", sqrt(res))) return NULL;
  CHECK(env, napi_set_named_property(env, out, "x", xs));
  CHECK(env, napi_set_named_property(env, out, "rDiagonal", rdiag));
  return out;
}

/* Thin SVD A = U diag(s) Vᵀ by divide and conquer. Passing the row-major A as the column-major C = Aᵀ gives
 * C = U_C Σ Vt_C, so A = Vt_Cᵀ Σ U_Cᵀ: the column-major Vt_C (k x rows) is the row-major U (rows x k), and the
 * column-major U_C (cols x k) is the row-major Vᵀ (k x cols). No transposition is needed. */
static napi_value gesdd(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  double *a; size_t len; int rows, cols;
  if (!get_args(env, info, 3, argv) || !get_f64(env, argv[0], "gesdd: a must be a Float64Array", &a, &len) ||
      !get_dim(env, argv[1], "gesdd: bad rows", &rows) || !get_dim(env, argv[2], "gesdd: bad cols", &cols) ||
      !check_len(env, len, (size_t)rows * cols, "gesdd: a.length != rows * cols"))
    return NULL;
  int k = rows < cols ? rows : cols;
  double *u, *s, *vt;
  napi_value us = new_f64(env, (size_t)rows * k, &u);
  napi_value ss = new_f64(env, (size_t)k, &s);
  napi_value vts = new_f64(env, (size_t)k * cols, &vt);
  if (!us || !ss || !vts) return NULL;
  int status = 0;
  if (k > 0) {
    double *c = malloc((size_t)rows * cols * sizeof(double));
    if (!c) { napi_throw_error(env, NULL, "gesdd: out of memory"); return NULL; }
    memcpy(c, a, (size_t)rows * cols * sizeof(double));
    /* C is cols x rows column-major: its left vectors (cols x k, ld cols) are Vᵀ, its right ones (k x rows, ld k) U. */
    status = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', cols, rows, c, cols, s, vt, cols, u, k);
    free(c);
  }
  if (status < 0) { napi_throw_error(env, NULL, "gesdd: invalid argument to LAPACKE_dgesdd"); return NULL; }
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  if (!set_num(env, out, "info", status)) return NULL;
  CHECK(env, napi_set_named_property(env, out, "u", us));
  CHECK(env, napi_set_named_property(env, out, "s", ss));
  CHECK(env, napi_set_named_property(env, out, "vt", vts));
  return out;
}

/* G_upper += AᵀA without allocating: the accumulator of streamed normal equations (one call per block of rows).
 * The one routine that writes into its argument, by design (a P x P accumulator is too large to copy per block). */
static napi_value syrk_acc(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  double *g, *a; size_t lg, la; int rows, cols;
  if (!get_args(env, info, 4, argv) || !get_f64(env, argv[0], "syrkAcc: g must be a Float64Array", &g, &lg) ||
      !get_f64(env, argv[1], "syrkAcc: a must be a Float64Array", &a, &la) ||
      !get_dim(env, argv[2], "syrkAcc: bad rows", &rows) || !get_dim(env, argv[3], "syrkAcc: bad cols", &cols) ||
      !check_len(env, la, (size_t)rows * cols, "syrkAcc: a.length != rows * cols") ||
      !check_len(env, lg, (size_t)cols * cols, "syrkAcc: g.length != cols * cols"))
    return NULL;
  if (cols > 0 && rows > 0) cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, cols, rows, 1.0, a, cols, 1.0, g, cols);
  return NULL;
}

/* Inverse of L Lᵀ from potrf's factor: read column-major, L is U (A = UᵀU), and dpotri('U') leaves the upper
 * column-major triangle of the inverse, i.e. the row-major lower one; mirrored into the upper. */
static napi_value potri(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  double *l; size_t ll; int n;
  if (!get_args(env, info, 2, argv) || !get_f64(env, argv[0], "potri: l must be a Float64Array", &l, &ll) ||
      !get_dim(env, argv[1], "potri: bad n", &n) || !check_len(env, ll, (size_t)n * n, "potri: l.length != n * n"))
    return NULL;
  double *v;
  napi_value inv = new_f64(env, (size_t)n * n, &v);
  if (!inv) return NULL;
  int status = 0;
  if (n > 0) {
    memcpy(v, l, (size_t)n * n * sizeof(double));
    status = LAPACKE_dpotri(LAPACK_COL_MAJOR, 'U', n, v, n);
    for (int i = 0; i < n; i++)
      for (int j = i + 1; j < n; j++) v[(size_t)i * n + j] = v[(size_t)j * n + i];
  }
  if (status < 0) { napi_throw_error(env, NULL, "potri: invalid argument to LAPACKE_dpotri"); return NULL; }
  napi_value out;
  CHECK(env, napi_create_object(env, &out));
  if (!set_num(env, out, "info", status)) return NULL;
  CHECK(env, napi_set_named_property(env, out, "inv", inv));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "gram", NULL, gram, NULL, NULL, NULL, napi_enumerable, NULL },
    { "atb", NULL, atb, NULL, NULL, NULL, napi_enumerable, NULL },
    { "syevd", NULL, syevd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "potrf", NULL, potrf, NULL, NULL, NULL, napi_enumerable, NULL },
    { "potrs", NULL, potrs, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gels", NULL, gels, NULL, NULL, NULL, napi_enumerable, NULL },
    { "gesdd", NULL, gesdd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "syrkAcc", NULL, syrk_acc, NULL, NULL, NULL, napi_enumerable, NULL },
    { "potri", NULL, potri, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
