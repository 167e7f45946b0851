// `rwkvq rules [--format text|json]`: every rule id with its severity (after rwkvq.yaml) and summary.
#include <algorithm>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli.h"
#include "rwkvq/rules/rule.h"

namespace rwkvq::cli {
namespace {

int run_rules_command(const std::string& format, const GlobalOptions& g) {
  Settings settings = resolve_settings(g);
  struct Row {
    std::string id, severity, summary;
    bool overridden;
  };
  std::vector<Row> rows;
  for (const Rule* r : all_rules()) {
    Row row{std::string(r->id()), std::string(to_string(r->default_severity())),
            std::string(r->summary()), false};
    if (auto it = settings.rules.find(row.id); it != settings.rules.end()) {
      row.overridden = true;
      row.severity = it->second.off ? "off" : std::string(to_string(it->second.severity));
    }
    rows.push_back(std::move(row));
  }
  if (format == "json") {
    nlohmann::json doc = nlohmann::json::array();
    for (const auto& r : rows)
      doc.push_back({{"rule", r.id}, {"severity", r.severity}, {"summary", r.summary},
                     {"overridden", r.overridden}});
    std::cout << doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::size_t w = 0;
  for (const auto& r : rows) w = std::max(w, r.id.size());
  for (const auto& r : rows) {
    std::string sev = r.severity + (r.overridden ? "*" : "");
    std::cout << r.id << std::string(w - r.id.size() + 2, ' ') << sev
              << std::string(sev.size() < 9 ? 9 - sev.size() : 1, ' ') << r.summary << "\n";
  }
  // The legend explains a `*`: only when some row has one.
  if (std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.overridden; }))
    std::cout << "(* = severity set in " << (settings.source.empty() ? "rwkvq.yaml" : settings.source) << ")\n";
  return 0;
}

}  // namespace

void add_rules_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto format = std::make_shared<std::string>("text");
  auto* cmd = app.add_subcommand("rules", "List every check: rule id, severity, what it looks for");
  cmd->add_option("--format", *format, "Output: text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([format, &g, &exit_code] { exit_code = run_rules_command(*format, g); });
}

}  // namespace rwkvq::cli
