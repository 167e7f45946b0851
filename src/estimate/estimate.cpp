// Per stage / part / target assembly of the estimates, and the choice of target (DESIGN §3).
//
// Parameters of a stage, first source that answers:
//   0. --params (the maintainer's word wins);
//   1. the command that produced the stage's model file (effective model.load_model, resolved
//      against the training command's folder), searched backwards from the training command:
//        init_model.py  -> 13·L·D² + 2·V·D from its arguments;
//        download       -> in a later part, a .pth an earlier part exported (same file name):
//                          the size of the training stage that wrote it there; else the size
//                          its file name or URL says (params.h: size_from_name);
//        export_checkpoint.py -> the size of the training stage that wrote the checkpoint
//                          (the latest earlier stage: a model keeps its size across stages);
//        cp / mv        -> followed to their source;
//   2. in a later part, a .pth an earlier part exported under the load_model's file name (as
//      for a download); else the size the load_model name itself says;
//   3. model.n_layer / model.n_embd (/ vocab_size) of the effective config;
//   else unknown, with the reason.
// Tokens: max_steps × batch × ctx_len when max_steps > 0 (an upper bound: max_epochs may end
// the run sooner); --tokens × epochs (capped by that bound); with --online, the dataset's size
// from the datasets-server (bytes / estimate.bytes_per_token) × epochs, capped likewise; else
// unknown. Parameters with --online, when no source above says: a downloaded model file's
// length / 2 (bf16 weights, 2 bytes per parameter).
// Target choice without --target: the smallest target (settings order) where every stage fits
// in memory (unknown counts as fitting) and every part's known hours are ≤ limits.max_hours;
// else the target that fits in memory with the fewest hours for the longest part (limits/hours
// fires); else, when nothing fits in memory, the largest target (limits/vram fires).
#include "rwkvq/estimate/estimate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "rwkvq/core/error.h"
#include "rwkvq/estimate/hours.h"
#include "rwkvq/estimate/memory.h"
#include "rwkvq/estimate/params.h"
#include "rwkvq/net/lookup.h"
#include "rwkvq/request/vpath.h"
#include "rwkvq/util/strings.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq {

const TargetEstimate* StageEstimate::on(std::string_view target) const {
  for (const auto& t : targets)
    if (t.name == target) return &t;
  return nullptr;
}

