// Accuracy of the parameter estimate on the corpus (issue 3, point 3).
//
// Matching: truth.jsonl lists, per notebook, the parameter counts its output printed when it
// exported a model. A notebook's estimates are the known parameter counts of all its training
// stages. The notebook is
//   - right   when every printed count is within 5 % of some stage estimate;
//   - unknown when no stage has a known estimate (rwkvq says "unknown": the right answer when
//             the request does not reveal the size, so not wrong);
//   - wrong   otherwise (a printed count with no stage estimate within 5 %).
// Required: right ≥ 75 % and wrong ≤ 10 % of the notebooks with a printed count.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "rwkvq/estimate/estimate.h"
#include "rwkvq/request/request.h"

using namespace rwkvq;
namespace fs = std::filesystem;

TEST_CASE("parameter estimates match the counts the corpus notebooks printed", "[corpus][estimate]") {
  const fs::path corpus = RWKVQ_CORPUS_DIR;
  if (!fs::exists(corpus / "truth.jsonl")) {
    WARN("corpus not found at " << corpus << ": skipped");
    return;
  }
  std::ifstream in(corpus / "truth.jsonl");
  std::string line;
  int total = 0, right = 0, wrong = 0, unknown = 0;
  std::ostringstream details;
  const Settings settings = default_settings();
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("params_elements") || j["params_elements"].empty()) continue;
    ++total;
    const std::string dir = j["dir"].get<std::string>();
    std::vector<long long> estimates;
    std::vector<std::string> sources;
    try {
      Request req = load_request((corpus / dir).string());
      RequestEstimate est = estimate_request(req, settings, {});
      for (const auto& p : est.parts)
        for (const auto& s : p.stages)
          if (s.params.value) {
            estimates.push_back(*s.params.value);
            sources.push_back(s.params.source);
          }
    } catch (const std::exception& e) {
      details << "  " << dir << ": exception " << e.what() << "\n";
    }
    if (estimates.empty()) {
      ++unknown;
      details << "  " << dir << ": unknown\n";
      continue;
    }
    bool all = true;
    for (const auto& c : j["params_elements"]) {
      const double printed = c.get<double>();
      bool hit = false;
      for (long long e : estimates) hit = hit || std::fabs(static_cast<double>(e) - printed) / printed <= 0.05;
      all = all && hit;
    }
    if (all) {
      ++right;
    } else {
      ++wrong;
      details << "  " << dir << ": WRONG printed " << j["params_elements"].dump() << ", estimated";
      for (std::size_t i = 0; i < estimates.size(); ++i) details << " " << estimates[i] << " [" << sources[i] << "]";
      details << "\n";
    }
  }
  REQUIRE(total > 0);
  const double right_pct = 100.0 * right / total, wrong_pct = 100.0 * wrong / total;
  WARN("corpus parameter accuracy: " << total << " notebooks with a printed count; within 5 %: " << right << " ("
                                    << right_pct << " %), unknown: " << unknown << ", wrong: " << wrong << " ("
                                    << wrong_pct << " %)\n"
                                    << details.str());
  CHECK(right_pct >= 75.0);
  CHECK(wrong_pct <= 10.0);
}
