// Trainer config (Lightning CLI YAML) reader, and the effective settings after the notebook's
// command-line overrides.
//
// yaml-cpp shares one node between an anchor and all of its aliases, so a "billion laughs"
// document loads quickly but would explode when flattened: the flattening is iterative and
// capped (kMaxEntries keys, kMaxDepth levels) and stops with an error at the cap.
//
// Most configs are plain YAML: parse_config_simple (config_simple.cpp) reads those in one pass,
// with the same result; yaml-cpp reads the rest.
#include "rwkvq/request/config.h"

#include "request/config_simple.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>

namespace rwkvq {
namespace {

constexpr std::size_t kMaxEntries = 20000;
constexpr int kMaxDepth = 64;

Location mark_loc(const std::string& file, const YAML::Mark& m) {
  Location loc;
  loc.file = file;
  if (m.line >= 0) loc.line = m.line + 1;
  if (m.column >= 0) loc.column = m.column + 1;
  return loc;
}

ConfigEntry::Kind kind_of(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return ConfigEntry::Kind::Map;
    case YAML::NodeType::Sequence: return ConfigEntry::Kind::Sequence;
    case YAML::NodeType::Scalar: return ConfigEntry::Kind::Scalar;
    default: return ConfigEntry::Kind::Null;
  }
}

struct Work {
  YAML::Node node;  // the value
  std::string key;  // its flattened key
  Location loc;     // where the key (or sequence item) is
  int depth;
};

void flatten(ConfigFile& cf, const YAML::Node& root) {
  std::vector<Work> stack;
  auto push_children = [&](const YAML::Node& n, const std::string& prefix, int depth) {
    std::vector<Work> kids;
    if (n.IsMap()) {
      for (const auto& kv : n) {
        const YAML::Node& kn = kv.first;
        std::string k = kn.IsScalar() ? kn.Scalar() : std::string("?");
        kids.push_back({kv.second, prefix.empty() ? k : prefix + "." + k,
                        mark_loc(cf.rel, kn.Mark()), depth});
      }
    } else if (n.IsSequence()) {
      std::size_t i = 0;
      for (const auto& item : n) {
        const YAML::Node& in = item;
        kids.push_back({in, prefix + "[" + std::to_string(i) + "]", mark_loc(cf.rel, in.Mark()),
                        depth});
        ++i;
      }
    }
    for (auto k = kids.rbegin(); k != kids.rend(); ++k) stack.push_back(std::move(*k));
  };
  push_children(root, "", 1);
  while (!stack.empty()) {
    Work w = std::move(stack.back());
    stack.pop_back();
    if (cf.entries.size() >= kMaxEntries) {
      cf.error = ParseError{w.loc.line, w.loc.column,
                            "too many keys (YAML aliases?): more than " +
                                std::to_string(kMaxEntries) + " entries"};
      return;
    }
    if (w.depth > kMaxDepth) {
      cf.error = ParseError{w.loc.line, w.loc.column,
                            "nesting too deep (more than " + std::to_string(kMaxDepth) +
                                " levels; YAML aliases?)"};
      return;
    }
    ConfigEntry e;
    e.key = w.key;
    e.kind = kind_of(w.node);
    if (e.kind == ConfigEntry::Kind::Scalar) e.value = w.node.Scalar();
    e.loc = w.loc;
    cf.entries.push_back(std::move(e));
    if (w.node.IsMap() || w.node.IsSequence()) push_children(w.node, w.key, w.depth + 1);
  }
}

std::string_view without_bom(std::string_view text) {
  if (text.size() >= 3 && static_cast<unsigned char>(text[0]) == 0xEF &&
      static_cast<unsigned char>(text[1]) == 0xBB && static_cast<unsigned char>(text[2]) == 0xBF)
    text.remove_prefix(3);
  return text;
}
std::string strip_bom(std::string_view text) { return std::string(without_bom(text)); }

bool is_null_text(std::string_view v) {
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL" || v == "None";
}

// Integers as YAML/Python write them: "4096", "-1", "+8", "1_000", and floats that are whole
// numbers ("1e3", "4096.0").
std::optional<long long> parse_int(std::string_view text) {
  std::string t;
  for (char c : text)
    if (c != '_') t += c;
  while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
  std::size_t b = 0;
  while (b < t.size() && std::isspace(static_cast<unsigned char>(t[b]))) ++b;
  t.erase(0, b);
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  if (t.empty()) return std::nullopt;
  long long v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec == std::errc() && p == t.data() + t.size()) return v;
  double d = 0;
  auto [p2, ec2] = std::from_chars(t.data(), t.data() + t.size(), d);
  if (ec2 == std::errc() && p2 == t.data() + t.size() && std::isfinite(d) &&
      d == std::floor(d) && std::fabs(d) < 9.0e18)
    return static_cast<long long>(d);
  return std::nullopt;
}

