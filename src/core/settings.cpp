// rwkvq.yaml: built-in defaults (data/defaults.yaml, embedded) and a user file on top of them.
//
// Validation is strict, as a linter's config should be: an unknown key is an error naming the
// closest known key, a value of the wrong type names what was expected, and every message
// starts with FILE:LINE:COL. Maps of named things (gpus, targets, rules, priority.kind_value)
// extend or override the built-ins by name; a `~` (null) entry removes a built-in GPU/target.
//
// Rule ids: core does not know the rule registry (rules/ depends on core, not the reverse), so
// load_settings accepts any well-formed `group/name` id and records where it was set; the CLI
// calls unknown_rule_ids() with the registered ids and warns. A config written for a newer
// rwkvq (with rules this version lacks) therefore still loads.
#include "rwkvq/core/settings.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include "rwkvq/core/error.h"
#include "rwkvq/util/embedded.h"
#include "rwkvq/util/match.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

const GpuSpec* Settings::gpu(std::string_view name) const {
  for (const auto& g : gpus)
    if (g.name == name) return &g;
  return nullptr;
}

const TargetSpec* Settings::target(std::string_view name) const {
  for (const auto& t : targets)
    if (t.name == name) return &t;
  return nullptr;
}

namespace {

class Loader {
 public:
  Loader(Settings& s, std::string file) : s_(s), file_(std::move(file)) {}

  void load(const YAML::Node& root) {
    if (!root || root.IsNull()) return;  // an empty file: the defaults
    if (!root.IsMap()) fail(root, "the top level must be a mapping (rules, limits, gpus, targets, priority)");
    for (const auto& kv : root) {
      const std::string key = key_of(kv.first);
      const YAML::Node& v = kv.second;
      if (key == "rules") rules(v);
      else if (key == "limits") limits(v);
      else if (key == "gpus") gpus(v);
      else if (key == "targets") targets(v);
      else if (key == "priority") priority(v);
      else if (key == "content") content(v);
      else if (key == "online") online(v);
      else if (key == "estimate") estimate(v);
      else if (key == "runner") runner(v);
      else unknown(kv.first, key, {"rules", "limits", "gpus", "targets", "priority", "content", "online", "estimate", "runner"});
    }
  }

  void finish() {
    for (const auto& t : s_.targets)
      if (!s_.gpu(t.gpu))
        throw InputError(file_ + ": target '" + t.name + "' uses GPU '" + t.gpu +
                         "', which is not in the catalogue (gpus)");
    // Smallest first: total GPU memory, then total compute, then name.
    std::stable_sort(s_.targets.begin(), s_.targets.end(), [&](const TargetSpec& a, const TargetSpec& b) {
      const GpuSpec* ga = s_.gpu(a.gpu);
      const GpuSpec* gb = s_.gpu(b.gpu);
      double ma = a.gpus * ga->memory_gib, mb = b.gpus * gb->memory_gib;
      if (ma != mb) return ma < mb;
      double fa = a.gpus * ga->bf16_tflops, fb = b.gpus * gb->bf16_tflops;
      if (fa != fb) return fa < fb;
      return a.name < b.name;
    });
  }

 private:
  Settings& s_;
  std::string file_;

