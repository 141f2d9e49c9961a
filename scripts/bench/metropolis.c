/*
 * C baseline for scripts/bench-sampler.ts: single-spin updates on the joint Ising graph of the
 * sampler (src/sampler.ts), read from a binary file written by the benchmark.
 *
 * Usage: metropolis GRAPH.bin [SECONDS_PER_MODE]
 *
 * File layout (native byte order, which is little-endian on every box we run on):
 *   int32 nNodes, int32 nnz,
 *   int32 rowStart[nNodes + 1], int32 nbr[nnz], float64 nbrW[nnz], float64 bias[nNodes].
 *
 * Energy convention: p(x) ∝ exp(sum_u bias_u x_u + sum_{u<v} w_uv x_u x_v), local field
 * f_u = bias_u + sum_v w_uv x_v, x = ±1. Three modes, each a plain loop over nodes 0..n-1 in index
 * order, xoshiro128** random numbers (state in locals, so the compiler keeps it in registers), no
 * I/O inside the timed loop:
 *   metropolis-table  Metropolis, flip with probability min(1, exp(-2 x_u f_u)) read from a per-node
 *                     table precomputed for every neighbour sign pattern and current x_u (the same
 *                     trick as the JS sampler's heat-bath table; no exp in the loop). No random
 *                     number is drawn when the acceptance is 1.
 *   metropolis-expf   Metropolis, f_u summed in double, acceptance by expf(-2 x_u f_u) (single
 *                     precision exp) only when 2 x_u f_u > 0.
 *   heatbath-table    the JS algorithm itself (src/sampler.ts Sampler.sweep): x_u = +1 with
 *                     probability 1/(1 + exp(-2 f_u)) from the same per-pattern table; isolates the
 *                     language cost from the choice of algorithm.
 * Nodes of degree > 20 fall back to computing the field (exp/expf); the benchmark graph has
 * degrees <= 6.
 *
 * Output: one line per mode, "MODE UPDATES_PER_SECOND SWEEPS SECONDS LOGP"; UPDATES_PER_SECOND is
 * the median of 5 timed batches, LOGP the log-weight per node of the final configuration (keeps
 * the loops from being optimized away, and should agree between modes and with JS to ~10%: one configuration, not an average).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_TABLE_DEGREE 20

typedef struct { uint32_t a, b, c, d; } rng_t;

static inline uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static inline uint32_t rng_next(rng_t *s) {
  uint32_t r = rotl(s->b * 5, 7) * 9;
  uint32_t t = s->b << 9;
  s->c ^= s->a;
  s->d ^= s->b;
  s->b ^= s->c;
  s->a ^= s->d;
  s->c ^= t;
  s->d = rotl(s->d, 11);
  return r;
}

/* Uniform in [0, 1) from 32 bits, like Rng.next() in src/rng.ts. */
static inline double rng_u01(rng_t *s) { return rng_next(s) * 2.3283064365386963e-10; }

typedef struct {
  int32_t n, nnz;
  int32_t *rowStart, *nbr;
  double *w, *bias;
  /* Per-node tables: tabStart[u] >= 0 indexes tab (2^(d+1) entries for Metropolis: pattern << 1 |
   * (x_u > 0); 2^d entries for heat bath), -1 when the degree is too large. */
  int64_t *tabStart;
  double *tab;
} graph_t;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "out of memory\n");
    exit(2);
  }
  return p;
}

static void read_exact(FILE *f, void *p, size_t size, size_t count, const char *what) {
  if (fread(p, size, count, f) != count) {
    fprintf(stderr, "short read of %s\n", what);
    exit(2);
  }
}

static double field_of_pattern(const graph_t *g, int u, uint32_t pat) {
  double f = g->bias[u];
  for (int p = g->rowStart[u]; p < g->rowStart[u + 1]; p++) f += g->w[p] * (((pat >> (p - g->rowStart[u])) & 1) ? 1.0 : -1.0);
  return f;
}