// Text of an entry's value: the scalar, or a flow rendering of a short sequence
// ("[0, 1]" for devices), "" for maps.
std::string entry_text(const ConfigFile& cf, const ConfigEntry& e) {
  if (e.kind == ConfigEntry::Kind::Scalar) return e.value;
  if (e.kind != ConfigEntry::Kind::Sequence) return {};
  std::string out = "[";
  const std::string prefix = e.key + "[";
  bool first = true;
  for (const auto& x : cf.entries) {
    if (x.key.rfind(prefix, 0) != 0 || x.key.find('.', prefix.size()) != std::string::npos ||
        x.key.find('[', prefix.size()) != std::string::npos)
      continue;
    if (!first) out += ", ";
    out += x.value;
    first = false;
  }
  return out + "]";
}

void set_int(Sourced<long long>& s, std::string_view text, const Location& loc) {
  s.origin = loc;
  s.value = is_null_text(text) ? std::nullopt : parse_int(text);
}
void set_text(Sourced<std::string>& s, std::string_view text, const Location& loc) {
  s.origin = loc;
  if (is_null_text(text))
    s.value.reset();
  else
    s.value = std::string(text);
}

struct Field {
  const char* key;
  Sourced<long long> EffectiveConfig::*int_field;
  Sourced<std::string> EffectiveConfig::*text_field;
};

const Field kFields[] = {
    {"trainer.max_epochs", &EffectiveConfig::max_epochs, nullptr},
    {"trainer.max_steps", &EffectiveConfig::max_steps, nullptr},
    {"trainer.target_batch_size", &EffectiveConfig::target_batch_size, nullptr},
    {"trainer.microbatch_size", &EffectiveConfig::microbatch_size, nullptr},
    {"trainer.accumulate_grad_batches", &EffectiveConfig::accumulate_grad_batches, nullptr},
    {"trainer.num_nodes", &EffectiveConfig::num_nodes, nullptr},
    {"trainer.devices", nullptr, &EffectiveConfig::devices},
    {"trainer.strategy", nullptr, &EffectiveConfig::strategy},
    {"trainer.precision", nullptr, &EffectiveConfig::precision},
    {"trainer.callbacks.init_args.dirpath", nullptr, &EffectiveConfig::checkpoint_dirpath},
    {"model.load_model", nullptr, &EffectiveConfig::load_model},
    {"model.ctx_len", &EffectiveConfig::ctx_len, nullptr},
    {"model.n_layer", &EffectiveConfig::n_layer, nullptr},
    {"model.n_embd", &EffectiveConfig::n_embd, nullptr},
    {"model.vocab_size", &EffectiveConfig::vocab_size, nullptr},
    {"data.data_path", nullptr, &EffectiveConfig::data_path},
    {"data.source", nullptr, &EffectiveConfig::source},
    {"data.source_data_dir", nullptr, &EffectiveConfig::source_data_dir},
    {"data.tokenizer", nullptr, &EffectiveConfig::tokenizer},
};

// "trainer.callbacks[0].init_args.dirpath" -> "trainer.callbacks.init_args.dirpath" for the
// ModelCheckpoint override forms.
std::string canonical_override_key(std::string key) {
  while (!key.empty() && key.front() == '-') key.erase(0, 1);
  const std::string cb = "trainer.callbacks[";
  if (key.rfind(cb, 0) == 0) {
    auto close = key.find(']', cb.size());
    if (close != std::string::npos) key = "trainer.callbacks" + key.substr(close + 1);
  }
  return key;
}

}  // namespace

const ConfigEntry* ConfigFile::find(std::string_view key) const {
  // Duplicate keys: the last one wins, as in the trainer's YAML loader.
  for (auto it = entries.rbegin(); it != entries.rend(); ++it)
    if (it->key == key) return &*it;
  return nullptr;
}

