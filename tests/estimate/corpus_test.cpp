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

// Per training stage (issue 7, point 3): truth.jsonl's `stage_params` hold, for each training
// cell whose output kept the trainer's own model summary, the size of the model that cell really
// trained: {"<cell>": [value, half of the summary's rounding unit]}. A stage is
//   - right   when its estimate is within 5 % of the value plus that half unit;
//   - unknown when rwkvq says unknown (or finds no training stage in that cell);
//   - wrong   otherwise.
// Required (the target: ≥ 90 % right, ≤ 5 % wrong):
//   - wrong ≤ 5 % of all the stages with a summary;
//   - right ≥ 90 % of the stages whose size the request can reveal: all of them except those the
//     issue itself wants `unknown` (blocks that are not the standard ones: a trainer folder that is
//     not a standard trainer such as RWKV-v6-TCLR, or RWKV_*_REUSE_MULTIPLIER-style environment
//     variables; Stage::shape_unknown). Those are at most 20 % of the stages, so this exception
//     cannot swallow the measure;
//   - right ≥ 75 % of all (the rest is unknown where the request does not reveal the model: a
//     config outside the folder, a model nothing in the notebook names).
TEST_CASE("stage parameter estimates match the trainer's own model summaries", "[corpus][estimate]") {
  const fs::path corpus = RWKVQ_CORPUS_DIR;
  if (!fs::exists(corpus / "truth.jsonl")) {
    WARN("corpus not found at " << corpus << ": skipped");
    return;
  }
  std::ifstream in(corpus / "truth.jsonl");
  std::string line;
  int total = 0, right = 0, wrong = 0, unknown = 0, by_design = 0;
  std::ostringstream details;
  const Settings settings = default_settings();
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("stage_params") || !j["stage_params"].is_object() ||
        j["stage_params"].empty())
      continue;
    const std::string dir = j["dir"].get<std::string>();
    std::vector<const StageEstimate*> stages;
    RequestEstimate est;
    Request req;
    try {
      req = load_request((corpus / dir).string());
      est = estimate_request(req, settings, {});
    } catch (const std::exception& e) {
      details << "  " << dir << ": exception " << e.what() << "\n";
    }
    for (const auto& p : est.parts)
      for (const auto& s : p.stages) stages.push_back(&s);
    for (auto it = j["stage_params"].begin(); it != j["stage_params"].end(); ++it) {
      ++total;
      const int cell = std::stoi(it.key());
      const double value = (*it)[0].get<double>(), half_unit = (*it)[1].get<double>();
      const StageEstimate* st = nullptr;
      for (const StageEstimate* s : stages)
        if (s->cell == cell) st = s;
      if (!st || !st->params.value) {
        ++unknown;
        if (st && !req.notebooks[st->notebook].stages[st->stage].shape_unknown.empty()) ++by_design;
        details << "  " << dir << " cell " << cell << ": unknown (truth " << value << ")"
                << (st ? " [" + st->params.source + "]" : std::string(" [no stage in that cell]")) << "\n";
        continue;
      }
      const double e = static_cast<double>(*st->params.value);
      if (std::fabs(e - value) <= 0.05 * value + half_unit) {
        ++right;
      } else {
        ++wrong;
        details << "  " << dir << " cell " << cell << ": WRONG truth " << value << ", estimated " << e << " ["
                << st->params.source << "]\n";
      }
    }
  }
  REQUIRE(total > 0);
  const double right_pct = 100.0 * right / total, wrong_pct = 100.0 * wrong / total;
  const double right_of_knowable = 100.0 * right / (total - by_design);
  const double by_design_pct = 100.0 * by_design / total;
  WARN("corpus stage accuracy: " << total << " training stages with a model summary; within 5 %: " << right
                                 << " (" << right_pct << " %), unknown: " << unknown << " (" << by_design
                                 << " of them non-standard blocks, unknown by design), wrong: " << wrong << " ("
                                 << wrong_pct << " %); right of the " << total - by_design
                                 << " stages whose size the request can reveal: " << right_of_knowable << " %\n"
                                 << details.str());
  CHECK(wrong_pct <= 5.0);
  CHECK(by_design_pct <= 20.0);
  CHECK(right_of_knowable >= 90.0);
  CHECK(right_pct >= 75.0);
}
