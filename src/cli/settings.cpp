#include <spdlog/spdlog.h>

#include <filesystem>

#include "cli/cli.h"
#include "cli/handover.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/rules/rule.h"

namespace rwkvq::cli {

namespace {
// Settings and the notes loading them gave (warnings, the debug line), not yet logged: the static
// rwkvq may hand the command over before it logs anything (cli/handover.h).
struct Loaded {
  Settings settings;
  std::vector<std::string> warnings;
  std::string file;  // "" = the defaults
};

Loaded load_checked(const std::filesystem::path& file) {
  Loaded l{load_settings(file), {}, file.string()};
  // Unknown rule ids are warnings, not errors: a rwkvq.yaml written for a newer rwkvq still loads.
  std::vector<std::string> known;
  for (const Rule* r : all_rules()) known.emplace_back(r->id());
  l.warnings = unknown_rule_ids(l.settings, known);
  return l;
}

Loaded load_quietly(const GlobalOptions& g) {
  if (!g.config.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(g.config, ec))
      throw UsageError(g.config + ": no such config file");
    return load_checked(g.config);
  }
  if (auto found = find_settings_file(std::filesystem::current_path())) return load_checked(*found);
  return Loaded{default_settings(), {}, ""};
}

Settings logged(Loaded l) {
  for (const auto& msg : l.warnings) spdlog::warn("{}", msg);
  if (!l.file.empty()) spdlog::debug("settings from {}", l.file);
  return std::move(l.settings);
}
}  // namespace

Settings resolve_settings(const GlobalOptions& g) { return logged(load_quietly(g)); }

Settings resolve_settings_for(const GlobalOptions& g, const OnlineFlags& f, bool pr) {
  Loaded l = load_quietly(g);
  if (in_static_front() && (pr || want_online(f, l.settings)))
    hand_over(pr ? "`validate --pr`" : "going online (--online, or online: true in rwkvq.yaml)");
  return logged(std::move(l));
}

void load_learned(Settings& settings, const std::string& queue_file, bool no_learn) {
  settings.learned.clear();
  if (no_learn || !settings.limits.learn) return;
  std::filesystem::path file;
  try {
    file = queue_file.empty() ? queue::default_queue_path() : std::filesystem::path(queue_file);
  } catch (const UsageError&) {
    return;  // no queue anywhere: nothing learned
  }
  try {
    settings.learned = queue::read_learned(file).usable();
  } catch (const InputError& e) {
    spdlog::warn("{} (ignored: estimates use limits.utilisation)", e.what());
    return;
  }
  for (const auto& [target, l] : settings.learned)
    spdlog::debug("utilisation on {}: {:.3f} learned from {} runs", target, l.utilisation, l.runs);
}

}  // namespace rwkvq::cli