ConfigFile parse_config(std::string rel, std::string_view text) {
  if (auto simple = parse_config_simple(rel, without_bom(text))) return std::move(*simple);
  return parse_config_yaml_cpp(std::move(rel), text);
}

ConfigFile parse_config_yaml_cpp(std::string rel, std::string_view text) {
  ConfigFile cf;
  cf.rel = std::move(rel);
  try {
    YAML::Node root = YAML::Load(strip_bom(text));
    if (!root || root.IsNull()) {
      cf.error = ParseError{1, 1, "empty config: the file holds no YAML document"};
      return cf;
    }
    if (!root.IsMap()) {
      Location l = mark_loc(cf.rel, root.Mark());
      cf.error = ParseError{l.line ? l.line : 1, l.column ? l.column : 1,
                            std::string("the config's top level is ") +
                                (root.IsSequence() ? "a list" : "a single value") +
                                ", not a mapping of sections (trainer:, model:, data:)"};
      return cf;
    }
    bool training = false, datapack = false;
    for (const auto& kv : root) {
      const YAML::Node& kn = kv.first;
      if (!kn.IsScalar()) continue;
      const std::string& k = kn.Scalar();
      if (k == "trainer" || k == "model" || k == "data") {
        training = true;
        const YAML::Node& v = kv.second;
        if (!v.IsNull() && !v.IsMap()) {
          ConfigEntry bad;
          bad.key = k;
          bad.kind = kind_of(v);
          if (v.IsScalar()) bad.value = v.Scalar();
          bad.loc = mark_loc(cf.rel, kn.Mark());
          cf.bad_sections.push_back(std::move(bad));
        }
      } else if (k == "datapack" || k == "default" || k == "dataset") {
        datapack = true;
      }
    }
    (void)datapack;  // a datapack config has none of trainer/model/data
    cf.is_training_config = training;
    flatten(cf, root);
  } catch (const YAML::Exception& e) {
    cf.entries.clear();
    cf.bad_sections.clear();
    cf.is_training_config = false;
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
    int col = e.mark.column >= 0 ? e.mark.column + 1 : 1;
    cf.error = ParseError{line, col, e.msg.empty() ? std::string("invalid YAML") : e.msg};
  } catch (const std::exception& e) {
    cf.entries.clear();
    cf.bad_sections.clear();
    cf.is_training_config = false;
    cf.error = ParseError{1, 1, std::string("cannot read the YAML: ") + e.what()};
  }
  return cf;
}

EffectiveConfig effective_config(const ConfigFile* config,
                                 const std::vector<Override>& overrides) {
  EffectiveConfig ec;
  if (config) {
    for (const Field& f : kFields) {
      const ConfigEntry* e = config->find(f.key);
      if (!e) continue;
      if (f.int_field)
        set_int(ec.*f.int_field, e->value, e->loc);
      else
        set_text(ec.*f.text_field, entry_text(*config, *e), e->loc);
    }
    // The checkpoint folder when callbacks is a list: the first ModelCheckpoint item.
    if (!config->find("trainer.callbacks.init_args.dirpath")) {
      for (int i = 0; i < 1000; ++i) {
        std::string item = "trainer.callbacks[" + std::to_string(i) + "]";
        const ConfigEntry* item_entry = config->find(item);
        if (!item_entry) break;
        const ConfigEntry* cls = config->find(item + ".class_path");
        if (!cls || cls->value.find("ModelCheckpoint") == std::string::npos) continue;
        if (const ConfigEntry* d = config->find(item + ".init_args.dirpath"))
          set_text(ec.checkpoint_dirpath, d->value, d->loc);
        break;
      }
    }
  }
  for (const Override& o : overrides) {
    const std::string key = canonical_override_key(o.key);
    for (const Field& f : kFields) {
      if (key != f.key) continue;
      if (f.int_field) {
        auto& s = ec.*f.int_field;
        set_int(s, o.value, o.loc);
        if (o.unknown) s.value.reset();
        s.overridden = true;
        s.unknown = o.unknown;
      } else {
        auto& s = ec.*f.text_field;
        set_text(s, o.value, o.loc);
        if (o.unknown) s.value.reset();  // never invent a value from an unresolved {NAME}
        s.overridden = true;
        s.unknown = o.unknown;
      }
    }
  }
  return ec;
}

}  // namespace rwkvq
