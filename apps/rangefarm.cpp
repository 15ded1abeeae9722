// rangefarm: farms integer ranges of number-theory work over MPI ranks.
// Every rank parses the same command line, so every rank reaches the same
// verdict on bad input and all exit together with status 2; only rank 0
// speaks. No MPI_Abort anywhere on these paths, so no abort banner.
#include <algorithm>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "command.hpp"
#include "command_line_errors.hpp"
#include "common_options.hpp"
#include "rangefarm/common/build_info.hpp"
#include "rangefarm/common/stop_request.hpp"
#include "rangefarm/farm/checkpoint.hpp"
#include "rangefarm/farm/stats.hpp"
#include "rangefarm/health/health_link.hpp"
#include "rangefarm/health/loss_notice.hpp"
#include "rangefarm/health/start_watch.hpp"
#include "stop_deadline.hpp"

namespace {

constexpr int kUsageExit = 2;
constexpr int kFailureExit = 1;

int fail(const boost::mpi::communicator& comm, int status, const std::string& message) {
  rf::app::settle_stop_deadline(status);
  // One write, so that mpirun's output forwarding never splits the line.
  if (comm.rank() == 0) std::cerr << ("rangefarm: error: " + message + "\n") << std::flush;
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Before MPI_Init: a start that never finishes (a rank that died or hangs
  // starting) is named at a deadline instead of waited for, and a stop
  // during it is seen (start_watch.hpp).
  rf::catch_stop_signals();
  rf::StartWatch start;
  // A stop not wound down in time ends the process, MPI_Finalize included
  // (stop_deadline.hpp).
  rf::app::StopDeadline stop_deadline;
  // Funneled: only the main thread calls MPI; the health link's and the
  // start watch's threads never do.
  boost::mpi::environment env(argc, argv, boost::mpi::threading::funneled);
  boost::mpi::communicator world;
  start.mpi_started(world.rank(), world.size());
  stop_deadline.arm(world.rank() == 0);
  // Again after MPI's set-up, so that these handlers are the ones in force.
  rf::catch_stop_signals();

  CLI::App app("rangefarm: farms integer ranges of number-theory work over MPI ranks", "rangefarm");
  app.set_version_flag("--version", rf::version_text());
  app.require_subcommand(1);
  std::vector<rf::app::Command> commands{
      rf::app::add_perfect_command(app), rf::app::add_factorial_command(app),
      rf::app::add_mersenne_command(app), rf::app::add_synthetic_command(app),
      rf::app::add_simulate_command(app)};
  // --version anywhere on the line, as --help: `rangefarm perfect --to 1 --version`.
  for (const auto& c : commands) c.parser->set_version_flag("--version", rf::version_text());

  // Every problem in rangefarm's words (command_line_errors.hpp). Each
  // rank reads the same line and ends alike, before the start is watched
  // to its end: the watch must not take mpirun's SIGTERM, sent when rank 0
  // exits 2 first, for a stop (a second line, seen once in CI: cli_bad_input).
  const std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
  if (const std::string problem = rf::app::problem_before_subcommand(app, args); !problem.empty()) {
    start.not_needed();
    return fail(world, kUsageExit, problem);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    start.not_needed();
    if (world.rank() == 0) app.exit(e);
    return 0;
  } catch (const CLI::ParseError& e) {
    start.not_needed();
    return fail(world, kUsageExit, rf::app::parse_error_text(app, e));
  }

  // From here on a lost rank or node, in any phase, is named in one line.
  rf::note_command_line(argc, argv);
  rf::app::note_command_line_text(argc, argv);
  const rf::HealthLink health(world, &start);
  const rf::app::StopDeadline::Leave leave(stop_deadline, [&health] { health.leave(); });
  try {
    for (const auto& c : commands) {
      if (!c.parser->parsed()) continue;
      const int status = c.run(world);
      rf::app::settle_stop_deadline(status);
      return status;
    }
    return fail(world, kUsageExit, "no subcommand given");
  } catch (const rf::app::UsageError& e) {
    return fail(world, kUsageExit, e.what());
  } catch (const rf::JournalError& e) {  // a corrupt record, found when it is read
    return fail(world, kUsageExit, e.what());
  } catch (const std::exception& e) {
    return fail(world, kFailureExit, e.what());
  }
}
