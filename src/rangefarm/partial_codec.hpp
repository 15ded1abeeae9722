// A workload's Partial as text, through its Boost.Serialization serialize():
// how finished chunks travel to rank 0 and are kept in the journal. A text
// archive, so a journal line stays plain ASCII.
#pragma once

#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <sstream>
#include <string>

namespace rf {

template <class Partial>
std::string encode_partial(const Partial& p) {
  std::ostringstream out;
  {
    boost::archive::text_oarchive archive(out, boost::archive::no_header);
    archive << p;
  }
  return out.str();
}

template <class Partial>
Partial decode_partial(const std::string& text) {
  std::istringstream in(text);
  boost::archive::text_iarchive archive(in, boost::archive::no_header);
  Partial p;
  archive >> p;
  return p;
}

}  // namespace rf
