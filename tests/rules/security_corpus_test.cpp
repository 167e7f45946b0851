// False alarms of the vetting rules on the corpus (issue 8, point 3): the real notebooks of
// ../shared/corpus are researchers' own experiments, the benign baseline. The test prints, per
// rule, how many corpus folders get a finding and which constructs, and holds each rule under a
// small ceiling. The ceilings are the constructs the contract itself names as findings and that
// researchers' notebooks really contain (see docs/vetting.md): `killall -9 python3` (§11 names
// killall: it kills other jobs' processes on a shared node) and `huggingface-cli upload` to a Hub
// repository (§11: uploads to any Hub repository). Everything else must stay at zero.
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "rwkvq/rules/rule.h"

using namespace rwkvq;
namespace fs = std::filesystem;

TEST_CASE("security rules: false alarms on the corpus stay under a small ceiling", "[corpus][security]") {
  const fs::path corpus = RWKVQ_CORPUS_DIR;
  if (!fs::exists(corpus / "truth.jsonl")) {
    WARN("corpus not found at " << corpus << ": skipped");
    return;
  }
  const std::vector<std::string> ids = {"security/secret-access", "security/remote-code",
                                        "security/exfiltration", "security/escape",
                                        "security/mining", "security/obfuscated", "security/input-limits",
                                        "content/policy"};
  // Folders with a finding, per rule. The ceilings: see the comment above.
  const std::map<std::string, int> ceiling = {
      {"security/secret-access", 0}, {"security/remote-code", 0}, {"security/exfiltration", 4},
      {"security/escape", 9},        {"security/mining", 0},      {"security/obfuscated", 0},
      {"security/input-limits", 0},  {"content/policy", 0}};
  std::map<std::string, std::set<std::string>> folders;
  std::map<std::string, std::map<std::string, int>> constructs;
  int total = 0;
  const Settings settings = default_settings();
  const RuleContext ctx{settings, nullptr, std::nullopt};
  for (const auto& entry : fs::directory_iterator(corpus)) {
    if (!entry.is_directory()) continue;
    ++total;
    Request req = load_request(entry.path().string());
    for (const std::string& id : ids) {
      std::vector<Finding> found;
      find_rule(id)->check(req, ctx, found);
      for (const Finding& f : found) {
        folders[id].insert(entry.path().filename().string());
        std::string m = f.message;
        std::size_t q = m.find('`', 1);
        constructs[id][q != std::string::npos && m[0] == '`' ? m.substr(0, q + 1) : m.substr(0, 60)]++;
      }
    }
  }
  std::ostringstream table;
  table << "vetting false alarms on " << total << " corpus folders (folders with a finding):\n";
  for (const std::string& id : ids) {
    table << "  " << id << ": " << folders[id].size() << " (ceiling " << ceiling.at(id) << ")\n";
    for (const auto& [c, n] : constructs[id]) table << "      " << n << "x " << c << "\n";
  }
  std::cout << table.str();
  INFO(table.str());
  CHECK(total > 100);
  for (const std::string& id : ids) CHECK(static_cast<int>(folders[id].size()) <= ceiling.at(id));
}