  std::string pos(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    if (m.line < 0) return file_;
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  [[noreturn]] void fail(const YAML::Node& n, const std::string& msg) const {
    throw InputError(pos(n) + ": " + msg);
  }
  std::string key_of(const YAML::Node& k) const {
    if (!k.IsScalar()) fail(k, "keys must be plain strings");
    return k.Scalar();
  }
  [[noreturn]] void unknown(const YAML::Node& k, const std::string& key, const std::vector<std::string>& known) const {
    std::string msg = "unknown key '" + key + "'";
    std::string best = closest(key, known, std::max<std::size_t>(2, key.size() / 3));
    if (best.empty() && key.size() >= 3)  // "memory" for "memory_gib"
      for (const auto& k : known)
        if (starts_with(k, key) || starts_with(key, k)) {
          best = k;
          break;
        }
    if (!best.empty()) msg += " (did you mean '" + best + "'?)";
    else msg += " (known keys: " + join(known, ", ") + ")";
    fail(k, msg);
  }
  void need_map(const YAML::Node& v, const std::string& what) const {
    if (!v.IsMap()) fail(v, "'" + what + "' must be a mapping");
  }

  double number(const YAML::Node& v, const std::string& what) const {
    if (!v.IsScalar()) fail(v, "'" + what + "' must be a number");
    const std::string t(trim(v.Scalar()));
    try {
      std::size_t used = 0;
      double d = std::stod(t, &used);
      if (used == t.size() && std::isfinite(d)) return d;
    } catch (const std::exception&) {
    }
    fail(v, "'" + what + "' must be a number, not '" + t + "'");
  }
  double positive(const YAML::Node& v, const std::string& what) const {
    double d = number(v, what);
    if (d <= 0) fail(v, "'" + what + "' must be greater than 0");
    return d;
  }
  double non_negative(const YAML::Node& v, const std::string& what) const {
    double d = number(v, what);
    if (d < 0) fail(v, "'" + what + "' must not be negative");
    return d;
  }
  int count(const YAML::Node& v, const std::string& what) const {
    double d = number(v, what);
    if (d < 1 || d > 4096 || std::floor(d) != d) fail(v, "'" + what + "' must be a whole number from 1 to 4096");
    return static_cast<int>(d);
  }
  std::string text(const YAML::Node& v, const std::string& what) const {
    if (!v.IsScalar()) fail(v, "'" + what + "' must be a string");
    return v.Scalar();
  }
  // 5242880, "5 MiB", "5MB", "1.5G": binary multiples (K/KB/KiB = 1024).
  std::uint64_t bytes(const YAML::Node& v, const std::string& what) const {
    if (!v.IsScalar()) fail(v, "'" + what + "' must be a size in bytes (e.g. 5242880 or \"5 MiB\")");
    const std::string t = v.Scalar();
    const auto m = match_size_text(t);
    if (!m) fail(v, "'" + what + "' must be a size in bytes (e.g. 5242880 or \"5 MiB\"), not '" + t + "'");
    double d = std::stod(m->number);
    const char u = m->unit.empty() ? ' ' : static_cast<char>(std::toupper(static_cast<unsigned char>(m->unit[0])));
    if (u == 'K') d *= 1024.0;
    if (u == 'M') d *= 1024.0 * 1024.0;
    if (u == 'G') d *= 1024.0 * 1024.0 * 1024.0;
    if (d < 1 || d > 1e15) fail(v, "'" + what + "' is out of range");
    return static_cast<std::uint64_t>(d);
  }

  void rules(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "rules");
    for (const auto& kv : v) {
      const std::string id = key_of(kv.first);
      if (!is_rule_id(id))
        fail(kv.first, "'" + id + "' is not a rule id (rule ids look like 'group/name', e.g. 'limits/hours')");
      if (!kv.second.IsScalar()) fail(kv.second, "the severity of '" + id + "' must be one of error|warning|info|off");
      const std::string sev = to_lower(trim(kv.second.Scalar()));
      SeverityOverride o;
      if (sev == "off") {
        o.off = true;
      } else if (auto parsed = parse_severity(sev)) {
        o.severity = *parsed;
      } else {
        fail(kv.second, "bad severity '" + kv.second.Scalar() + "' for '" + id + "' (expected error|warning|info|off)");
      }
      s_.rules[id] = o;
      s_.rule_positions[id] = pos(kv.first);
    }
  }

  // content: {words: [..]}: words and phrases added to the content/policy list
  void content(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "content");
    for (const auto& kv : v) {
      const std::string k = key_of(kv.first);
      const YAML::Node& x = kv.second;
      if (k != "words") unknown(kv.first, k, {"words"});
      if (x.IsNull()) continue;
      if (!x.IsSequence()) fail(x, "'content.words' must be a list of words or phrases");
      for (const auto& w : x) {
        if (!w.IsScalar() || w.as<std::string>().empty()) fail(w, "'content.words' entries are non-empty strings");
        s_.content_words.push_back(w.as<std::string>());
      }
    }
  }

  void online(const YAML::Node& v) {
    bool b = false;
    if (!v.IsScalar() || !YAML::convert<bool>::decode(v, b)) fail(v, "'online' must be true or false");
    s_.online = b;
  }

