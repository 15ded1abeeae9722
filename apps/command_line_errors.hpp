// What rangefarm says about a command line it cannot parse, in its own
// words and one line. CLI11 finds the problems but speaks for itself ("The
// following arguments were not expected: ...", "--to: At Most 1 required but
// received 2"), and checks in an order of its own: a mistyped `--too 100`
// is first reported as "--to is required", the consequence, not the cause;
// `--versoin` alone as "A subcommand is required". So:
//  - before CLI11 parses, the words before the subcommand are checked: an
//    option there is named (and, if it is a subcommand's, told to follow
//    it), a word that is no subcommand is named, with the closest known name;
//  - after CLI11 has thrown, an unknown option or an unexpected word it set
//    aside is named first, with the closest known option, and only then the
//    error CLI11 found, translated kind by kind (CLI::ParseError's names).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace rf::app {

// The problem with the words before the subcommand (args without the
// program's name), or empty when there is none: CLI11 then parses.
std::string problem_before_subcommand(const CLI::App& app, const std::vector<std::string>& args);

// The line for a command line that CLI11 refused with `error` (not
// CLI::Success), after app.parse() threw it.
std::string parse_error_text(const CLI::App& app, const CLI::ParseError& error);

// The name in `known` closest to `given` (a mistyped option or subcommand,
// compared without leading dashes): one edit away (a letter wrong, missing,
// added, or two swapped), two for names of 6 letters or more, or the only
// name `given` begins; empty when none is that close.
std::string closest_name(std::string_view given, const std::vector<std::string>& known);

}  // namespace rf::app
