#include "rangefarm/work/saved_integer.hpp"

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
  throw std::runtime_error("cannot " + what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

void save_integer(const std::string& path, const std::string& label, const mpz_class& x) {
  const std::string tmp = path + ".tmp";
  {
    File out{std::fopen(tmp.c_str(), "wb")};
    if (!out.f) fail("write", tmp);
    if (std::fprintf(out.f, "%s\n", label.c_str()) < 0 || mpz_out_raw(out.f, x.get_mpz_t()) == 0 ||
        std::fflush(out.f) != 0 || ::fsync(fileno(out.f)) != 0) {
      fail("write", tmp);
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("rename", tmp);
}

std::optional<mpz_class> load_integer(const std::string& path, const std::string& label) {
  File in{std::fopen(path.c_str(), "rb")};
  if (!in.f) return std::nullopt;
  std::string line;
  for (int c = std::fgetc(in.f); c != '\n'; c = std::fgetc(in.f)) {
    if (c == EOF || line.size() > label.size()) return std::nullopt;
    line.push_back(static_cast<char>(c));
  }
  mpz_class x;
  if (line != label || mpz_inp_raw(x.get_mpz_t(), in.f) == 0) return std::nullopt;
  return x;
}

}  // namespace rf
