// gmp_factorial: the reference the tests and benchmarks compare rangefarm
// with. Computes n! with GMP's own mpz_fac_ui on one core and prints one JSON
// line with its timings; with --output FILE also converts it with
// mpz_get_str (timed separately) and writes "n! = <digits>" as rangefarm does.
#include <gmp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 4 && std::strcmp(argv[2], "--output") == 0)) {
    std::fprintf(stderr, "usage: gmp_factorial N [--output FILE]\n");
    return 2;
  }
  const unsigned long n = std::strtoul(argv[1], nullptr, 10);
  mpz_t f;
  mpz_init(f);
  auto start = std::chrono::steady_clock::now();
  mpz_fac_ui(f, n);
  const double fac_s = seconds_since(start);
  double get_str_s = 0;
  if (argc == 4) {
    start = std::chrono::steady_clock::now();
    char* digits = mpz_get_str(nullptr, 10, f);
    get_str_s = seconds_since(start);
    FILE* out = std::fopen(argv[3], "w");
    if (out == nullptr || std::fprintf(out, "%lu! = %s\n", n, digits) < 0 ||
        std::fclose(out) != 0) {
      std::fprintf(stderr, "gmp_factorial: cannot write %s\n", argv[3]);
      return 1;
    }
    std::free(digits);
  }
  std::printf("{\"n\": %lu, \"bits\": %zu, \"fac_s\": %.6f, \"get_str_s\": %.6f}\n", n,
              mpz_sizeinbase(f, 2), fac_s, get_str_s);
  mpz_clear(f);
  return 0;
}