  void runner(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "runner");
    RunnerSettings& r = s_.runner;
    for (const auto& kv : v) {
      const std::string k = key_of(kv.first);
      std::string* field = k == "repo"       ? &r.repo
                           : k == "workflow" ? &r.workflow
                           : k == "ref"      ? &r.ref
                           : k == "lane"     ? &r.lane
                           : k == "cuda"     ? &r.cuda
                           : k == "hf_repo"  ? &r.hf_repo
                                             : nullptr;
      if (!field) unknown(kv.first, k, {"repo", "workflow", "ref", "lane", "cuda", "hf_repo"});
      const YAML::Node& val = kv.second;
      if (!val.IsScalar() || trim(val.Scalar()).empty()) fail(val, "'runner." + k + "' must be a non-empty string");
      const std::string text(trim(val.Scalar()));
      // Each goes into a URL path or a workflow input: no spaces, no control characters, no '?#'.
      for (unsigned char c : text)
        if (c <= 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%')
          fail(val, "'runner." + k + "' must not contain spaces, control characters, '?', '#' or '%'");
      if (k == "repo" && (std::count(text.begin(), text.end(), '/') != 1 || text.front() == '/' || text.back() == '/'))
        fail(val, "'runner.repo' must be OWNER/NAME, not '" + text + "'");
      *field = text;
    }
  }