/* metropolis != 0: table of min(1, exp(-2 x f)) per (pattern, x); else 1/(1 + exp(-2 f)) per pattern. */
static void build_tables(graph_t *g, int metropolis) {
  int64_t size = 0;
  for (int u = 0; u < g->n; u++) {
    int d = g->rowStart[u + 1] - g->rowStart[u];
    if (d <= MAX_TABLE_DEGREE) {
      g->tabStart[u] = size;
      size += (int64_t)1 << (d + (metropolis ? 1 : 0));
    } else {
      g->tabStart[u] = -1;
    }
  }
  free(g->tab);
  g->tab = xmalloc(sizeof(double) * (size_t)size);
  for (int u = 0; u < g->n; u++) {
    if (g->tabStart[u] < 0) continue;
    int d = g->rowStart[u + 1] - g->rowStart[u];
    for (uint32_t pat = 0; pat < (1u << d); pat++) {
      double f = field_of_pattern(g, u, pat);
      if (metropolis) {
        double up = exp(-2.0 * f), down = exp(2.0 * f); /* x = +1 and x = -1 */
        g->tab[g->tabStart[u] + 2 * pat + 1] = up < 1 ? up : 1;
        g->tab[g->tabStart[u] + 2 * pat] = down < 1 ? down : 1;
      } else {
        g->tab[g->tabStart[u] + pat] = 1.0 / (1.0 + exp(-2.0 * f));
      }
    }
  }
}

static inline uint32_t pattern(const graph_t *g, const int8_t *x, int r0, int r1) {
  uint32_t pat = 0;
  for (int p = r0; p < r1; p++) pat |= (uint32_t)(x[g->nbr[p]] > 0) << (p - r0);
  return pat;
}

static rng_t sweep_metropolis_table(const graph_t *g, int8_t *x, rng_t s, long sweeps) {
  const int n = g->n;
  for (long k = 0; k < sweeps; k++) {
    for (int u = 0; u < n; u++) {
      const int r0 = g->rowStart[u], r1 = g->rowStart[u + 1];
      const int64_t t = g->tabStart[u];
      double acc;
      if (t >= 0) {
        acc = g->tab[t + 2 * pattern(g, x, r0, r1) + (x[u] > 0)];
      } else {
        double f = g->bias[u];
        for (int p = r0; p < r1; p++) f += g->w[p] * x[g->nbr[p]];
        acc = exp(-2.0 * x[u] * f);
      }
      if (acc >= 1.0 || rng_u01(&s) < acc) x[u] = (int8_t)-x[u];
    }
  }
  return s;
}

static rng_t sweep_metropolis_expf(const graph_t *g, int8_t *x, rng_t s, long sweeps) {
  const int n = g->n;
  for (long k = 0; k < sweeps; k++) {
    for (int u = 0; u < n; u++) {
      double f = g->bias[u];
      for (int p = g->rowStart[u]; p < g->rowStart[u + 1]; p++) f += g->w[p] * x[g->nbr[p]];
      const float dE = (float)(2.0 * x[u] * f);
      if (dE <= 0.0f || rng_u01(&s) < expf(-dE)) x[u] = (int8_t)-x[u];
    }
  }
  return s;
}

static rng_t sweep_heatbath_table(const graph_t *g, int8_t *x, rng_t s, long sweeps) {
  const int n = g->n;
  for (long k = 0; k < sweeps; k++) {
    for (int u = 0; u < n; u++) {
      const int r0 = g->rowStart[u], r1 = g->rowStart[u + 1];
      const int64_t t = g->tabStart[u];
      if (t >= 0) {
        x[u] = rng_u01(&s) < g->tab[t + pattern(g, x, r0, r1)] ? 1 : -1;
      } else {
        double f = g->bias[u];
        for (int p = r0; p < r1; p++) f += g->w[p] * x[g->nbr[p]];
        x[u] = rng_u01(&s) * (1.0 + exp(-2.0 * f)) < 1.0 ? 1 : -1;
      }
    }
  }
  return s;
}

