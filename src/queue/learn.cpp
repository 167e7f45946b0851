// Hours learned from real runs: see include/rwkvq/queue/learn.h for the definitions.
#include "rwkvq/queue/learn.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "rwkvq/core/error.h"
#include "rwkvq/util/atomic_file.h"

namespace rwkvq::queue {

namespace {
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  if (n == 0) return 0;
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

std::optional<LearnedUtilisation> Learned::on(std::string_view target) const {
  auto it = targets.find(std::string(target));
  if (it == targets.end() || it->second.count < kMinLearnRuns || !(it->second.utilisation > 0)) return std::nullopt;
  return LearnedUtilisation{it->second.utilisation, it->second.count};
}

std::map<std::string, LearnedUtilisation> Learned::usable() const {
  std::map<std::string, LearnedUtilisation> out;
  for (const auto& [name, t] : targets)
    if (auto u = on(name)) out[name] = *u;
  return out;
}

std::optional<LearnedRun> learned_run(const Entry& e, const Part& p) {
  if (p.state != PartState::Done || !p.started || !p.finished) return std::nullopt;
  const double real = static_cast<double>(*p.finished - *p.started) / 3600.0;
  if (real * 60 < kMinLearnMinutes) return std::nullopt;
  const std::string target = p.ran_on.empty() ? e.target : p.ran_on;
  auto it = p.on.find(target);
  if (it == p.on.end() || !it->second.hours || !it->second.utilisation || *it->second.hours <= 0) return std::nullopt;
  LearnedRun r;
  r.id = e.id;
  r.part = p.n;
  r.finished = *p.finished;
  r.estimate_hours = *it->second.hours;
  r.real_hours = real;
  r.assumed = *it->second.utilisation;
  r.achieved = r.assumed * r.estimate_hours / r.real_hours;
  r.flops = p.flops;
  return r;
}

Learned learn_from_queue(const Queue& q) {
  Learned l;
  for (const auto& e : q.requests)
    for (const auto& p : e.parts)
      if (auto r = learned_run(e, p)) l.targets[p.ran_on.empty() ? e.target : p.ran_on].runs.push_back(*r);
  for (auto& [name, t] : l.targets) {
    std::stable_sort(t.runs.begin(), t.runs.end(),
                     [](const LearnedRun& a, const LearnedRun& b) { return a.finished < b.finished; });
    std::vector<double> achieved;
    for (const auto& r : t.runs) achieved.push_back(r.achieved);
    t.count = static_cast<int>(t.runs.size());
    t.utilisation = std::min(1.0, median(achieved));
  }
  return l;
}

std::filesystem::path learned_path(const std::filesystem::path& queue_file) {
  auto p = queue_file;
  p.replace_extension();
  p += ".learned.json";
  return p;
}

std::string serialize_learned(const Learned& l) {
  using ojson = nlohmann::ordered_json;
  ojson targets = ojson::object();
  for (const auto& [name, t] : l.targets) {
    ojson runs = ojson::array();
    const std::size_t first = t.runs.size() > kLearnedRecentRuns ? t.runs.size() - kLearnedRecentRuns : 0;
    for (std::size_t i = first; i < t.runs.size(); ++i) {
      const auto& r = t.runs[i];
      runs.push_back(ojson{{"id", r.id}, {"part", r.part}, {"finished", format_time(r.finished)},
                           {"estimate_hours", r.estimate_hours}, {"real_hours", r.real_hours},
                           {"assumed", r.assumed}, {"achieved", r.achieved},
                           {"flops", r.flops ? ojson(*r.flops) : ojson(nullptr)}});
    }
    targets[name] = ojson{{"utilisation", t.utilisation}, {"runs", t.count}, {"used", t.count >= kMinLearnRuns},
                          {"recent", std::move(runs)}};
  }
  ojson j{{"version", kLearnedVersion}, {"min_runs", kMinLearnRuns}, {"targets", std::move(targets)}};
  return j.dump(2) + "\n";
}

Learned parse_learned(std::string_view text, const std::string& path) {
  Learned l;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(std::string(text));
  } catch (const nlohmann::json::exception& ex) {
    throw InputError(path + ": not valid JSON: " + ex.what());
  }
  auto bad = [&](const std::string& why) { return InputError(path + ": " + why); };
  if (!j.is_object()) throw bad("not a learned-utilisation summary (expected an object)");
  if (!j.contains("version") || j["version"] != kLearnedVersion)
    throw bad("unsupported version (expected " + std::to_string(kLearnedVersion) + ")");
  if (!j.contains("targets") || !j["targets"].is_object()) throw bad("\"targets\" must be an object");
  for (const auto& el : j["targets"].items()) {
    const std::string name = el.key();
    const nlohmann::json& t = el.value();
    if (!t.is_object() || !t.contains("utilisation") || !t.at("utilisation").is_number() || !t.contains("runs") ||
        !t.at("runs").is_number_integer())
      throw bad("target \"" + name + "\" needs a numeric \"utilisation\" and an integer \"runs\"");
    const double u = t.at("utilisation").get<double>();
    const long long n = t.at("runs").get<long long>();
    if (!std::isfinite(u) || u <= 0 || u > 1) throw bad("target \"" + name + "\": utilisation must be in (0, 1]");
    if (n < 0 || n > 100000000) throw bad("target \"" + name + "\": runs out of range");
    LearnedTarget lt;
    lt.utilisation = u;
    lt.count = static_cast<int>(n);
    l.targets[name] = lt;
  }
  return l;
}

Learned read_learned(const std::filesystem::path& queue_file) {
  const auto file = learned_path(queue_file);
  const auto text = read_file_if_exists(file);
  if (!text) return {};
  return parse_learned(*text, file.string());
}

void apply_learned(Queue& q, const std::map<std::string, LearnedUtilisation>& learned) {
  if (learned.empty()) return;
  for (auto& e : q.requests)
    for (auto& p : e.parts) {
      if (p.state == PartState::Done || p.state == PartState::Rejected || p.state == PartState::Cancelled) continue;
      for (auto& [name, f] : p.on) {
        auto it = learned.find(name);
        if (it == learned.end() || !f.hours || !f.utilisation || it->second.utilisation <= 0) continue;
        f.hours = *f.hours * *f.utilisation / it->second.utilisation;
        f.utilisation = it->second.utilisation;
        if (name == e.target) p.hours = f.hours;
      }
    }
}

}  // namespace rwkvq::queue
