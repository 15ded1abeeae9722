#include "rangefarm/bigint/parallel_decimal.hpp"

#include <algorithm>
#include <boost/mpi/collectives.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "rangefarm/farm/bigint_transport.hpp"

namespace rf {
namespace {

constexpr int kDigitsTag = 202;
// Parts below this many digits are not worth another split.
constexpr double kMinSplitDigits = 200'000;

struct Part {
  mpz_class value;
  std::uint64_t width = 0;  // pad to this many digits; 0 for the leading part
};

// Cuts x into x div 10^k (left in x) and x mod 10^k (returned), given
// power = 5^k. As 10^k =
// 2^k 5^k, that is a shift and a division by 5^k, whose 2.32 k bits make
// the division about 15% cheaper than by 10^k (3.32 k bits):
//   x div 10^k = (x >> k) div 5^k,  x mod 10^k = ((x >> k) mod 5^k) << k | x mod 2^k.
mpz_class split_low(mpz_class& x, std::uint64_t k, const mpz_class& power) {
  mpz_class low_bits;
  mpz_tdiv_r_2exp(low_bits.get_mpz_t(), x.get_mpz_t(), k);
  mpz_tdiv_q_2exp(x.get_mpz_t(), x.get_mpz_t(), k);
  mpz_class low;
  mpz_tdiv_qr(x.get_mpz_t(), low.get_mpz_t(), x.get_mpz_t(), power.get_mpz_t());
  mpz_mul_2exp(low.get_mpz_t(), low.get_mpz_t(), k);
  low += low_bits;
  return low;
}

// Walks the recursion for group [first, last); `part` is valid on `first`.
// Leaves this rank's own part in `part`.
void split_down(const boost::mpi::communicator& comm, int first, int last, double digits,
                Part& part) {
  const int me = comm.rank();
  while (last - first > 1 && digits >= kMinSplitDigits) {
    const int mid = first + (last - first) / 2;
    const auto low_digits = static_cast<std::uint64_t>(digits * (last - mid) / (last - first));
    if (me == first) {
      mpz_class power;
      recv_bigint(comm, mid, kDigitsTag, power);
      const mpz_class low = split_low(part.value, low_digits, power);
      send_bigint(comm, mid, kDigitsTag, low);
      // A middle part keeps its padding, less the digits it gave away.
      if (part.width > 0) part.width -= low_digits;
    } else if (me == mid) {
      // mid would only wait for its part: it makes 5^k meanwhile.
      mpz_class power;
      mpz_ui_pow_ui(power.get_mpz_t(), 5, low_digits);
      send_bigint(comm, first, kDigitsTag, power);
      recv_bigint(comm, first, kDigitsTag, part.value);
      part.width = low_digits;
    }
    if (me < mid) {
      last = mid;
      digits -= static_cast<double>(low_digits);
    } else {
      first = mid;
      digits = static_cast<double>(low_digits);
    }
  }
}

// Appends the part's digits, zero-padded to its width, straight from GMP
// into `out`.
void append_part_digits(const Part& part, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + mpz_sizeinbase(part.value.get_mpz_t(), 10) + 2);
  mpz_get_str(out.data() + start, 10, part.value.get_mpz_t());
  const std::size_t length = std::strlen(out.data() + start);
  out.resize(start + length);
  if (part.width > length) out.insert(start, part.width - length, '0');
}

// The parts travel to the root as characters straight into its output (no
// gather, no concatenation: at 1e7! that is 65 MB not copied twice), in
// pieces that keep each message's count within an int.
constexpr std::size_t kMessageChars = std::size_t{1} << 30;

void send_digits(const boost::mpi::communicator& comm, const std::string& digits) {
  const std::uint64_t length = digits.size();
  comm.send(0, kDigitsTag, length);
  for (std::size_t at = 0; at < digits.size(); at += kMessageChars) {
    const std::size_t n = std::min(kMessageChars, digits.size() - at);
    comm.send(0, kDigitsTag, digits.data() + at, static_cast<int>(n));
  }
}

void append_digits(const boost::mpi::communicator& comm, int source, std::string& out) {
  std::uint64_t length = 0;
  comm.recv(source, kDigitsTag, length);
  const std::size_t start = out.size();
  out.resize(start + length);
  for (std::size_t at = 0; at < length; at += kMessageChars) {
    const std::size_t n = std::min<std::size_t>(kMessageChars, length - at);
    comm.recv(source, kDigitsTag, out.data() + start + at, static_cast<int>(n));
  }
}

}  // namespace

std::string to_decimal_across_ranks(const boost::mpi::communicator& comm, const mpz_class& x,
                                    int root) {
  // Rank order is digit order, so the root's part must come first: the
  // recursion runs over ranks renumbered to start at the root.
  const int size = comm.size();
  const int me = comm.rank();
  std::uint64_t bits = me == root ? mpz_sizeinbase(x.get_mpz_t(), 2) : 0;
  boost::mpi::broadcast(comm, bits, root);
  const double digits = static_cast<double>(bits) * std::log10(2.0) + 1;

  Part part;
  if (me == root) part.value = x;
  const int shifted = (me - root + size) % size;
  boost::mpi::communicator renumbered = comm.split(0, shifted);
  split_down(renumbered, 0, size, digits, part);
  std::string out;
  if (shifted != 0) {
    if (part.width > 0) append_part_digits(part, out);
    send_digits(renumbered, out);
    return {};
  }
  out.reserve(static_cast<std::size_t>(digits) + 2);
  append_part_digits(part, out);
  for (int r = 1; r < size; ++r) append_digits(renumbered, r, out);
  return out;
}

}  // namespace rf