  void estimate(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "estimate");
    for (const auto& kv : v) {
      const std::string k = key_of(kv.first);
      if (k == "bytes_per_token") s_.estimate.bytes_per_token = positive(kv.second, "estimate." + k);
      else unknown(kv.first, k, {"bytes_per_token"});
    }
  }

  void limits(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "limits");
    Limits& l = s_.limits;
    for (const auto& kv : v) {
      const std::string k = key_of(kv.first);
      const YAML::Node& x = kv.second;
      const std::string w = "limits." + k;
      if (k == "max_params") l.max_params = positive(x, w);
      else if (k == "stage3_params") l.stage3_params = positive(x, w);
      else if (k == "max_hours") l.max_hours = positive(x, w);
      else if (k == "max_file_bytes") l.max_file_bytes = bytes(x, w);
      else if (k == "max_text_bytes") l.max_text_bytes = bytes(x, w);
      else if (k == "utilisation") {
        l.utilisation = positive(x, w);
        if (l.utilisation > 1) fail(x, "'limits.utilisation' is a fraction of the peak: greater than 0, at most 1");
      } else if (k == "stage3_slowdown") l.stage3_slowdown = positive(x, w);
      else if (k == "offload_slowdown") l.offload_slowdown = positive(x, w);
      else if (k == "activation_bytes") l.activation_bytes = non_negative(x, w);
      else if (k == "overhead_gib") l.overhead_gib = non_negative(x, w);
      else if (k == "max_read_bytes") l.max_read_bytes = bytes(x, w);
      else if (k == "max_cells") l.max_cells = static_cast<long long>(positive(x, w));
      else if (k == "max_code_lines") l.max_code_lines = static_cast<long long>(positive(x, w));
      else if (k == "time_budget_seconds") l.time_budget_seconds = positive(x, w);
      else if (k == "learn") {
        bool b = true;
        if (!x.IsScalar() || !YAML::convert<bool>::decode(x, b)) fail(x, "'limits.learn' must be true or false");
        l.learn = b;
      } else
        unknown(kv.first, k, {"max_params", "stage3_params", "max_hours", "max_file_bytes", "max_text_bytes",
                              "utilisation", "stage3_slowdown", "offload_slowdown", "activation_bytes",
                              "overhead_gib", "max_read_bytes", "max_cells", "max_code_lines",
                              "time_budget_seconds", "learn"});
    }
  }

  void gpus(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "gpus");
    for (const auto& kv : v) {
      const std::string name = key_of(kv.first);
      auto it = std::find_if(s_.gpus.begin(), s_.gpus.end(), [&](const GpuSpec& g) { return g.name == name; });
      if (kv.second.IsNull()) {  // removes a built-in GPU
        if (it != s_.gpus.end()) s_.gpus.erase(it);
        continue;
      }
      need_map(kv.second, "gpus." + name);
      const bool fresh = it == s_.gpus.end();
      GpuSpec g = fresh ? GpuSpec{name, name, 0, 0} : *it;
      for (const auto& f : kv.second) {
        const std::string k = key_of(f.first);
        const std::string w = "gpus." + name + "." + k;
        if (k == "label") g.label = text(f.second, w);
        else if (k == "memory_gib") g.memory_gib = positive(f.second, w);
        else if (k == "bf16_tflops") g.bf16_tflops = positive(f.second, w);
        else unknown(f.first, k, {"label", "memory_gib", "bf16_tflops"});
      }
      if (g.memory_gib <= 0 || g.bf16_tflops <= 0)
        fail(kv.first, "GPU '" + name + "' needs memory_gib and bf16_tflops");
      if (fresh) s_.gpus.push_back(g);
      else *it = g;
    }
  }

  void targets(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "targets");
    for (const auto& kv : v) {
      const std::string name = key_of(kv.first);
      auto it = std::find_if(s_.targets.begin(), s_.targets.end(), [&](const TargetSpec& t) { return t.name == name; });
      if (kv.second.IsNull()) {
        if (it != s_.targets.end()) s_.targets.erase(it);
        continue;
      }
      need_map(kv.second, "targets." + name);
      const bool fresh = it == s_.targets.end();
      TargetSpec t = fresh ? TargetSpec{name, 0, ""} : *it;
      for (const auto& f : kv.second) {
        const std::string k = key_of(f.first);
        const std::string w = "targets." + name + "." + k;
        if (k == "gpus") t.gpus = count(f.second, w);
        else if (k == "gpu") {
          t.gpu = text(f.second, w);
          if (!s_.gpu(t.gpu)) {
            std::vector<std::string> names;
            for (const auto& g : s_.gpus) names.push_back(g.name);
            std::string best = closest(t.gpu, names, 3);
            fail(f.second, "unknown GPU '" + t.gpu + "'" +
                               (best.empty() ? " (add it under 'gpus')" : " (did you mean '" + best + "'?)"));
          }
        } else unknown(f.first, k, {"gpus", "gpu"});
      }
      if (t.gpus < 1 || t.gpu.empty()) fail(kv.first, "target '" + name + "' needs gpus and gpu");
      if (fresh) s_.targets.push_back(t);
      else *it = t;
    }
  }

  // The request kinds are those of the built-in priority.kind_value (queue --kind takes the
  // same ones): a kind value for any other name would never apply, so it is a typo.
  static std::vector<std::string> known_kinds() {
    std::vector<std::pair<double, std::string>> by_value;
    for (const auto& [kind, value] : PriorityWeights{}.kind_value) by_value.emplace_back(-value, kind);
    std::sort(by_value.begin(), by_value.end());  // highest value first: rwkv-x, community-priority, community
    std::vector<std::string> out;
    for (auto& kv : by_value) out.push_back(kv.second);
    return out;
  }
  static bool known_kind(const std::string& kind) { return PriorityWeights{}.kind_value.count(kind) > 0; }

  void priority(const YAML::Node& v) {
    if (v.IsNull()) return;
    need_map(v, "priority");
    PriorityWeights& p = s_.priority;
    for (const auto& kv : v) {
      const std::string k = key_of(kv.first);
      const std::string w = "priority." + k;
      if (k == "kind") p.kind = non_negative(kv.second, w);
      else if (k == "shortness") p.shortness = non_negative(kv.second, w);
      else if (k == "age") p.age = non_negative(kv.second, w);
      else if (k == "boost") p.boost = non_negative(kv.second, w);
      else if (k == "age_period_days") p.age_period_days = positive(kv.second, w);
      else if (k == "shortness_scale_hours") p.shortness_scale_hours = positive(kv.second, w);
      else if (k == "kind_value") {
        if (kv.second.IsNull()) continue;
        need_map(kv.second, w);
        for (const auto& e : kv.second) {
          const std::string kind = key_of(e.first);
          if (!known_kind(kind)) {
            const auto kinds = known_kinds();
            const std::string best = closest(kind, kinds, std::max<std::size_t>(2, kind.size() / 3));
            fail(e.first, "unknown kind '" + kind + "' in '" + w + "' " +
                              (best.empty() ? "(kinds: " + join(kinds, ", ") + ")"
                                            : "(did you mean '" + best + "'?)"));
          }
          double d = non_negative(e.second, w + "." + kind);
          if (d > 1) fail(e.second, "'" + w + "." + kind + "' must be between 0 and 1");
          p.kind_value[kind] = d;
        }
      } else
        unknown(kv.first, k, {"kind", "shortness", "age", "boost", "age_period_days", "shortness_scale_hours",
                              "kind_value"});
    }
  }
};

YAML::Node parse_yaml(std::string_view text, const std::string& file) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    std::string where = file;
    if (e.mark.line >= 0) where += ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1);
    throw InputError(where + ": not valid YAML: " + e.msg);
  }
}

