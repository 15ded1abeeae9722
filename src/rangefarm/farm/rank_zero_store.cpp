#include "rangefarm/farm/rank_zero_store.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/set.hpp>
#include <boost/serialization/string.hpp>
#include <filesystem>
#include <stdexcept>

#include "rangefarm/common/stop_request.hpp"

namespace rf {

RankZeroStore::RankZeroStore(const boost::mpi::communicator& comm, const std::string& dir)
    : rank0_(comm.rank() == 0), folder_(dir) {
  if (rank0_) {
    std::error_code ignored;  // an unreadable folder lists nothing: all is computed again
    for (const auto& entry : std::filesystem::directory_iterator(dir, ignored)) {
      if (entry.is_regular_file(ignored)) listed_.insert(entry.path().filename().string());
    }
  }
  boost::mpi::broadcast(comm, listed_, 0);
}

void RankZeroStore::save(const std::string& name, const std::string& label, const mpz_class& x) {
  if (!rank0_) {
    if (!channel_) throw std::logic_error("a worker saved '" + name + "' outside a farm run");
    channel_->save(name, label, x);
    return;
  }
  try {
    folder_.save(name, label, x);
  } catch (const std::exception& e) {
    if (error_.empty()) error_ = e.what();
    request_stop();
  }
}

std::optional<SavedInteger> RankZeroStore::load(const std::string& name) {
  if (!listed(name)) return std::nullopt;
  if (rank0_) return folder_.load(name);
  if (!channel_) throw std::logic_error("a worker loaded '" + name + "' outside a farm run");
  return channel_->load(name);
}

}  // namespace rf
