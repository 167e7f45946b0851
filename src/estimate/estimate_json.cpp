// JSON of an estimate (schemas/estimate.schema.json): the stable output of
// `rwkvq estimate --format json`, also what the queue may store.
#include <cmath>
#include <nlohmann/json.hpp>

#include "rwkvq/estimate/estimate.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq {

namespace {
template <class T>
nlohmann::ordered_json opt(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}
nlohmann::ordered_json round2(const std::optional<double>& v) {
  if (!v) return nullptr;
  return fm::round(*v * 100.0) / 100.0;
}
}  // namespace

std::string estimate_json(const Request& req, const RequestEstimate& est) {
  // ordered_json: keys in the documented order (schemas/estimate.schema.json), not sorted.
  using json = nlohmann::ordered_json;
  json out;
  out["path"] = req.folder.display_path;
  out["target"] = est.target.empty() ? json(nullptr) : json(est.target);
  out["target_reason"] = est.target_reason;
  json parts = json::array();
  for (const auto& p : est.parts) {
    json jp;
    jp["notebook"] = p.name;
    jp["part"] = p.part;
    jp["hours"] = round2(p.hours);
    json stages = json::array();
    for (const auto& s : p.stages) {
      json js;
      js["cell"] = s.cell;
      js["line"] = s.loc.line;
      js["load_model"] = s.load_model;
      js["trainer"] = s.trainer;
      js["from_scratch"] = s.from_scratch;
      js["params"] = {{"value", opt(s.params.value)}, {"source", s.params.source},
                      {"n_layer", opt(s.params.n_layer)}, {"n_embd", opt(s.params.n_embd)},
                      {"vocab_size", opt(s.params.vocab_size)}};
      js["tokens"] = {{"value", opt(s.tokens.value)}, {"source", s.tokens.source}};
      js["ctx_len"] = opt(s.ctx_len);
      js["microbatch_size"] = opt(s.microbatch_size);
      js["target_batch_size"] = opt(s.target_batch_size);
      js["max_epochs"] = opt(s.max_epochs);
      js["max_steps"] = opt(s.max_steps);
      js["strategy"] = s.strategy;
      js["precision"] = s.precision;
      js["notes"] = s.notes;
      json targets = json::array();
      for (const auto& t : s.targets) {
        targets.push_back({{"name", t.name},
                           {"gpus", t.gpus},
                           {"gpus_used", t.gpus_used},
                           {"gpu", t.gpu},
                           {"memory_gib_per_gpu", round2(t.memory_gib_per_gpu)},
                           {"fits", opt(t.fits)},
                           {"hours", round2(t.hours)},
                           {"why", t.why},
                           {"utilisation", t.utilisation},
                           {"utilisation_source", t.utilisation_source}});
      }
      js["targets"] = targets;
      stages.push_back(js);
    }
    jp["stages"] = stages;
    parts.push_back(jp);
  }
  out["parts"] = parts;
  out["total_hours"] = round2(est.total_hours);
  return out.dump(2);
}

}  // namespace rwkvq