void apply(Settings& s, std::string_view text, const std::string& file) {
  YAML::Node root = parse_yaml(text, file);
  Loader l(s, file);
  try {
    l.load(root);
  } catch (const YAML::Exception& e) {  // conversions of odd nodes: never escape as a crash
    throw InputError(file + ": " + e.msg);
  }
  l.finish();
}

}  // namespace

// The built-in settings as C++ values, so that no command parses YAML at start-up (issue 12.6:
// parsing data/defaults.yaml was 60 % of a one-request validate). data/defaults.yaml stays the
// documented source: settings_test.cpp checks that it parses to exactly these values.
Settings default_settings() {
  static const Settings defaults = [] {
    Settings s;  // Limits, EstimateSettings, PriorityWeights: their defaults in settings.h
    s.gpus = {
        {"rtx3090", "NVIDIA GeForce RTX 3090", 24, 71},   {"rtx4090", "NVIDIA GeForce RTX 4090", 24, 165.2},
        {"a10g", "NVIDIA A10G", 24, 70},                  {"rtxa6000", "NVIDIA RTX A6000", 48, 154.8},
        {"l40", "NVIDIA L40", 48, 181},                   {"l40s", "NVIDIA L40S", 48, 362},
        {"a100-40", "NVIDIA A100 40GB", 40, 312},         {"a100-80", "NVIDIA A100 80GB", 80, 312},
        {"h100", "NVIDIA H100 SXM5 80GB", 80, 989},
    };
    s.targets = {{"1x24vgb", 1, "rtx3090"}, {"8x24vgb", 8, "rtx3090"}};
    s.content_words = {"nsfw",   "porn",    "porno",    "pornography", "pornographic", "hentai",   "nude",
                       "nudes",  "xxx",     "sex",      "sexual",      "erotic",       "erotica",  "fetish",
                       "onlyfans", "rule34", "lewd",    "smut",        "rape",         "incest",   "loli",
                       "lolicon", "shota",  "gore",     "nazi",        "hitler",       "kkk",      "troll",
                       "trolling", "shitpost", "shitposting"};
    return s;
  }();
  return defaults;
}

Settings default_settings_from_yaml() {
  Settings s;
  s.gpus.clear();
  s.targets.clear();
  s.content_words.clear();
  const auto& data = embedded_data();
  auto it = data.find("defaults.yaml");
  if (it == data.end()) throw std::logic_error("data/defaults.yaml is not embedded");
  apply(s, it->second, "<built-in defaults.yaml>");
  s.rule_positions.clear();
  return s;
}

Settings load_settings(const std::filesystem::path& file) {
  Settings s = default_settings();
  const std::string name = file.string();
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) throw InputError(name + ": is a folder, not a rwkvq.yaml");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(name + ": cannot read the settings file");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  if (text.size() > (4u << 20)) throw InputError(name + ": settings file larger than 4 MiB");
  apply(s, text, name);
  s.source = name;
  return s;
}

std::optional<std::filesystem::path> find_settings_file(const std::filesystem::path& start) {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::absolute(start, ec);
  if (ec) return std::nullopt;
  for (int depth = 0; depth < 256; ++depth) {
    for (const char* name : {"rwkvq.yaml", "rwkvq.yml"}) {
      auto candidate = dir / name;
      if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    }
    if (std::filesystem::exists(dir / ".git", ec)) break;  // the repository root: stop here
    auto parent = dir.parent_path();
    if (parent == dir || parent.empty()) break;
    dir = parent;
  }
  return std::nullopt;
}

std::vector<std::string> unknown_rule_ids(const Settings& settings, const std::vector<std::string>& known_ids) {
  std::vector<std::string> out;
  for (const auto& [id, o] : settings.rules) {
    (void)o;
    if (std::find(known_ids.begin(), known_ids.end(), id) != known_ids.end()) continue;
    auto p = settings.rule_positions.find(id);
    std::string msg = (p != settings.rule_positions.end() ? p->second : settings.source) + ": unknown rule '" + id + "'";
    std::string best = closest(id, known_ids, std::max<std::size_t>(2, id.size() / 3));
    if (!best.empty()) msg += " (did you mean '" + best + "'?)";
    out.push_back(msg);
  }
  return out;
}

}  // namespace rwkvq
