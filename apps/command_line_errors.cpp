#include "command_line_errors.hpp"

#include <algorithm>
#include <regex>

namespace rf::app {
namespace {

// The options' own help and version flags, which the top level takes too.
bool top_level_flag(const std::string& arg) {
  return arg == "--help" || arg == "-h" || arg == "--version";
}

// "--to" of "--to=5"; a word without dashes is its own name.
std::string option_name(const std::string& arg) {
  return arg.substr(0, arg.find('='));
}

bool looks_like_option(const std::string& arg) {
  return arg.size() > 1 && arg[0] == '-';
}

std::string without_dashes(std::string_view name) {
  const auto start = name.find_first_not_of('-');
  return std::string(start == std::string_view::npos ? "" : name.substr(start));
}

// Optimal string alignment distance: Levenshtein's edits plus the swap of
// two neighbouring letters, the commonest typing slip (--versoin).
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// Every option name an app takes, with its dashes ("--to", "-h").
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& l : opt->get_lnames()) names.push_back("--" + l);
    for (const std::string& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// "rangefarm" or "rangefarm perfect", for "see ... --help".
std::string help_of(const CLI::App* sub) {
  return sub == nullptr ? "rangefarm --help" : "rangefarm " + sub->get_name() + " --help";
}

// " did you mean X?" for a close name, else nothing.
std::string did_you_mean(std::string_view given, const std::vector<std::string>& known) {
  const std::string best = closest_name(given, known);
  return best.empty() ? std::string() : "did you mean " + best + "? ";
}

std::string unknown_option(const std::string& arg, const CLI::App* sub,
                           const std::vector<std::string>& known) {
  const std::string name = option_name(arg);
  return "unknown option '" + name + "'" + (sub ? " for " + sub->get_name() : "") + " (" +
         did_you_mean(name, known) + "see " + help_of(sub) + ")";
}

std::string unknown_subcommand(const CLI::App& app, const std::string& word) {
  const std::vector<std::string> names = subcommand_names(app);
  return "unknown subcommand '" + word + "' (" + did_you_mean(word, names) +
         "use one of: " + joined(names) + "; see rangefarm --help)";
}

// The first word CLI11 set aside as unknown, in the subcommand given or at
// the top: an option first (it is the likelier cause of what CLI11
// reports), then any other word. Empty when there is none.
std::string set_aside_problem(const CLI::App& app) {
  std::vector<std::pair<const CLI::App*, std::string>> words;
  for (const std::string& w : app.remaining(false)) words.emplace_back(nullptr, w);
  for (const CLI::App* sub : app.get_subcommands()) {
    for (const std::string& w : sub->remaining(false)) words.emplace_back(sub, w);
  }
  for (const auto& [sub, word] : words) {
    if (looks_like_option(word)) {
      return unknown_option(word, sub, option_names(sub ? *sub : app));
    }
  }
  const std::vector<std::string> subcommands = subcommand_names(app);
  const std::vector<CLI::App*> given = app.get_subcommands();
  for (auto [sub, word] : words) {
    if (word == "--") continue;
    if (sub == nullptr && given.empty()) return unknown_subcommand(app, word);
    if (sub == nullptr) sub = given.front();  // a word after `--`
    if (std::find(subcommands.begin(), subcommands.end(), word) != subcommands.end()) {
      return "'" + word + "' after " + sub->get_name() +
             ": one subcommand per run (see rangefarm --help)";
    }
    return "unexpected argument '" + word + "' for " + sub->get_name() + " (" +
           (sub->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty()
                ? "it takes options only; "
                : "") +
           "see " + help_of(sub) + ")";
  }
  return {};
}

// CLI11's own message for `error`, said rangefarm's way.
std::string translated(const CLI::App& app, const CLI::ParseError& error) {
  const std::vector<CLI::App*> given = app.get_subcommands();
  const CLI::App* sub = given.empty() ? nullptr : given.front();
  const std::string see = "see " + help_of(sub);
  const std::string what = error.what();
  const std::string kind = error.get_name();
  std::smatch m;
  if (kind == "RequiredError") {
    if (what == "A subcommand is required") {
      return "no subcommand given (use one of: " + joined(subcommand_names(app)) +
             "; see rangefarm --help)";
    }
    return what + " (" + see + ")";  // "--to is required", "N is required"
  }
  if (kind == "ArgumentMismatch") {
    static const std::regex missing("^(\\S+): \\d+ required (\\S+) missing$");
    static const std::regex at_most("^(\\S+): At Most \\d+ required but received (\\d+)$");
    if (std::regex_match(what, m, missing)) {
      return m[1].str() + " needs a value: " + m[1].str() + " " + m[2].str() + " (" + see + ")";
    }
    if (std::regex_match(what, m, at_most)) {
      return m[1].str() + " is given " + m[2].str() + " times; give it once";
    }
    static const std::regex override_flag("^(\\S+) was given a disallowed flag override$");
    if (std::regex_match(what, m, override_flag)) return m[1].str() + " takes no value";
  }
  if (kind == "ConversionError") {
    static const std::regex flag_value(
        "^(\\S+): (too many inputs for a flag|Should be true/false or a number)$");
    static const std::regex not_converted("^Could not convert: (\\S+) = (.*)$");
    if (std::regex_match(what, m, flag_value)) return m[1].str() + " takes no value";
    if (std::regex_match(what, m, not_converted)) {
      return m[1].str() + " takes no value, got '" + m[2].str() + "'";
    }
  }
  // ValidationError: rangefarm's own checks, already in its words
  // ("--json: empty file name"); anything else as CLI11 put it.
  return what + (kind == "ValidationError" ? "" : " (" + see + ")");
}

}  // namespace

std::string closest_name(std::string_view given, const std::vector<std::string>& known) {
  const std::string bare = without_dashes(given);
  if (bare.empty()) return {};
  std::string best;
  std::size_t best_distance = 0;
  std::vector<std::string> extending;  // the names that begin with `given`
  for (const std::string& name : known) {
    const std::string other = without_dashes(name);
    if (other.size() > bare.size() && other.compare(0, bare.size(), bare) == 0) {
      extending.push_back(name);
    }
    const std::size_t d = edit_distance(bare, other);
    const std::size_t allowed = std::min(bare.size(), other.size()) >= 6 ? 2 : 1;
    if (d <= allowed && (best.empty() || d < best_distance)) {
      best = name;
      best_distance = d;
    }
  }
  if (best.empty() && extending.size() == 1 && bare.size() >= 2) return extending.front();
  return best;
}

std::string problem_before_subcommand(const CLI::App& app, const std::vector<std::string>& args) {
  const std::vector<std::string> names = subcommand_names(app);
  const auto is_subcommand = [&](const std::string& a) {
    return std::find(names.begin(), names.end(), a) != names.end();
  };
  const auto first_sub = std::find_if(args.begin(), args.end(), is_subcommand);
  const CLI::App* named = first_sub == args.end() ? nullptr : app.get_subcommand(*first_sub);
  for (auto it = args.begin(); it != first_sub; ++it) {
    const std::string& arg = *it;
    if (arg == "--") break;
    if (top_level_flag(arg)) continue;
    if (!looks_like_option(arg)) return unknown_subcommand(app, arg);
    // A subcommand's option before it: say where it goes.
    const std::string name = option_name(arg);
    const CLI::App* owner = nullptr;
    if (named != nullptr && named->get_option_no_throw(name) != nullptr) owner = named;
    for (const CLI::App* sub : app.get_subcommands({})) {
      if (owner == nullptr && sub->get_option_no_throw(name) != nullptr) owner = sub;
    }
    if (owner != nullptr) {
      return name + " comes before the subcommand: options follow it, as in rangefarm " +
             owner->get_name() + " " + name + " ... (see " + help_of(owner) + ")";
    }
    return unknown_option(arg, nullptr, option_names(app));
  }
  return {};
}

std::string parse_error_text(const CLI::App& app, const CLI::ParseError& error) {
  const std::string set_aside = set_aside_problem(app);
  return set_aside.empty() ? translated(app, error) : set_aside;
}

}  // namespace rf::app
