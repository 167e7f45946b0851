#pragma once
// Command-line front end: one file per command (validate.cpp, estimate.cpp, queue/), each
// adding its subcommand to the CLI11 app. Glue only: the logic lives in the library.
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>

#include "rwkvq/core/settings.h"
#include "rwkvq/net/lookup.h"

namespace rwkvq::cli {

struct GlobalOptions {
  std::string config;   // --config rwkvq.yaml
  int verbosity = 0;    // -v: +1, -q: -1
};

// Settings from --config, else the rwkvq.yaml of the repository around the current folder,
// else the defaults. Throws InputError / UsageError.
Settings resolve_settings(const GlobalOptions& g);
struct OnlineFlags;
// The same, for a command that may go online (validate, estimate) or read a branch (`pr`): in the
// static rwkvq, when it will (--pr, --online, `online: true`), hands the command over to
// rwkvq-shared (cli/handover.h) before anything is logged.
Settings resolve_settings_for(const GlobalOptions& g, const OnlineFlags& f, bool pr);

// Fills settings.learned from the summary beside the queue (queue.json -> queue.learned.json;
// `queue_file` "" = the default queue), unless `no_learn` (--no-learn) or limits.learn is false.
// Never reads the queue itself. An unreadable summary is warned about and ignored.
void load_learned(Settings& settings, const std::string& queue_file, bool no_learn);
// --online / --offline / --refresh of validate and estimate (cli/online.cpp).
struct OnlineFlags {
  bool online = false, offline = false, refresh = false;
};
void add_online_flags(CLI::App* cmd, OnlineFlags& f);
// Whether to go online (--offline wins over --online and `online: true`); UsageError on
// contradictory flags.
bool want_online(const OnlineFlags& f, const Settings& s);
// Looks up what every request needs in one parallel round (null request: nothing); the
// outcomes per request, in the same order.
std::vector<net::NetFacts> look_up(const std::vector<const Request*>& requests, const OnlineFlags& f);

// Each returns nothing; the subcommand's callback sets the exit code through `exit_code`.
void add_validate_command(CLI::App& app, GlobalOptions& g, int& exit_code);
void add_estimate_command(CLI::App& app, GlobalOptions& g, int& exit_code);
void add_queue_command(CLI::App& app, GlobalOptions& g, int& exit_code);
void add_rules_command(CLI::App& app, GlobalOptions& g, int& exit_code);
void add_calibrate_command(CLI::App& app, GlobalOptions& g, int& exit_code);
void add_init_command(CLI::App& app, GlobalOptions& g, int& exit_code);
// `completion bash|zsh|fish` and the hidden `man` (cli/completion.cpp), from the app's command tree.
void add_completion_command(CLI::App& app, GlobalOptions& g, int& exit_code);

}  // namespace rwkvq::cli
