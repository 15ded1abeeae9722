#include "output_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common_options.hpp"

namespace rf::app {

namespace fs = std::filesystem;

namespace {

// The file a write to `path` lands in: at the end of any symbolic links
// (followed by hand: a dangling link's target is the file to create, which
// std::filesystem's canonical forms do not give), else path itself.
fs::path landing_path(const std::string& path) {
  constexpr int kMaxLinks = 40;  // as Linux's own limit on a path's links
  std::error_code ec;
  fs::path p(path);
  for (int i = 0; i < kMaxLinks && fs::is_symlink(fs::symlink_status(p, ec)); ++i) {
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  return p;
}

// Same file: by device and inode when both exist (hard and symbolic links
// included), else by the absolute, link-free names of where they land.
bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  const fs::path ca = fs::weakly_canonical(fs::absolute(landing_path(a), ec), ec);
  const fs::path cb = fs::weakly_canonical(fs::absolute(landing_path(b), ec), ec);
  return ca == cb;
}

// Creates and removes a file beside `target`: the only check that a folder
// takes new files that holds for root too (access() says yes to root even
// on /proc, where creating fails).
std::string probe_reason(const fs::path& target) {
  const std::string probe = target.string() + ".rangefarm-probe-" + std::to_string(getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return std::string("cannot create a file in its directory: ") + std::strerror(errno);
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

// Why `path` cannot be written, or empty when it can.
std::string unwritable_reason(const std::string& path) {
  std::error_code ec;
  const fs::path target = landing_path(path);
  const fs::file_status st = fs::status(target, ec);
  if (fs::is_directory(st)) return "is a directory";
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    // A FIFO or a device is written in place: it only has to take writes.
    return access(target.c_str(), W_OK) == 0 ? std::string() : "it is not writable";
  }
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) return "its directory does not exist";
  if (fs::exists(st) && access(target.c_str(), W_OK) != 0) return "it is not writable";
  return probe_reason(target);
}

}  // namespace

CLI::Validator file_name_check() {
  return CLI::Validator(
      [](std::string& name) {
        return name.empty() ? std::string("empty file name") : std::string();
      },
      "", "FILE");
}

void check_output_files(const boost::mpi::communicator& comm, const std::vector<OutputFile>& writes,
                        const std::vector<OutputFile>& reads) {
  agree_on_rank0(comm, [&] {
    for (const OutputFile& f : writes) {
      if (f.path.empty()) continue;
      const std::string why = unwritable_reason(f.path);
      if (!why.empty()) return f.option + ": cannot write '" + f.path + "': " + why;
    }
    std::vector<OutputFile> all = writes;
    all.insert(all.end(), reads.begin(), reads.end());
    for (std::size_t i = 0; i < all.size(); ++i) {
      for (std::size_t j = i + 1; j < all.size(); ++j) {
        if (all[i].path.empty() || all[j].path.empty()) continue;
        if (same_file(all[i].path, all[j].path)) {
          return all[i].option + " and " + all[j].option + " name the same file '" + all[j].path +
                 "': one would overwrite the other";
        }
      }
    }
    return std::string();
  });
}

void write_text_file(const std::string& option, const std::string& path, const std::string& text) {
  const fs::path target = landing_path(path);
  std::error_code ec;
  const fs::file_status st = fs::status(target, ec);
  if (fs::exists(st) && !fs::is_regular_file(st)) {
    std::ofstream out(target);
    out << text;
    if (!out.flush()) throw std::runtime_error(option + ": cannot write '" + path + "'");
    return;
  }
  const fs::path tmp = target.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    if (!out.flush()) {
      fs::remove(tmp, ec);
      throw std::runtime_error(option + ": cannot write '" + tmp.string() + "' (disk full?)");
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) throw std::runtime_error(option + ": cannot replace '" + path + "': " + ec.message());
}

}  // namespace rf::app