namespace {

constexpr long long kDefaultCtxLen = 2048;  // the infctx trainer's model.ctx_len default

std::string cell_ref(const Location& loc) {
  if (loc.cell > 0) return "cell " + std::to_string(loc.cell);
  if (loc.line > 0) return "line " + std::to_string(loc.line);
  return "";
}

std::string with_cell(std::string what, const Location& loc) {
  const std::string c = cell_ref(loc);
  return c.empty() ? what : what + " (" + c + ")";
}

std::optional<long long> as_count(const std::string& s) {
  std::string t(trim(s));
  if (t.empty() || t.size() > 6) return std::nullopt;
  long long v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

class Estimator {
 public:
  Estimator(const Request& req, const Settings& s, const EstimateOptions& opt) : req_(req), s_(s), opt_(opt) {
    stage_params_.resize(req.notebooks.size());
  }

  StageEstimate stage(int ni, int si) {
    const NotebookProgram& nb = req_.notebooks[ni];
    const Stage& st = nb.stages[si];
    const EffectiveConfig& c = st.config;
    StageEstimate e;
    e.notebook = ni;
    e.stage = si;
    const Command* cmd = (st.command_index >= 0 && st.command_index < static_cast<int>(nb.commands.size()))
                             ? &nb.commands[st.command_index]
                             : nullptr;
    if (cmd) {
      e.loc = cmd->loc;
      e.cell = cmd->loc.cell;
    }
    if (c.load_model.value) e.load_model = *c.load_model.value;
    e.trainer = st.trainer;
    e.from_scratch = st.from_scratch;
    e.params = params(ni, si, cmd);
    auto& known = stage_params_[ni];
    if (known.size() <= static_cast<std::size_t>(si)) known.resize(si + 1);
    known[si] = e.params;  // later stages exporting this one's checkpoint keep its size

    auto positive = [](const Sourced<long long>& v) -> std::optional<long long> {
      if (v.value && *v.value > 0 && !v.unknown) return v.value;
      return std::nullopt;
    };
    e.ctx_len = positive(c.ctx_len);
    e.microbatch_size = positive(c.microbatch_size);
    e.target_batch_size = positive(c.target_batch_size);
    if (c.max_epochs.value && !c.max_epochs.unknown) e.max_epochs = c.max_epochs.value;
    if (c.max_steps.value && !c.max_steps.unknown) e.max_steps = c.max_steps.value;
    e.strategy = c.strategy.value.value_or("");
    e.precision = c.precision.value.value_or("");
    if (!e.ctx_len) e.notes.push_back("model.ctx_len not set (or unknown): the trainer's default " +
                                      std::to_string(kDefaultCtxLen) + " assumed");
    if (!e.microbatch_size) e.notes.push_back("trainer.microbatch_size not set: 1 assumed");
    const long long ctx = e.ctx_len.value_or(kDefaultCtxLen);
    const long long mb = e.microbatch_size.value_or(1);
    std::optional<long long> devices;
    if (c.devices.value && !c.devices.unknown) devices = as_count(*c.devices.value);
    e.tokens = tokens(e, st, ctx, mb, devices);
    if (c.grad_cp.value && *c.grad_cp.value == 0 && !c.grad_cp.unknown)
      e.notes.push_back("gradient checkpointing off (grad_cp 0): the activations take more memory than the "
                        "estimate assumes");

    const Strategy strat = parse_strategy(e.strategy);
    if (!strat.known) e.notes.push_back("strategy '" + e.strategy + "' not understood: nothing sharded assumed");
    for (const TargetSpec& t : targets_) {
      TargetEstimate te;
      te.name = t.name;
      te.gpus = t.gpus;
      te.gpu = t.gpu;
      te.gpus_used = devices && *devices > 0 ? static_cast<int>(std::min<long long>(*devices, t.gpus)) : t.gpus;
      Limits limits = s_.limits;  // the utilisation learned on this target replaces the default
      te.utilisation = limits.utilisation;
      te.utilisation_source = "limits.utilisation";
      if (auto lu = s_.learned.find(t.name); limits.learn && lu != s_.learned.end()) {
        te.utilisation = limits.utilisation = lu->second.utilisation;
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", lu->second.utilisation);
        te.utilisation_source = std::string(buf) + " learned from " + std::to_string(lu->second.runs) + " run" +
                                (lu->second.runs == 1 ? "" : "s") + " on " + t.name;
      }
      const GpuSpec* g = s_.gpu(t.gpu);
      if (!g) {
        te.why = "GPU '" + t.gpu + "' not in the catalogue";
        e.targets.push_back(te);
        continue;
      }
      if (e.params.value) {
        MemoryInput mi;
        mi.params = static_cast<double>(*e.params.value);
        mi.n_layer = e.params.n_layer;
        mi.n_embd = e.params.n_embd;
        mi.vocab_size = e.params.vocab_size;
        mi.ctx_len = ctx;
        mi.microbatch = mb;
        mi.gpus = te.gpus_used;
        mi.strategy = strat;
        te.memory_gib_per_gpu = memory_per_gpu(mi, s_.limits).total_gib();
        te.fits = *te.memory_gib_per_gpu <= g->memory_gib;
        if (e.tokens.value)
          te.hours = training_hours(mi.params, static_cast<double>(*e.tokens.value), te.gpus_used, g->bf16_tflops,
                                    strat, limits);
        else
          te.why = "training tokens unknown";
      } else {
        te.why = "parameters unknown";
      }
      e.targets.push_back(te);
    }
    return e;
  }

  std::vector<TargetSpec> targets_;

 private:
  const Request& req_;
  const Settings& s_;
  const EstimateOptions& opt_;
  std::vector<std::vector<ParamEstimate>> stage_params_;

  static ParamEstimate from_shape(long long L, long long D, std::optional<long long> V, std::string source,
                                  const Location& loc) {
    ParamEstimate p;
    p.n_layer = L;
    p.n_embd = D;
    p.vocab_size = V.value_or(kVocabNeox);
    p.value = rwkv_params(L, D, *p.vocab_size);
    p.source = std::move(source) + ": L" + std::to_string(L) + " D" + std::to_string(D) + " vocab " +
               std::to_string(*p.vocab_size) + (V ? "" : " (vocabulary not given: neox assumed)");
    p.loc = loc;
    return p;
  }

  static std::optional<ParamEstimate> from_name(std::string_view name, const std::string& what, const Location& loc) {
    auto ns = size_from_name(name);
    if (!ns) return std::nullopt;
    ParamEstimate p;
    p.value = ns->params;
    p.n_layer = ns->n_layer;
    p.n_embd = ns->n_embd;
    p.vocab_size = ns->vocab_size;
    p.source = with_cell(what + " " + path_basename(std::string(name).substr(0, std::string(name).find('?'))), loc) +
               ": " + ns->what;
    p.loc = loc;
    return p;
  }

  // --online: a downloaded model file's length, bf16 weights at 2 bytes per parameter.
  std::optional<ParamEstimate> from_length(const Command& c) const {
    if (!opt_.net) return std::nullopt;
    const net::Lookup* l = opt_.net->find(c.url);
    if (!l || !l->length || *l->length < 2) return std::nullopt;
    ParamEstimate p;
    p.value = *l->length / kBytesPerBf16Param;
    p.source = with_cell("length of the downloaded file " + path_basename(c.url.substr(0, c.url.find('?'))), c.loc) +
               " (online: " + std::to_string(*l->length) + " bytes / 2 bytes per bf16 parameter)";
    p.loc = c.loc;
    return p;
  }
  static constexpr long long kBytesPerBf16Param = 2;

  static bool same_file(const std::string& produced, const std::string& wanted) {
    if (produced.empty() || wanted.empty()) return false;
    const std::string a = path_normalize(produced), b = path_normalize(wanted);
    if (a == b) return true;
    // a download into a folder (huggingface-cli download --local-dir ...): the file is inside
    if (starts_with(b, a + "/")) return true;
    return false;
  }

  // The parameters of the training stage whose checkpoint export_checkpoint.py wrote at command
  // `export_index` of notebook ni: the latest stage before it (computed here when not yet).
  std::optional<ParamEstimate> exported_stage(int ni, int export_index, int* stage_cell) {
    const NotebookProgram& nb = req_.notebooks[ni];
    for (int k = static_cast<int>(nb.stages.size()) - 1; k >= 0; --k) {
      const int ci = nb.stages[k].command_index;
      if (ci >= export_index) continue;
      if (ci < 0 || ci >= static_cast<int>(nb.commands.size())) return std::nullopt;
      auto& known = stage_params_[ni];
      if (known.size() <= static_cast<std::size_t>(k)) known.resize(k + 1);
      if (!known[k].value && known[k].source.empty()) known[k] = params(ni, k, &nb.commands[ci]);
      if (!known[k].value) return std::nullopt;
      if (stage_cell) *stage_cell = nb.commands[ci].loc.cell;
      return known[k];
    }
    return std::nullopt;
  }

  static std::string size_root(const std::string& source) {
    const std::string marker = "; size from ";
    const auto at = source.find(marker);
    return at == std::string::npos ? source : source.substr(at + marker.size());
  }

  // A later part's starting model that an earlier part exported (same .pth file name, e.g.
  // part 2 downloads what part 1 exported and uploaded): it keeps the size it had there. The
  // latest earlier part that exported that name wins.
  std::optional<ParamEstimate> from_earlier_part(int ni, const std::string& path, const std::string& what,
                                                const Location& loc) {
    const NotebookProgram& nb = req_.notebooks[ni];
    const std::string base = path_basename(path.substr(0, path.find_first_of("?#")));
    if (nb.part <= 1 || base.empty() || !ends_with(to_lower(base), ".pth")) return std::nullopt;
    int best_nb = -1, best_cmd = -1;
    for (int nj = 0; nj < static_cast<int>(req_.notebooks.size()); ++nj) {
      const NotebookProgram& other = req_.notebooks[nj];
      if (!other.request_notebook || other.part <= 0 || other.part >= nb.part) continue;
      if (best_nb >= 0 && other.part <= req_.notebooks[best_nb].part) continue;
      for (int j = static_cast<int>(other.commands.size()) - 1; j >= 0; --j) {
        const Command& c = other.commands[j];
        if (c.kind == CommandKind::Export && !c.output.empty() && path_basename(c.output) == base) {
          best_nb = nj;
          best_cmd = j;
          break;
        }
      }
    }
    if (best_nb < 0) return std::nullopt;
    int stage_cell = 0;
    auto p = exported_stage(best_nb, best_cmd, &stage_cell);
    if (!p) return std::nullopt;
    const NotebookProgram& other = req_.notebooks[best_nb];
    const Command& ex = other.commands[best_cmd];
    std::string by = "exported by part " + std::to_string(other.part);
    if (ex.loc.cell > 0) by += ", cell " + std::to_string(ex.loc.cell);
    by += " (" + path_basename(other.notebook.rel);
    if (stage_cell > 0) by += ", trained in cell " + std::to_string(stage_cell);
    by += ")";
    p->source = with_cell(what + " " + base, loc) + ": " + by + "; size from " + size_root(p->source);
    return p;
  }

  // The command that produced `path` before command `before` in notebook ni; follows cp/mv.
  std::optional<ParamEstimate> producer(int ni, int before, const std::string& path, int depth) {
    if (depth > 8) return std::nullopt;
    const NotebookProgram& nb = req_.notebooks[ni];
    const std::string base = path_basename(path);
    for (int pass = 0; pass < 2; ++pass) {
      // pass 0: exact (virtual) path; pass 1: same file name (paths partly unknown)
      for (int j = std::min<int>(before, static_cast<int>(nb.commands.size())) - 1; j >= 0; --j) {
        const Command& c = nb.commands[j];
        if (c.kind != CommandKind::InitModel && c.kind != CommandKind::Download && c.kind != CommandKind::Export &&
            c.kind != CommandKind::Copy && c.kind != CommandKind::Move)
          continue;
        bool match = pass == 0 ? same_file(c.output, path)
                               : (!c.output.empty() && !base.empty() && path_basename(c.output) == base);
        if (!match) continue;
        switch (c.kind) {
          case CommandKind::InitModel:
            if (c.n_layer && c.n_embd && *c.n_layer > 0 && *c.n_embd > 0)
              return from_shape(*c.n_layer, *c.n_embd, c.vocab_size, with_cell("init_model.py arguments", c.loc), c.loc);
            return std::nullopt;
          case CommandKind::Download: {
            if (auto p = from_earlier_part(ni, c.output.empty() ? c.url : c.output, "downloaded", c.loc)) return p;
            if (auto p = from_name(c.output, "name of the downloaded file", c.loc)) return p;
            if (auto p = from_name(c.url, "name of the download URL", c.loc)) return p;
            if (auto p = from_length(c)) return p;
            return std::nullopt;
          }
          case CommandKind::Export: {
            // The checkpoint exported comes from the latest training stage before the export.
            for (int k = static_cast<int>(nb.stages.size()) - 1; k >= 0; --k) {
              if (nb.stages[k].command_index >= j) continue;
              if (k < static_cast<int>(stage_params_[ni].size()) && stage_params_[ni][k].value) {
                ParamEstimate p = stage_params_[ni][k];
                const Command& tc = nb.commands[nb.stages[k].command_index];
                p.source = "exported (" + cell_ref(c.loc) + ") from the training stage in " + cell_ref(tc.loc) +
                           "; size from " + size_root(p.source);
                return p;
              }
              break;
            }
            if (auto p = from_name(c.output, "name of the exported file", c.loc)) return p;
            return std::nullopt;
          }
          case CommandKind::Copy:
          case CommandKind::Move: {
            // cp, mv, merge_model.py, a resize: the result keeps the shape and vocabulary of its input
            if (c.input.empty()) return std::nullopt;
            if (auto p = producer(ni, j, c.input, depth + 1)) return p;
            const std::string what = c.script.empty() ? "name of the file " + std::string(c.kind == CommandKind::Move ? "moved" : "copied")
                                                      : "name of the model " + c.script + " takes its shape from";
            return from_name(c.input, what, c.loc);
          }
          default:
            break;
        }
      }
    }
    return std::nullopt;
  }

  ParamEstimate params(int ni, int si, const Command* cmd) {
    const NotebookProgram& nb = req_.notebooks[ni];
    const Stage& stage = nb.stages[si];
    const EffectiveConfig& c = stage.config;
    if (opt_.params) {
      ParamEstimate p;
      p.value = *opt_.params;
      p.source = "--params";
      return p;
    }
    if (!stage.shape_unknown.empty()) {
      ParamEstimate p;
      p.source = "unknown: " + stage.shape_unknown + "; give --params";
      return p;
    }
    const std::string lm = c.load_model.value.value_or("");
    // A trainer that builds the model from its own shape settings (the official trainer's
    // --n_layer/--n_embd/--vocab_size, like init_model.py), even when it loads weights into it.
    if (stage.shape_is_model && c.n_layer.value && c.n_embd.value && *c.n_layer.value > 0 && *c.n_embd.value > 0 &&
        !c.n_layer.unknown && !c.n_embd.unknown) {
      long long vocab_v = c.vocab_size.value && !c.vocab_size.unknown ? c.vocab_size.value.value_or(0) : 0;
      std::string what = stage.trainer + " " + stage.names.shape + (c.vocab_size.value ? "/--vocab_size" : "") +
                         (c.n_layer.overridden || c.n_embd.overridden ? "" : " (its defaults)");
      if (vocab_v <= 0 && !lm.empty() && !c.load_model.unknown) {
        // the vocabulary of the model it loads
        std::string path = cmd && !cmd->cwd.empty() ? path_join(cmd->cwd, lm) : lm;
        auto p = producer(ni, stage.command_index, path, 0);
        if (!p) p = from_name(lm, "name of the model loaded", c.load_model.origin);
        if (p && p->vocab_size && p->source.find("vocabulary assumed") == std::string::npos) {
          vocab_v = p->vocab_size.value_or(0);
          what += ", vocabulary of the model loaded";
        }
      }
      return from_shape(*c.n_layer.value, *c.n_embd.value,
                        vocab_v > 0 ? std::optional<long long>(vocab_v) : std::optional<long long>(),
                        with_cell(what, cmd ? cmd->loc : Location{}),
                        cmd ? cmd->loc : Location{});
    }
    if (!lm.empty() && !c.load_model.unknown) {
      std::string path = lm;
      if (cmd && !cmd->cwd.empty()) path = path_join(cmd->cwd, lm);
      const int before = cmd ? nb.stages[si].command_index : static_cast<int>(nb.commands.size());
      if (auto p = producer(ni, before, path, 0)) return *p;
      if (auto p = from_earlier_part(ni, lm, "model loaded", c.load_model.origin)) return *p;
      if (auto p = from_name(lm, "name of the model loaded", c.load_model.origin)) return *p;
    } else if (!lm.empty()) {
      // partly unresolved: the name may still say the size
      if (auto p = from_name(lm, "name of the model loaded", c.load_model.origin)) return *p;
    }
    if (c.n_layer.value && c.n_embd.value && *c.n_layer.value > 0 && *c.n_embd.value > 0)
      return from_shape(*c.n_layer.value, *c.n_embd.value,
                        c.vocab_size.value && *c.vocab_size.value > 0 ? c.vocab_size.value : std::nullopt,
                        "model.n_layer/n_embd of the config", c.n_layer.origin);
    if (lm.empty() && nb.stages[si].config_index < 0 && cmd) {
      // The config could not be read: when exactly one model was initialised or downloaded
      // before this training, that is the model it trains.
      const Command* only = nullptr;
      int producers = 0;
      for (int j = 0; j < nb.stages[si].command_index; ++j) {
        const Command& c2 = nb.commands[j];
        const bool model_file = ends_with(to_lower(c2.output), ".pth");
        if (c2.kind == CommandKind::InitModel || (c2.kind == CommandKind::Download && model_file)) {
          ++producers;
          only = &c2;
        }
      }
      if (producers == 1) {
        if (auto p = producer(ni, nb.stages[si].command_index, only->output, 0)) {
          p->source = "the only model prepared before this training (its config is not in the folder); " + p->source;
          return *p;
        }
      }
    }
    ParamEstimate p;
    if (lm.empty() && nb.stages[si].config_index < 0 && !nb.stages[si].config_path.empty() &&
        !nb.stages[si].settings_complete)
      p.source = "unknown: its config " +
                 repo_relative(nb.stages[si].config_path).value_or(nb.stages[si].config_path) +
                 " is not in the request folder, so the model it loads is not known; give --params";
    else if (lm.empty())
      p.source = "unknown: no model.load_model; give --params";
    else
      p.source = "unknown: '" + lm +
                 "' is neither initialised nor downloaded under a name that says its size; give --params";
    return p;
  }

  TokenEstimate tokens(StageEstimate& e, const Stage& st, long long ctx, long long mb,
                       std::optional<long long> devices) {
    const EffectiveConfig& c = st.config;
    TokenEstimate t;
    if (c.tokens.value && !c.tokens.unknown) {  // the run's own settings fix its tokens
      t.value = c.tokens.value;
      t.source = c.tokens_how;
      return t;
    }
    if (c.tokens.unknown) {
      t.source = c.tokens_how;
      return t;
    }
    if (!st.endless.empty()) {
      t.source = "unknown: " + st.endless;
      return t;
    }
    std::optional<long long> bound;
    std::string bound_src;
    if (e.max_steps && *e.max_steps > 0) {
      long long batch = 0;
      std::string batch_src;
      if (e.target_batch_size) {
        batch = *e.target_batch_size;
        batch_src = "target_batch_size " + std::to_string(batch);
      } else {
        long long acc = c.accumulate_grad_batches.value && *c.accumulate_grad_batches.value > 0
                            ? *c.accumulate_grad_batches.value
                            : 1;
        long long dev = devices.value_or(1);
        batch = mb * acc * dev;
        batch_src = "batch " + std::to_string(batch) + " (microbatch × accumulate_grad_batches × devices" +
                    (devices ? "" : ", devices taken as 1") + ")";
      }
      bound = *e.max_steps * batch * ctx;
      bound_src = "max_steps " + std::to_string(*e.max_steps) + " × " + batch_src + " × ctx_len " +
                  std::to_string(ctx);
    }
    // Tokens counted by epochs (v, said by src), unless max_steps ends the run first.
    auto by_epochs = [&](long long v, const std::string& src) {
      if (bound && *bound < v) {
        t.value = bound;
        t.source = bound_src + " (max_steps ends the run before " + src + ")";
      } else {
        t.value = v;
        t.source = src;
      }
      return t;
    };
    if (opt_.tokens) {
      long long epochs = e.max_epochs && *e.max_epochs > 0 ? *e.max_epochs : 1;
      long long v = *opt_.tokens * epochs;
      std::string src = "--tokens " + std::to_string(*opt_.tokens) + " × " + std::to_string(epochs) + " epoch" +
                        (epochs == 1 ? "" : "s");
      return by_epochs(v, src);
    }
    if (opt_.net && c.source.value && !c.source.unknown) {
      const net::Lookup* l = opt_.net->find(std::string(trim(*c.source.value)));
      if (l && l->dataset_bytes && *l->dataset_bytes > 0) {
        const double bpt = s_.estimate.bytes_per_token;
        const long long per_epoch = fm::llround(static_cast<double>(*l->dataset_bytes) / bpt);
        const long long epochs = e.max_epochs && *e.max_epochs > 0 ? *e.max_epochs : 1;
        const long long v = per_epoch * epochs;
        char bpt_text[32];
        std::snprintf(bpt_text, sizeof bpt_text, "%g", bpt);
        std::string src = "dataset " + l->subject + " (online): " + std::to_string(*l->dataset_bytes) + " bytes (" +
                          l->size_source + ") / " + bpt_text + " bytes per token (estimate.bytes_per_token) × " +
                          std::to_string(epochs) + " epoch" + (epochs == 1 ? "" : "s");
        return by_epochs(v, src);
      }
    }
    if (bound) {
      t.value = bound;
      t.source = bound_src;
      return t;
    }
    if (opt_.net && c.source.value && !c.source.unknown)
      if (const net::Lookup* l = opt_.net->find(std::string(trim(*c.source.value)))) {
        t.source = "unknown: max_steps not set, and the size of dataset " + l->subject +
                   " could not be looked up online (" + std::string(net::to_string(l->outcome)) +
                   (l->detail.empty() ? "" : ": " + l->detail) + "); give --tokens";
        return t;
      }
    t.source = "unknown: max_steps not set, so the tokens depend on the dataset's size; give --tokens";
    return t;
  }
};

}  // namespace

RequestEstimate estimate_request(const Request& req, const Settings& settings, const EstimateOptions& opt) {
  RequestEstimate out;
  Estimator est(req, settings, opt);
  if (opt.target) {
    const TargetSpec* t = settings.target(*opt.target);
    if (!t) {
      std::vector<std::string> names;
      for (const auto& x : settings.targets) names.push_back(x.name);
      throw UsageError("unknown target '" + *opt.target + "' (targets: " + join(names, ", ") + ")");
    }
    est.targets_.push_back(*t);
  } else {
    est.targets_ = settings.targets;
  }
  for (const auto& t : est.targets_) out.targets_considered.push_back(t.name);

  bool any_request_nb = false;
  for (const auto& nb : req.notebooks) any_request_nb = any_request_nb || nb.request_notebook;
  for (int ni = 0; ni < static_cast<int>(req.notebooks.size()); ++ni) {
    const NotebookProgram& nb = req.notebooks[ni];
    if (any_request_nb ? !nb.request_notebook : nb.stages.empty()) continue;
    PartEstimate part;
    part.notebook = ni;
    part.name = nb.notebook.rel;
    part.part = nb.part;
    for (int si = 0; si < static_cast<int>(nb.stages.size()); ++si) part.stages.push_back(est.stage(ni, si));
    out.parts.push_back(std::move(part));
  }

  // Evaluate every target: does every stage fit, and the longest part's hours.
  struct Eval {
    bool fits = true;
    bool hours_ok = true;
    double longest = 0;
  };
  std::vector<Eval> evals(est.targets_.size());
  for (std::size_t ti = 0; ti < est.targets_.size(); ++ti) {
    for (const auto& part : out.parts) {
      double h = 0;
      for (const auto& st : part.stages) {
        const TargetEstimate* te = st.on(est.targets_[ti].name);
        if (!te) continue;
        if (te->fits && !*te->fits) evals[ti].fits = false;
        if (te->hours) h += *te->hours;
      }
      evals[ti].longest = std::max(evals[ti].longest, h);
      if (h > settings.limits.max_hours) evals[ti].hours_ok = false;
    }
  }
  const std::string limit_h = std::to_string(static_cast<long long>(fm::llround(settings.limits.max_hours)));
  int chosen = -1;
  if (est.targets_.empty()) {
    out.target_reason = "no targets configured";
  } else if (opt.target) {
    chosen = 0;
    out.target_reason = "given with --target";
  } else {
    for (std::size_t ti = 0; ti < evals.size() && chosen < 0; ++ti)
      if (evals[ti].fits && evals[ti].hours_ok) {
        chosen = static_cast<int>(ti);
        out.target_reason = out.parts.empty() || std::all_of(out.parts.begin(), out.parts.end(), [](const PartEstimate& p) { return p.stages.empty(); })
                                ? "no training stage found: the smallest target"
                                : "the smallest target where every stage fits in GPU memory and every part takes at most " +
                                      limit_h + " h";
      }
    if (chosen < 0) {
      for (std::size_t ti = 0; ti < evals.size(); ++ti)
        if (evals[ti].fits && (chosen < 0 || evals[ti].longest < evals[chosen].longest)) chosen = static_cast<int>(ti);
      if (chosen >= 0)
        out.target_reason = "no target finishes every part within " + limit_h +
                            " h; the fastest target where every stage fits in GPU memory";
    }
    if (chosen < 0) {
      chosen = static_cast<int>(est.targets_.size()) - 1;
      out.target_reason = "no target has the GPU memory for every stage; the largest target";
    }
  }
  if (chosen >= 0) out.target = est.targets_[chosen].name;

  bool all_known = true;
  double total = 0;
  for (auto& part : out.parts) {
    bool known = true;
    double h = 0;
    for (const auto& st : part.stages) {
      const TargetEstimate* te = out.target.empty() ? nullptr : st.on(out.target);
      if (te && te->hours) h += *te->hours;
      else known = false;
    }
    part.known_hours = h;
    if (known) part.hours = h;
    else all_known = false;
    total += h;
  }
  if (all_known) out.total_hours = total;
  return out;
}

}  // namespace rwkvq
