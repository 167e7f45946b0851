#include <spdlog/spdlog.h>

#include <filesystem>

#include "cli/cli.h"
#include "rwkvq/core/error.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/store.h"
#include "rwkvq/rules/rule.h"

namespace rwkvq::cli {

namespace {
Settings load_checked(const std::filesystem::path& file) {
  Settings s = load_settings(file);
  // Unknown rule ids are warnings, not errors: a rwkvq.yaml written for a newer rwkvq still loads.
  std::vector<std::string> known;
  for (const Rule* r : all_rules()) known.emplace_back(r->id());
  for (const auto& msg : unknown_rule_ids(s, known)) spdlog::warn("{}", msg);
  spdlog::debug("settings from {}", file.string());
  return s;
}
}  // namespace

Settings resolve_settings(const GlobalOptions& g) {
  if (!g.config.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(g.config, ec))
      throw UsageError(g.config + ": no such config file");
    return load_checked(g.config);
  }
  if (auto found = find_settings_file(std::filesystem::current_path())) return load_checked(*found);
  return default_settings();
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
