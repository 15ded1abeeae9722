// A big integer kept in a file beside the journal: one text line naming
// what it is, then the number in GMP's portable raw format (mpz_out_raw).
// Written to a temporary file, fsync'd and renamed over the old one, so a
// crash leaves the old file or the new, never half of one. Used for
// Lucas-Lehmer residues and for factorial pieces.
//
// A workload saves and loads them by name through an IntegerStore, and
// cannot tell where they go: a FolderStore is a folder on this machine; a
// farmed run passes one that keeps them on rank 0's storage only
// (rank_zero_store.hpp), because a worker's node may not see the folder.
#pragma once

#include <gmpxx.h>

#include <optional>
#include <string>

namespace rf {

void save_integer(const std::string& path, const std::string& label, const mpz_class& x);
struct SavedInteger {
  std::string label;
  mpz_class value;
};
// The label and integer saved at path, if the file is whole.
std::optional<SavedInteger> load_integer(const std::string& path);

// Saved integers by name (a file name, no folder).
class IntegerStore {
 public:
  IntegerStore() = default;
  IntegerStore(const IntegerStore&) = delete;
  IntegerStore& operator=(const IntegerStore&) = delete;
  virtual ~IntegerStore() = default;

  virtual void save(const std::string& name, const std::string& label, const mpz_class& x) = 0;
  // The integer saved under name, if there is a whole one.
  virtual std::optional<SavedInteger> load(const std::string& name) = 0;
};

// Where a long kernel keeps its state (a Lucas-Lehmer residue, a trial
// factoring's depth), so that a stopped run continues it.
struct StateSaves {
  IntegerStore* store = nullptr;  // null: never save
  double every_s = 60;            // save a running kernel's state at least this often
};

// The files of one folder, which must exist.
class FolderStore final : public IntegerStore {
 public:
  explicit FolderStore(std::string dir) : dir_(std::move(dir)) {}

  void save(const std::string& name, const std::string& label, const mpz_class& x) override {
    save_integer(path(name), label, x);
  }
  std::optional<SavedInteger> load(const std::string& name) override {
    return load_integer(path(name));
  }
  [[nodiscard]] std::string path(const std::string& name) const { return dir_ + "/" + name; }

 private:
  std::string dir_;
};

}  // namespace rf
