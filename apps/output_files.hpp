// The files a run writes (--json, --checkpoint, --output): checked before
// any work starts, so that a long run never ends in an unwritable target,
// and written so that a reader never sees half a file.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/mpi/communicator.hpp>
#include <string>
#include <vector>

namespace rf::app {

// A file a command writes: the option that names it, and the path.
struct OutputFile {
  std::string option;
  std::string path;
};

// For a FILE option: refuses an empty name (which would otherwise mean "no
// file" and silently drop the output).
CLI::Validator file_name_check();

// Checks on rank 0 that every named file can be written (by creating and
// removing a probe file beside it, so that a folder that refuses new files
// even to root, /proc or a read-only mount, is found now) and that no two
// options name the same file; a problem becomes a UsageError on every rank.
// `reads` are files the run also reads (a journal being resumed): only the
// same-file check applies to them.
void check_output_files(const boost::mpi::communicator& comm, const std::vector<OutputFile>& writes,
                        const std::vector<OutputFile>& reads = {});

// Writes `text` to `path` whole: beside the target and renamed over it, so a
// reader sees the old file or the new one. A symbolic link is followed (the
// file it names is replaced, the link stays); a FIFO, a device such as
// /dev/stdout or another non-regular file is written in place.
void write_text_file(const std::string& option, const std::string& path, const std::string& text);

}  // namespace rf::app