typedef rng_t (*sweep_fn)(const graph_t *, int8_t *, rng_t, long);

/* Calibrates the batch size to ~budget/5, then times 5 batches and reports the median rate. */
static void run_mode(const char *name, sweep_fn fn, const graph_t *g, double budget) {
  int8_t *x = xmalloc((size_t)g->n);
  rng_t s = {0x9e3779b9u, 0x243f6a88u, 0xb7e15162u, 0x12345678u};
  for (int u = 0; u < g->n; u++) x[u] = (rng_next(&s) >> 31) ? 1 : -1;
  s = fn(g, x, s, 20); /* warm caches and branch predictors */
  long batch = 1;
  double dt = 0;
  for (;;) {
    double t0 = now();
    s = fn(g, x, s, batch);
    dt = now() - t0;
    if (dt > budget / 10 || batch > (1L << 40)) break;
    batch *= 2;
  }
  double rates[5], total = 0;
  long sweeps = 0;
  for (int r = 0; r < 5; r++) {
    double t0 = now();
    s = fn(g, x, s, batch);
    double e = now() - t0;
    rates[r] = (double)batch * g->n / e;
    total += e;
    sweeps += batch;
  }
  for (int i = 1; i < 5; i++) /* insertion sort, 5 entries */
    for (int j = i; j > 0 && rates[j] < rates[j - 1]; j--) {
      double tmp = rates[j];
      rates[j] = rates[j - 1];
      rates[j - 1] = tmp;
    }
  /* log p of the final configuration per node, sum_u x_u (bias_u + 1/2 sum_v w_uv x_v) / n: a
   * checksum that also tells whether all modes sample the same distribution. */
  double lp = 0;
  for (int u = 0; u < g->n; u++) {
    double f = g->bias[u];
    for (int p = g->rowStart[u]; p < g->rowStart[u + 1]; p++) f += 0.5 * g->w[p] * x[g->nbr[p]];
    lp += x[u] * f;
  }
  printf("%s %.6e %ld %.4f %.6f\n", name, rates[2], sweeps, total, lp / g->n);
  fflush(stdout);
  free(x);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s GRAPH.bin [SECONDS_PER_MODE]\n", argv[0]);
    return 2;
  }
  double budget = argc > 2 ? atof(argv[2]) : 1.0;
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  graph_t g;
  memset(&g, 0, sizeof g);
  read_exact(f, &g.n, sizeof(int32_t), 1, "nNodes");
  read_exact(f, &g.nnz, sizeof(int32_t), 1, "nnz");
  if (g.n <= 0 || g.nnz < 0) {
    fprintf(stderr, "bad header\n");
    return 2;
  }
  g.rowStart = xmalloc(sizeof(int32_t) * (size_t)(g.n + 1));
  g.nbr = xmalloc(sizeof(int32_t) * (size_t)g.nnz);
  g.w = xmalloc(sizeof(double) * (size_t)g.nnz);
  g.bias = xmalloc(sizeof(double) * (size_t)g.n);
  g.tabStart = xmalloc(sizeof(int64_t) * (size_t)g.n);
  read_exact(f, g.rowStart, sizeof(int32_t), (size_t)g.n + 1, "rowStart");
  read_exact(f, g.nbr, sizeof(int32_t), (size_t)g.nnz, "nbr");
  read_exact(f, g.w, sizeof(double), (size_t)g.nnz, "nbrW");
  read_exact(f, g.bias, sizeof(double), (size_t)g.n, "bias");
  fclose(f);
  if (g.rowStart[0] != 0 || g.rowStart[g.n] != g.nnz) {
    fprintf(stderr, "inconsistent rowStart\n");
    return 2;
  }

  build_tables(&g, 1);
  run_mode("metropolis-table", sweep_metropolis_table, &g, budget);
  run_mode("metropolis-expf", sweep_metropolis_expf, &g, budget);
  build_tables(&g, 0);
  run_mode("heatbath-table", sweep_heatbath_table, &g, budget);
  return 0;
}
