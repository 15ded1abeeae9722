#include "rangefarm/bigint/factorial_farm.hpp"

#include <boost/mpi/collectives.hpp>
#include <boost/serialization/vector.hpp>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "rangefarm/bigint/distributed_product.hpp"
#include "rangefarm/bigint/parallel_decimal.hpp"
#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/bigint_transport.hpp"
#include "rangefarm/farm/farm.hpp"
#include "rangefarm/farm/rank_zero_store.hpp"
#include "rangefarm/work/factorial.hpp"
#include "rangefarm/work/modular_check.hpp"

namespace rf {
namespace {

namespace mpi = boost::mpi;

// What every rank learns about every piece once the farm is done.
struct PieceInfo {
  std::uint64_t piece = 0;
  int holder = 0;
  std::uint64_t bits = 0;
  std::uint64_t tail_2_64 = 1;
  std::uint64_t tail_5_20 = 1;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& piece& holder& bits& tail_2_64& tail_5_20;
  }
};

struct Pieces {
  std::vector<PieceInfo> info;              // by piece index, on every rank
  std::map<std::uint64_t, mpz_class> held;  // the products this rank made or loaded
  std::vector<PieceInfo> mine;              // their info
  RankTiming timing;
  bool stopped = false;
  std::uint64_t restored = 0;
};

// A saved piece travels from rank 0 to the rank that holds it on a resume.
constexpr int kDealTag = 203;

std::string piece_name(std::uint64_t i) {
  return "piece-" + std::to_string(i) + ".raw";
}

// Names the piece by n and part, so a file from another run never passes.
std::string piece_label(const FactorialWork& work, std::uint64_t i) {
  const PieceRef& ref = work.piece(i);
  return "rangefarm-factorial-piece n=" + std::to_string(work.ns()[ref.task]) +
         " part=" + std::to_string(ref.part) + "/" + std::to_string(ref.parts);
}

// The pieces the journal says were saved, read on rank 0 and given to
// every rank; a record that cannot be read is the same error everywhere.
std::vector<PieceInfo> saved_pieces(const mpi::communicator& comm, const FarmHooks& hooks) {
  std::vector<PieceInfo> out;
  std::string problem;
  if (comm.rank() == 0) {
    try {
      for (const JournalRecord& r : hooks.restored) {
        const auto listed = decode_restored<std::vector<PieceInfo>>(r, hooks.journal);
        out.insert(out.end(), listed.begin(), listed.end());
      }
    } catch (const JournalError& e) {
      problem = e.what();
    }
  }
  mpi::broadcast(comm, problem, 0);
  if (!problem.empty()) throw JournalError(problem);
  mpi::broadcast(comm, out, 0);
  return out;
}

// Rank 0 reads a saved piece; nothing if its file is missing or does not
// match (the piece is then computed again).
std::optional<mpz_class> read_piece(RankZeroStore& store, const FactorialWork& work,
                                    const PieceInfo& info) {
  auto saved = store.load(piece_name(info.piece));
  if (!saved || saved->label != piece_label(work, info.piece) ||
      mpz_sizeinbase(saved->value.get_mpz_t(), 2) != info.bits) {
    return std::nullopt;
  }
  return std::move(saved->value);
}

// Rank 0 reads the saved pieces, one at a time, and deals each to the rank
// that holds it (piece i to rank i mod P): only rank 0 reads the folder.
// Returns the indices every rank loaded.
std::vector<Range> load_saved_pieces(const mpi::communicator& comm, const FactorialWork& work,
                                     RankZeroStore& store, const std::vector<PieceInfo>& listed,
                                     Pieces& out) {
  const int me = comm.rank();
  for (PieceInfo info : listed) {
    if (info.piece >= work.pieces()) continue;
    const auto to = static_cast<int>(info.piece % static_cast<std::uint64_t>(comm.size()));
    if (me != 0 && me != to) continue;
    std::optional<mpz_class> piece;
    if (me == 0) piece = read_piece(store, work, info);
    if (to != 0) {
      int found = piece ? 1 : 0;
      if (me == 0) {
        comm.send(to, kDealTag, found);
        if (piece) send_bigint(comm, to, kDealTag, *piece);
        continue;
      }
      comm.recv(0, kDealTag, found);
      if (found == 0) continue;
      piece.emplace();
      recv_bigint(comm, 0, kDealTag, *piece);
    }
    if (!piece) continue;
    info.holder = me;
    out.held.emplace(info.piece, std::move(*piece));
    out.mine.push_back(info);
  }
  std::vector<std::uint64_t> loaded;
  for (const PieceInfo& i : out.mine) loaded.push_back(i.piece);
  std::vector<std::vector<std::uint64_t>> all;
  mpi::all_gather(comm, loaded, all);
  std::vector<Range> done;
  for (const auto& from_rank : all) {
    for (std::uint64_t i : from_rank) done.push_back({i, i + 1});
  }
  return done;
}

// start: MPI_Wtime() at the start barrier, which traced times count from.
Pieces farm_pieces(const mpi::communicator& comm, const FactorialWork& work,
                   const FactorialRequest& request, double start) {
  Pieces out;
  RankZeroStore* store = request.hooks.store;
  std::vector<Range> done;
  if (store != nullptr) {
    done = load_saved_pieces(comm, work, *store, saved_pieces(comm, request.hooks), out);
  }
  for (Range r : done) out.restored += r.size();
  if (comm.rank() == 0 && request.hooks.on_start) request.hooks.on_start();
  std::unique_ptr<Progress> progress;
  if (comm.rank() == 0) {
    progress = std::make_unique<Progress>(request.hooks.progress, work.pieces(), out.restored);
  }
  bool tracing = request.hooks.trace != nullptr;
  mpi::broadcast(comm, tracing, 0);
  if (request.hooks.trace) request.hooks.trace->begin(work.pieces(), out.restored);
  const FarmPlan plan{RangeList(subtract(Range{0, work.pieces()}, done)),
                      request.schedule,
                      progress.get(),
                      store,
                      request.hooks.trace,
                      tracing,
                      start};
  // A chunk's partial lists the pieces it saved; a chunk is journaled only
  // when all of them were (small pieces are cheaper to make again). A chunk
  // stopped partway keeps the pieces it finished.
  const auto keep = [&](FactorialWork::Partial products) {
    std::vector<PieceInfo> saved;
    for (PieceProduct& p : products) {
      const PieceInfo info{p.piece, comm.rank(), mpz_sizeinbase(p.product.get_mpz_t(), 2),
                           p.tail.mod_2_64, p.tail.mod_5_20};
      if (store != nullptr && info.bits >= kSavePieceBits) {
        store->save(piece_name(p.piece), piece_label(work, p.piece), p.product);
        saved.push_back(info);
      }
      out.held.emplace(p.piece, std::move(p.product));
      out.mine.push_back(info);
    }
    return encode_partial(saved);
  };
  const auto process = [&](Range chunk, const Yield& yield) {
    try {
      return keep(work.process(chunk, yield));
    } catch (StoppedPartway<FactorialWork::Partial>& cut) {
      if (cut.done_hi <= chunk.lo) throw;
      throw ChunkCut{cut.done_hi, keep(std::move(cut.partial))};
    }
  };
  const auto sink = [&](Range chunk, const std::string& partial, int /*rank*/) {
    if (!request.hooks.on_chunk) return;
    if (decode_partial<std::vector<PieceInfo>>(partial).size() == chunk.size()) {
      request.hooks.on_chunk(chunk, partial);
    }
  };
  const ScheduleOutcome run = run_plan(comm, plan, process, sink);
  if (progress) progress->finish();
  out.timing = run.timing;
  out.stopped = run.stopped;
  if (out.stopped) return out;
  std::vector<std::vector<PieceInfo>> all;
  mpi::all_gather(comm, out.mine, all);
  out.info.resize(work.pieces());
  for (const auto& from_rank : all) {
    for (const PieceInfo& i : from_rank) out.info.at(i.piece) = i;
  }
  return out;
}

// n! mod 2^61 - 1 for every n, each rank multiplying its slice of 1..n.
std::vector<std::uint64_t> independent_residues(const mpi::communicator& comm,
                                                const std::vector<std::uint64_t>& ns) {
  const auto r = static_cast<std::uint64_t>(comm.rank());
  const auto p = static_cast<std::uint64_t>(comm.size());
  std::vector<std::uint64_t> mine;
  for (const std::uint64_t n : ns)
    mine.push_back(product_mod_m61({1 + n * r / p, 1 + n * (r + 1) / p}));
  std::vector<std::uint64_t> all;
  // Element by element: each n's slices multiply together.
  const auto multiply = [](std::uint64_t a, std::uint64_t b) { return mulmod_m61(a, b); };
  mpi::reduce(comm, mine, all, multiply, 0);
  return all;
}

// The test hook behind RANGEFARM_TEST_FLIP_LIMB: corrupts one limb of the
// product, as a bad memory cell or a bug in a multiplication would, so the
// tests can see the check catch it.
void maybe_flip_a_limb(mpz_class& x) {
  if (std::getenv("RANGEFARM_TEST_FLIP_LIMB") == nullptr) return;
  const auto size = static_cast<mp_size_t>(mpz_size(x.get_mpz_t()));
  mp_limb_t* limbs = mpz_limbs_modify(x.get_mpz_t(), size);
  limbs[size / 2] = ~limbs[size / 2];
  mpz_limbs_finish(x.get_mpz_t(), size);
}

// Multiplies task t's pieces into rank 0 and shifts in the power of two
// left after the trailing zeros: n!/10^e5.
mpz_class assemble(const mpi::communicator& comm, const FactorialWork& work, std::size_t t,
                   Pieces& pieces) {
  const Range range = work.pieces_of(t);
  std::vector<Factor> factors;
  std::map<std::size_t, mpz_class> mine;
  for (std::uint64_t i = range.lo; i < range.hi; ++i) {
    const PieceInfo& info = pieces.info[i];
    factors.push_back({info.holder, info.bits});
    if (info.holder == comm.rank()) {
      mine.emplace(i - range.lo, std::move(pieces.held.at(i)));
      pieces.held.erase(i);
    }
  }
  mpz_class m = multiply_across_ranks(comm, factors, mine, 0);
  if (comm.rank() == 0) {
    const std::uint64_t n = work.ns()[t];
    mpz_mul_2exp(m.get_mpz_t(), m.get_mpz_t(), legendre_exponent(n, 2) - legendre_exponent(n, 5));
  }
  return m;
}

TailResidues tail_of(const FactorialWork& work, std::size_t t, const Pieces& pieces) {
  TailResidues tail;
  const Range range = work.pieces_of(t);
  for (std::uint64_t i = range.lo; i < range.hi; ++i) {
    tail = combine(tail, {pieces.info[i].tail_2_64, pieces.info[i].tail_5_20});
  }
  return tail;
}

// Whether any rank has a stop request: asked between the phases after the
// pieces, which hold nothing that is not saved already (the pieces are), so
// that a stop there ends the run instead of letting minutes of
// multiplications and conversion run on. Inside a phase a single GMP call
// can take seconds; the stop deadline (apps/stop_deadline.hpp) covers that.
bool any_rank_stopping(const mpi::communicator& comm) {
  return mpi::all_reduce(comm, stop_requested(), std::logical_or<>());
}

// Runs `step` on rank 0 only. Every rank then learns whether it threw and
// throws the same error, so no rank is left waiting in the next collective.
void on_root_then_agree(const mpi::communicator& comm, const std::function<void()>& step) {
  std::string error;
  if (comm.rank() == 0) {
    try {
      step();
    } catch (const std::exception& e) {
      error = e.what();
      if (error.empty()) error = "unknown error on rank 0";
    }
  }
  mpi::broadcast(comm, error, 0);
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace

FactorialOutcome compute_factorials(const mpi::communicator& comm,
                                    const FactorialRequest& request) {
  const double part_bits =
      request.min_part_bits > 0 ? request.min_part_bits : FactorialWork::kMinPartBits;
  const FactorialWork work(request.ns, static_cast<std::uint32_t>(comm.size()), part_bits);
  FactorialOutcome out;
  comm.barrier();
  const double start = MPI_Wtime();
  Pieces pieces = farm_pieces(comm, work, request, start);
  mpi::gather(comm, pieces.timing, out.timings, 0);
  double mark = MPI_Wtime();
  out.phases.pieces_s = mark - start;
  out.pieces = work.pieces();
  out.restored_pieces = pieces.restored;
  out.computed_pieces = work.pieces() - pieces.restored;
  if (pieces.stopped) {
    out.stopped = true;
    out.wall_s = MPI_Wtime() - start;
    out.computed_pieces = items_total(out.timings);
    mpi::broadcast(comm, out.computed_pieces, 0);
    return out;
  }
  const auto stopped_after_pieces = [&] {
    if (!any_rank_stopping(comm)) return false;
    out.stopped = true;
    out.wall_s = MPI_Wtime() - start;
    return true;
  };
  const std::vector<std::uint64_t> independent = independent_residues(comm, request.ns);
  out.phases.check_s += MPI_Wtime() - mark;

  for (std::size_t t = 0; t < request.ns.size(); ++t) {
    if (stopped_after_pieces()) return out;
    mark = MPI_Wtime();
    mpz_class m = assemble(comm, work, t, pieces);
    const double assembled = MPI_Wtime();
    out.phases.combine_s += assembled - mark;
    const std::uint64_t n = request.ns[t];
    const std::uint64_t zeros = legendre_exponent(n, 5);
    bool ok = true;
    on_root_then_agree(comm, [&] {
      maybe_flip_a_limb(m);
      FactorialResult r;
      r.check.from_product = mulmod_m61(mod_m61(m), pow_mod_m61(10, zeros));
      r.check.independent = independent[t];
      r.check.ok = ok = r.check.from_product == r.check.independent;
      if (ok) r.summary = summarize_factorial(n, m, tail_of(work, t, pieces));
      r.summary.n = n;
      out.results.push_back(std::move(r));
    });
    mpi::broadcast(comm, ok, 0);
    out.phases.check_s += MPI_Wtime() - assembled;
    if (!ok) {
      out.check_failed = true;
      break;
    }
    if (request.decimal) {
      if (stopped_after_pieces()) return out;
      mark = MPI_Wtime();
      std::string digits = to_decimal_across_ranks(comm, m, 0);
      out.phases.decimal_s += MPI_Wtime() - mark;
      on_root_then_agree(comm, [&] {
        digits.append(zeros, '0');
        request.decimal(n, digits);
      });
    }
  }
  out.wall_s = MPI_Wtime() - start;
  return out;
}

}  // namespace rf
