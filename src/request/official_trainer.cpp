// The official trainer's recogniser (DESIGN §7): `python train.py --flag value ...` in
// RWKV-LM/RWKV-v* becomes a trainer-neutral Stage. Defaults are train.py's argparse defaults.
#include <algorithm>
#include <charconv>

#include "rwkvq/request/request.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {

namespace {

// The trainer folders of BlinkDL/RWKV-LM whose train.py builds the standard blocks.
bool standard_official_dir(const std::string& dir) {
  static const std::vector<std::string> std_dirs = {"RWKV-v4", "RWKV-v4neo", "RWKV-v5", "RWKV-v6",
                                                    "RWKV-v7/train_temp", "RWKV-v7"};
  return std::find(std_dirs.begin(), std_dirs.end(), dir) != std_dirs.end();
}

std::optional<long long> to_ll(std::string_view s) {
  s = trim(s);
  long long v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || s.empty()) {
    // "1e9", "2.5e8": argparse type=int would refuse them, but some versions use float
    try {
      std::size_t used = 0;
      double d = std::stod(std::string(s), &used);
      if (used == s.size() && d >= 0 && d < 9e18 && d == static_cast<double>(static_cast<long long>(d)))
        return static_cast<long long>(d);
    } catch (const std::exception&) {
    }
    return std::nullopt;
  }
  return v;
}

struct Flags {
  const Command& cmd;
  const Override* find(std::string_view name) const {
    const Override* found = nullptr;
    for (const Override& o : cmd.overrides)
      if (o.key == name) found = &o;  // argparse: the last one wins
    return found;
  }
  // A number flag: the flag's value (overridden, at the command) or the default (origin empty).
  Sourced<long long> num(std::string_view name, std::optional<long long> dflt) const {
    Sourced<long long> s;
    if (const Override* o = find(name)) {
      s.overridden = true;
      s.origin = o->loc;
      if (o->unknown) {
        s.unknown = true;
      } else {
        s.value = to_ll(o->value);
        if (!s.value) s.unknown = true;  // not a number rwkvq can read
      }
      return s;
    }
    s.value = dflt;
    return s;
  }
  Sourced<std::string> text(std::string_view name, std::optional<std::string> dflt) const {
    Sourced<std::string> s;
    if (const Override* o = find(name)) {
      s.overridden = true;
      s.origin = o->loc;
      if (o->unknown) s.unknown = true;
      else s.value = o->value;
      return s;
    }
    s.value = std::move(dflt);
    return s;
  }
};

std::string resolve_in(const std::string& cwd, const std::string& p) {
  if (p.empty()) return "";
  if (p[0] == '/') return path_normalize(p);
  if (p[0] == '~' || cwd.empty()) return "";
  return path_join(cwd, p);
}

// Environment variables that change the blocks (quantised or re-used mixes, repeated or extra
// layers): the standard parameter count no longer holds.
bool changes_blocks(const std::string& name, const std::string& value) {
  if (!starts_with(name, "RWKV_")) return false;
  // Re-used mixes change the count; a quantised mix changes what the trainer counts. (Neither
  // RWKV_WAVENET_LAYERS nor RWKV_LAYER_REPEAT_MULTIPLIER does: the corpus's runs with them have
  // the standard sizes.)
  static const std::vector<std::string> keys = {"REUSE_MULTIPLIER", "QTYPE"};
  for (const std::string& k : keys)
    if (name.find(k) != std::string::npos) {
      std::string v = to_lower(trim(value));
      // an explicit neutral value leaves the blocks alone
      if (name.find("MULTIPLIER") != std::string::npos && (v == "1" || v == "1.0" || v == "0")) return false;
      if (name.find("QTYPE") != std::string::npos && (v.empty() || v == "none" || v == "\"\"")) return false;
      return true;
    }
  return false;
}

}  // namespace

std::string blocks_changed_by(const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> names;
  for (const auto& [k, v] : env)
    if (changes_blocks(k, v) && std::find(names.begin(), names.end(), k + "=" + v) == names.end())
      names.push_back(k + "=" + v);
  if (names.empty()) return "";
  return "the environment variable" + std::string(names.size() > 1 ? "s " : " ") + join(names, ", ") +
         " change" + (names.size() > 1 ? "" : "s") + " the model's blocks, so the standard size formula does not hold";
}

