#include "rangefarm/work/lucas_lehmer_state.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace rf {
namespace {

struct File {
  std::FILE* f;
  ~File() {
    if (f) std::fclose(f);
  }
};

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw std::runtime_error("cannot " + what + " Lucas-Lehmer state '" + path +
                           "': " + std::strerror(errno));
}

}  // namespace

std::string lucas_lehmer_state_path(const std::string& dir, std::uint64_t p) {
  return dir + "/ll-" + std::to_string(p) + ".state";
}

void save_lucas_lehmer_state(const std::string& dir, const LucasLehmerState& state) {
  const std::string path = lucas_lehmer_state_path(dir, state.p);
  const std::string tmp = path + ".tmp";
  {
    File out{std::fopen(tmp.c_str(), "wb")};
    if (!out.f) fail("write", tmp);
    std::fprintf(out.f, "rangefarm-ll %llu %llu\n", static_cast<unsigned long long>(state.p),
                 static_cast<unsigned long long>(state.iterations));
    if (mpz_out_raw(out.f, state.residue.get_mpz_t()) == 0 || std::fflush(out.f) != 0 ||
        ::fsync(fileno(out.f)) != 0) {
      fail("write", tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp);
}

std::optional<LucasLehmerState> load_lucas_lehmer_state(const std::string& dir, std::uint64_t p) {
  const std::string path = lucas_lehmer_state_path(dir, p);
  File in{std::fopen(path.c_str(), "rb")};
  if (!in.f) return std::nullopt;
  unsigned long long saved_p = 0;
  unsigned long long iterations = 0;
  LucasLehmerState s;
  if (std::fscanf(in.f, "rangefarm-ll %llu %llu", &saved_p, &iterations) != 2 ||
      std::fgetc(in.f) != '\n' || saved_p != p || mpz_inp_raw(s.residue.get_mpz_t(), in.f) == 0) {
    return std::nullopt;  // not ours or not whole: the test starts over
  }
  if (p < 3 || iterations > p - 2 || mpz_sgn(s.residue.get_mpz_t()) < 0 ||
      mpz_sizeinbase(s.residue.get_mpz_t(), 2) > p) {
    return std::nullopt;
  }
  s.p = p;
  s.iterations = iterations;
  return s;
}

}  // namespace rf
