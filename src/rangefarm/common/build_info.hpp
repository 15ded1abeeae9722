// What this binary is: its version, the commit and build it came from, and
// the libraries it runs on (MPI, GMP, primesieve) as they report themselves
// at run time. `rangefarm --version` prints it; every JSON report carries it
// as "build", so a scaling study can say what it measured.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace rf {

struct BuildInfo {
  std::string version;     // the project's, e.g. 0.1.0
  std::string commit;      // git commit, "-dirty" if modified, or "unknown"
  std::string build_type;  // Release, RelWithDebInfo, ...
  std::string compiler;    // e.g. GNU 12.2.0
  std::string mpi;         // MPI_Get_library_version, its first line
  std::string gmp;         // gmp_version
  std::string primesieve;  // primesieve_version()
};

BuildInfo build_info();
// The --version text: "rangefarm VERSION" then one "name: value" line each.
std::string version_text();
// The report's "build" object: every field of BuildInfo but the version.
nlohmann::json build_json();

}  // namespace rf