Stage official_stage(const Command& cmd, const std::vector<std::pair<std::string, std::string>>& env) {
  Stage st;
  st.trainer = "train.py" + (cmd.trainer_dir.empty() ? std::string() : " (" + cmd.trainer_dir + ")");
  st.names.load_model = "--load_model";
  st.names.precision = "--precision";
  st.names.shape = "--n_layer/--n_embd";
  st.names.data = "--data_file";
  st.names.end = starts_with(cmd.trainer_dir, "RWKV-v7") ? "--my_exit_tokens <tokens>"
                                                         : "--my_exit_tokens <tokens> (or --my_exit <epoch>)";
  st.settings_complete = true;
  st.shape_is_model = true;
  const Flags f{cmd};
  EffectiveConfig& c = st.config;

  // model
  c.load_model = f.text("load_model", std::string());
  if (c.load_model.value && c.load_model.value->empty()) {
    c.load_model.value.reset();
    st.from_scratch = true;
  }
  c.n_layer = f.num("n_layer", 6);
  c.n_embd = f.num("n_embd", 512);
  c.vocab_size = f.num("vocab_size", std::nullopt);  // 0 (the default): from the data
  if (c.vocab_size.value && *c.vocab_size.value <= 0) c.vocab_size.value.reset();
  c.ctx_len = f.num("ctx_len", 1024);
  c.grad_cp = f.num("grad_cp", 0);
  if (!cmd.trainer_dir.empty() && !standard_official_dir(cmd.trainer_dir))
    st.shape_unknown = cmd.trainer_dir + " is not one of the official trainer's standard folders (RWKV-v4neo, "
                       "RWKV-v5, RWKV-v6, RWKV-v7/train_temp): its blocks may differ from the standard ones";
  for (const char* k : {"dim_att", "dim_ffn"})
    if (const Override* o = f.find(k); o && st.shape_unknown.empty())
      if (!(o->value == "0" && !o->unknown))
        st.shape_unknown = std::string("--") + k + " " + o->value + " changes the size of the blocks";
  if (st.shape_unknown.empty()) st.shape_unknown = blocks_changed_by(env);

  // GPUs, strategy, precision
  c.microbatch_size = f.num("micro_bsz", 12);
  c.num_nodes = f.num("num_nodes", 1);
  c.devices = f.text("devices", std::string("1"));
  c.strategy = f.text("strategy", std::string("auto"));
  c.precision = f.text("precision", std::string("fp16"));
  c.accumulate_grad_batches = f.num("accumulate_grad_batches", 1);

  // run length (DESIGN §7): it never stops by itself
  const bool v7 = starts_with(cmd.trainer_dir, "RWKV-v7");
  Sourced<long long> exit_tokens = f.num("my_exit_tokens", 0);
  Sourced<long long> my_exit = v7 ? Sourced<long long>{} : f.num("my_exit", std::nullopt);
  if (my_exit.value && *my_exit.value >= 99999999) my_exit.value.reset();  // train.py's "never"
  const Sourced<long long> epoch_steps = f.num("epoch_steps", 1000), epoch_begin = f.num("epoch_begin", 0);
  std::optional<long long> by_tokens, by_epochs;
  std::string how_tokens, how_epochs;
  bool unknown = exit_tokens.unknown || my_exit.unknown;
  if (exit_tokens.value && *exit_tokens.value > 0) {
    by_tokens = *exit_tokens.value;
    how_tokens = "--my_exit_tokens " + std::to_string(*by_tokens);
  }
  if (my_exit.value) {
    std::optional<long long> devices = c.devices.value ? to_ll(*c.devices.value) : std::nullopt;
    if (epoch_steps.unknown || epoch_begin.unknown || c.microbatch_size.unknown || c.num_nodes.unknown ||
        c.ctx_len.unknown || !devices || !c.microbatch_size.value || !c.ctx_len.value || !epoch_steps.value ||
        !c.num_nodes.value) {
      unknown = true;
    } else {
      const long long epochs = std::max<long long>(0, *my_exit.value - epoch_begin.value.value_or(0) + 1);
      const long long real_bsz = *c.num_nodes.value * *devices * *c.microbatch_size.value;
      by_epochs = epochs * *epoch_steps.value * real_bsz * *c.ctx_len.value;
      how_epochs = "--my_exit " + std::to_string(*my_exit.value) + ": " + std::to_string(epochs) + " epoch" +
                   (epochs == 1 ? "" : "s") + " × epoch_steps " + std::to_string(*epoch_steps.value) +
                   " × real_bsz " + std::to_string(real_bsz) + " (num_nodes × devices × micro_bsz) × ctx_len " +
                   std::to_string(*c.ctx_len.value);
    }
  }
  if (by_tokens && (!by_epochs || *by_tokens <= *by_epochs)) {
    c.tokens.value = by_tokens;
    c.tokens.origin = exit_tokens.origin;
    c.tokens_how = how_tokens + (by_epochs ? " (before " + how_epochs + ")" : "");
  } else if (by_epochs) {
    c.tokens.value = by_epochs;
    c.tokens.origin = my_exit.origin;
    c.tokens_how = how_epochs;
  } else if (unknown) {
    c.tokens.unknown = true;
    c.tokens_how = "unknown: --my_exit or --my_exit_tokens (or what they multiply) could not be resolved";
  } else {
    st.endless = v7 ? "no --my_exit_tokens is given, and train.py never stops by itself (--epoch_count only "
                      "shapes the learning rate)"
                    : "neither --my_exit nor --my_exit_tokens is given, and train.py never stops by itself "
                      "(--epoch_count only shapes the learning rate)";
  }

  // outputs: rwkv-<epoch>.pth and rwkv-final.pth in --proj_dir
  Sourced<std::string> proj = f.text("proj_dir", std::string("out"));
  if (!proj.unknown && proj.value) {
    std::string dir = resolve_in(cmd.cwd, *proj.value);
    if (!dir.empty()) st.outputs.push_back(path_join(dir, "rwkv-*.pth"));
  }
  st.outputs_unknown = st.outputs.empty();

  // data: --data_file (PREFIX.bin + PREFIX.idx for binidx)
  Sourced<std::string> data = f.text("data_file", std::nullopt);
  Sourced<std::string> type = f.text("data_type", std::string("utf-8"));
  if (data.unknown) {
    st.data_inputs.push_back(data);
  } else if (data.value && !data.value->empty() && !(type.value && *type.value == "dummy")) {
    auto add = [&](const std::string& p) {
      Sourced<std::string> s = data;
      std::string abs = resolve_in(cmd.cwd, p);
      if (abs.empty()) {
        s.unknown = true;
        s.value.reset();
      } else {
        s.value = abs;
      }
      st.data_inputs.push_back(std::move(s));
    };
    if (type.value && *type.value == "binidx") {
      add(*data.value + ".bin");
      add(*data.value + ".idx");
    } else {
      add(*data.value);
    }
  }
  return st;
}

}  // namespace rwkvq
