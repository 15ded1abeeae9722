// The one line that names a lost rank or node (health_link.hpp), and the
// facts it needs, noted by the run as it learns them. The line says who is
// gone (rank, pid, host), what is safe (the items in the journal) and what
// to do (the command that resumes the run), because a user reading a batch
// log at 3 a.m. must not have to guess any of the three.
//
// The notes are read by the health link's thread while the run goes on, so
// they are guarded; the item count is an atomic that rank 0 bumps per record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "rangefarm/health/health_link.hpp"

namespace rf {

// The command line, from which the resume command is made (every rank).
void note_command_line(int argc, char** argv);
// The run's journal, from --checkpoint (every rank); empty for none.
void note_journal(const std::string& path);
// The noted journal (empty for none).
std::string noted_journal();
// Items now in the journal, restored and newly written (rank 0).
void note_journaled_items(std::uint64_t items);
std::uint64_t journaled_items_noted();
// The items in the noted journal as read from the file, for a rank other
// than rank 0 (nothing where it cannot read it: storage only rank 0 sees).
std::optional<std::uint64_t> journaled_items_in_file();

// "rangefarm: error: lost rank 3 (pid 812 on node2) ...": the whole line.
// seen_from: the rank that speaks, when it is not rank 0. safe_items: the
// items in the journal, when the speaker can tell (rank 0 always can; the
// deputy only where it can read the journal).
std::string loss_line(const std::vector<PeerProcess>& lost, const PeerProcess* seen_from,
                      std::optional<std::uint64_t> safe_items);

// The resume command: the noted command line with --resume added.
std::string resume_command();

}  // namespace rf
