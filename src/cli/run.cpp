// Argument parsing and dispatch of both programs (main.cpp). Every command lives in its own file
// of src/cli/.
#include "cli/run.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/cli.h"
#include "cli/handover.h"
#include "rwkvq/core/error.h"

namespace rwkvq::cli {

int run(int argc, char** argv) {
  int exit_code = 0;
  GlobalOptions g;
  try {
    auto logger = spdlog::stderr_color_mt("rwkvq");
    logger->set_pattern("rwkvq: %l: %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::warn);

    CLI::App app{"rwkvq: vet RWKV community training requests, estimate them, keep the queue"};
    app.set_version_flag("--version", std::string("rwkvq ") + RWKVQ_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.add_option("--config", g.config, "rwkvq.yaml to use (default: the repository's own)");
    app.add_flag_function("-v,--verbose", [&](std::int64_t n) { g.verbosity += static_cast<int>(n); },
                          "More logging (debug)");
    app.add_flag_function("-q,--quiet", [&](std::int64_t n) { g.verbosity -= static_cast<int>(n); },
                          "Only log errors");
    app.parse_complete_callback([&] {
      if (g.verbosity > 0) spdlog::set_level(spdlog::level::debug);
      else if (g.verbosity < 0) spdlog::set_level(spdlog::level::err);
    });
    // The command word (the first argument that is not an option). Only that command is built:
    // building every command's options cost each start ~1.4 M instructions (issue 12.6). With
    // no word, another word (unknown, completion, man) or --help alone, all are built.
    std::string_view word;
    bool version = false;  // `rwkvq --version` needs no command at all
    for (int i = 1; i < argc; ++i) {
      std::string_view a = argv[i];
      if (a == "--config") { ++i; continue; }
      version = version || a == "--version";
      if (a.empty() || a[0] == '-') continue;
      word = a;
      break;
    }
    using AddCommand = void (*)(CLI::App&, GlobalOptions&, int&);
    struct Command {
      std::string_view name;
      AddCommand add;
      bool static_ok;  // runs in the static rwkvq; else handed over to rwkvq-shared (cli/handover.h)
    };
    static constexpr Command kCommands[] = {
        {"validate", add_validate_command, true},   // --pr and online: handed over later
        {"estimate", add_estimate_command, true},   // online: handed over later
        {"queue", add_queue_command, false},        // a git queue, the runner's HTTP
        {"rules", add_rules_command, true},
        {"calibrate", add_calibrate_command, false},
        {"init", add_init_command, false}};         // downloads the model
    bool built = false;
    for (const auto& c : kCommands)
      if (c.name == word) {
        if (!c.static_ok) hand_over("`rwkvq " + std::string(word) + "`");
        c.add(app, g, exit_code);
        built = true;
      }
    if (!built && !(word.empty() && version)) {
      for (const auto& c : kCommands) c.add(app, g, exit_code);
      add_completion_command(app, g, exit_code);  // last: it describes the commands above
    }
    // An unknown command word would otherwise be reported as "A subcommand is required".
    if (!word.empty()) {
      std::string_view a = word;
      std::string names;
      bool known = false;
      for (const auto* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (!sub->get_group().empty()) names += (names.empty() ? "" : ", ") + sub->get_name();  // not the hidden `man`
        known = known || sub->get_name() == a;
      }
      if (!known) {
        throw UsageError("unknown command '" + std::string(a) + "' (commands: " + names + ")");
      }
    }
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      app.exit(e);
      return 2;
    }
    return exit_code;
  } catch (const UsageError& e) {
    std::cerr << "rwkvq: error: " << e.what() << "\n";
    return 2;
  } catch (const InputError& e) {
    std::cerr << "rwkvq: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rwkvq: internal error: " << e.what() << "\n";
    return 2;
  } catch (...) {
    std::cerr << "rwkvq: internal error\n";
    return 2;
  }
}

}  // namespace rwkvq::cli
