// STUB: to be replaced by the real command.
#include "cli/cli.h"
namespace rwkvq::cli {
void add_queue_command(CLI::App& app, GlobalOptions&, int&) { app.add_subcommand("queue", "queue (not implemented yet)"); }
}  // namespace rwkvq::cli
