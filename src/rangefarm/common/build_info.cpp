#include "rangefarm/common/build_info.hpp"

#include <gmp.h>
#include <mpi.h>
#include <primesieve.h>

#include <array>

#include "rangefarm/git_commit.hpp"
#include "rangefarm/version.hpp"

namespace rf {

namespace {

// MPI allows this call before MPI_Init and after MPI_Finalize. Open MPI's
// string is one line; others (MPICH) run over several: keep the first.
std::string mpi_library_version() {
  std::array<char, MPI_MAX_LIBRARY_VERSION_STRING> buf{};
  int length = 0;
  if (MPI_Get_library_version(buf.data(), &length) != MPI_SUCCESS) return "unknown";
  std::string text(buf.data(), static_cast<std::size_t>(length));
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\0')) text.pop_back();
  return text;
}

}  // namespace

BuildInfo build_info() {
  return {kVersion,    RANGEFARM_GIT_COMMIT, kBuildType, kCompiler, mpi_library_version(),
          gmp_version, primesieve_version()};
}

std::string version_text() {
  const BuildInfo b = build_info();
  return "rangefarm " + b.version + "\n" +       //
         "commit:     " + b.commit + "\n" +      //
         "build type: " + b.build_type + "\n" +  //
         "compiler:   " + b.compiler + "\n" +    //
         "MPI:        " + b.mpi + "\n" +         //
         "GMP:        " + b.gmp + "\n" +         //
         "primesieve: " + b.primesieve;
}

nlohmann::json build_json() {
  const BuildInfo b = build_info();
  return {{"commit", b.commit},     {"build_type", b.build_type},
          {"compiler", b.compiler}, {"mpi", b.mpi},
          {"gmp", b.gmp},           {"primesieve", b.primesieve}};
}

}  // namespace rf
