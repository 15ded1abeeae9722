// Bulky state that must survive a stop (Lucas-Lehmer residues, factorial
// pieces), kept in one folder that only rank 0 reads and writes.
//
// On a cluster the journal's folder may be node-local (/tmp), so a file a
// worker wrote there would be lost or out of reach of the next run, which
// may put that work on another rank. So a worker never touches the folder:
// while a farm runs, its saves travel to rank 0 in the farm's reports and
// rank 0 writes them (the same atomic write as its own), and a worker's
// load asks rank 0 for the file (master.cpp and worker.cpp, Keep and Fetch). Only rank 0's
// storage then matters, as for the journal.
//
// Only what the folder held when the run started can be loaded: a run
// never needs its own saves back, and a worker asks rank 0 only for a name
// it knows is there (the list is given to every rank at the start).
#pragma once

#include <boost/mpi/communicator.hpp>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include "rangefarm/work/saved_integer.hpp"

namespace rf {

class RankZeroStore final : public IntegerStore {
 public:
  // A worker's way to rank 0, set by the farm for the length of a run.
  struct Channel {
    std::function<void(const std::string& name, const std::string& label, const mpz_class& x)> save;
    std::function<std::optional<SavedInteger>(const std::string& name)> load;
  };

  // Collective. dir (the same on every rank) must exist on rank 0; rank 0
  // lists it and tells every rank what it holds.
  RankZeroStore(const boost::mpi::communicator& comm, const std::string& dir);

  // Rank 0 writes at once; a failed write is kept (error()) and stops the
  // run, since throwing inside the farm would leave the workers waiting. A
  // worker sends it to rank 0, and throws outside a farm run.
  void save(const std::string& name, const std::string& label, const mpz_class& x) override;
  std::optional<SavedInteger> load(const std::string& name) override;

  [[nodiscard]] bool listed(const std::string& name) const { return listed_.count(name) > 0; }
  // Rank 0: the first write that failed, or empty.
  [[nodiscard]] const std::string& error() const { return error_; }

  void connect(Channel channel) { channel_ = std::move(channel); }
  void disconnect() { channel_.reset(); }

 private:
  bool rank0_;
  FolderStore folder_;
  std::set<std::string> listed_;
  std::optional<Channel> channel_;
  std::string error_;
};

// Connects a store to a worker's channel for the life of a scope; a null
// store is no store.
class StoreConnection {
 public:
  StoreConnection(RankZeroStore* store, RankZeroStore::Channel channel) : store_(store) {
    if (store_ != nullptr) store_->connect(std::move(channel));
  }
  ~StoreConnection() {
    if (store_ != nullptr) store_->disconnect();
  }
  StoreConnection(const StoreConnection&) = delete;
  StoreConnection& operator=(const StoreConnection&) = delete;

 private:
  RankZeroStore* store_;
};

}  // namespace rf
