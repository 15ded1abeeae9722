// A workload's Partial as text, through its Boost.Serialization serialize():
// how finished chunks travel to rank 0 and are kept in the journal. A text
// archive, so a journal line stays plain ASCII. no_codecvt: the archive
// keeps the stream's classic locale instead of building a locale of its own
// for every partial, which cost more than the rest of a small chunk.
#pragma once

#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <sstream>
#include <string>

namespace rf {

inline constexpr unsigned kPartialArchiveFlags =
    boost::archive::no_header | boost::archive::no_codecvt;

template <class Partial>
std::string encode_partial(const Partial& p) {
  std::ostringstream out;
  {
    boost::archive::text_oarchive archive(out, kPartialArchiveFlags);
    archive << p;
  }
  return out.str();
}

template <class Partial>
Partial decode_partial(const std::string& text) {
  std::istringstream in(text);
  boost::archive::text_iarchive archive(in, kPartialArchiveFlags);
  Partial p;
  archive >> p;
  return p;
}

}  // namespace rf
