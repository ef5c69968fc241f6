/*
 * Fixed work, compiled: how well can this machine repeat a timing at all? No JIT, no GC, no
 * tensor library, so what moves between processes is the machine. Used by machine-floor.ts.
 *
 * Protocol: `machine-floor BLOCKS BLOCK_MS` prints one JSON object per line on stdout, one per
 * configuration, in a fixed order: {"kernel":K,"size":S,"repsPerBlock":R,"medianMs":M,
 * "p10Ms":A,"p90Ms":B} where the *Ms figures are per repetition (block time / R) over BLOCKS
 * blocks of at least BLOCK_MS each, after a warm-up. Exit status 2 on bad arguments.
 * Kernels: "alu" (S iterations of one dependent add chain: latency bound, registers only), "vector"
 * (S iterations of 64 independent multiply-adds: throughput bound, registers only), "stream"
 * (reads every 16th float of an S-byte buffer: caches and memory), "matmul" (S×S float product).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static volatile double sink;

static void alu(long n) {
  double s = 0;
  for (long i = 0; i < n; i++) s += (double)i * 0.5;
  sink = s;
}

static void vector(long n) {
  float acc[64] = {0};
  for (long i = 0; i < n; i++)
    for (int q = 0; q < 64; q++) acc[q] = acc[q] * 0.999f + 1.0f;
  sink = acc[0] + acc[63];
}

static void stream(const float *a, long floats) {
  float s = 0;
  for (long i = 0; i < floats; i += 16) s += a[i];
  sink = s;
}

static void matmul(int n, const float *a, const float *b, float *c) {
  for (int i = 0; i < n; i++)
    for (int k = 0; k < n; k++) {
      float x = a[i * n + k];
      for (int j = 0; j < n; j++) c[i * n + j] += x * b[k * n + j];
    }
}

/* One repetition of configuration (kernel, size) on buffers prepared by measure(). */
static void once(char kernel, long size, float *a, float *b, float *c) {
  if (kernel == 'a') alu(size);
  else if (kernel == 'v') vector(size);
  else if (kernel == 's') stream(a, size / 4);
  else matmul((int)size, a, b, c);
}

static void measure(const char *name, long size, int blocks, double block_ms) {
  char kernel = name[0];
  long floats = kernel == 's' ? size / 4 : kernel == 'm' ? size * size : 1;
  float *a = malloc(floats * sizeof(float)), *b = malloc(floats * sizeof(float)),
        *c = calloc(floats, sizeof(float));
  double *per = malloc(blocks * sizeof(double));
  if (!a || !b || !c || !per) { fprintf(stderr, "out of memory\n"); exit(1); }
  for (long i = 0; i < floats; i++) { a[i] = 1.1f; b[i] = 0.9f; }
  for (int w = 0; w < 10; w++) once(kernel, size, a, b, c);
  long reps = 0;
  double start = now_ms();
  while (now_ms() - start < block_ms) { once(kernel, size, a, b, c); reps++; }
  if (reps < 1) reps = 1;
  for (int k = 0; k < blocks; k++) {
    double t = now_ms();
    for (long r = 0; r < reps; r++) once(kernel, size, a, b, c);
    per[k] = (now_ms() - t) / reps;
  }
  qsort(per, blocks, sizeof(double), by_value);
  printf("{\"kernel\":\"%s\",\"size\":%ld,\"repsPerBlock\":%ld,\"medianMs\":%.6f,\"p10Ms\":%.6f,"
         "\"p90Ms\":%.6f}\n",
         name, size, reps, per[blocks / 2], per[blocks / 10], per[(blocks * 9) / 10]);
  fflush(stdout);
  free(a); free(b); free(c); free(per);
}

int main(int argc, char **argv) {
  int blocks = argc > 1 ? atoi(argv[1]) : 0;
  double block_ms = argc > 2 ? atof(argv[2]) : 0;
  if (argc != 3 || blocks < 2 || block_ms <= 0) {
    fprintf(stderr, "usage: machine-floor BLOCKS(>=2) BLOCK_MS(>0)\n");
    return 2;
  }
  static const long alu_sizes[] = {20000, 200000, 2000000};
  static const long stream_bytes[] = {32768, 262144, 2097152, 16777216, 134217728};
  static const long matmul_sizes[] = {24, 48, 64, 96, 128, 160, 192, 256};
  static const long vector_sizes[] = {300, 3000, 30000};
  for (int i = 0; i < 3; i++) measure("alu", alu_sizes[i], blocks, block_ms);
  for (int i = 0; i < 3; i++) measure("vector", vector_sizes[i], blocks, block_ms);
  for (int i = 0; i < 5; i++) measure("stream", stream_bytes[i], blocks, block_ms);
  for (int i = 0; i < 8; i++) measure("matmul", matmul_sizes[i], blocks, block_ms);
  return 0;
}
