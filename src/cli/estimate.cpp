// STUB: to be replaced by the real command.
#include "cli/cli.h"
namespace rwkvq::cli {
void add_estimate_command(CLI::App& app, GlobalOptions&, int&) { app.add_subcommand("estimate", "estimate (not implemented yet)"); }
}  // namespace rwkvq::cli
