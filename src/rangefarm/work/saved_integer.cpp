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

std::optional<SavedInteger> load_integer(const std::string& path) {
  constexpr std::size_t kMaxLabel = 256;  // ours are short; anything longer is not ours
  File in{std::fopen(path.c_str(), "rb")};
  if (!in.f) return std::nullopt;
  SavedInteger saved;
  for (int c = std::fgetc(in.f); c != '\n'; c = std::fgetc(in.f)) {
    if (c == EOF || saved.label.size() > kMaxLabel) return std::nullopt;
    saved.label.push_back(static_cast<char>(c));
  }
  if (mpz_inp_raw(saved.value.get_mpz_t(), in.f) == 0) return std::nullopt;
  return saved;
}

}  // namespace rf
