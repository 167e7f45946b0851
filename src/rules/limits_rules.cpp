// limits/ rules that read the estimate (DESIGN §2, §3): model-size, stage3-penalty, hours, vram.
// They use ctx.estimate (filled by the validate command with estimate_request) and stay silent
// when it is null. limits/unbounded reads the config only and lives with the config rules.
#include <cmath>
#include <cstdio>
#include <set>

#include "rwkvq/estimate/estimate.h"
#include "rwkvq/estimate/memory.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"
#include "rwkvq/util/fmath.h"

namespace rwkvq {
namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// "the training in cell 5 of training-notebook-part2.ipynb": with parts, a cell number alone is
// ambiguous.
std::string where(const PartEstimate& part, const StageEstimate& st) {
  std::string s = st.cell > 0 ? "the training in cell " + std::to_string(st.cell)
                              : "the training stage " + std::to_string(st.stage + 1);
  std::string file = st.loc.file.empty() ? part.name : st.loc.file;
  return file.empty() ? s : s + " of " + file;
}

std::string gpu_label(const Settings& s, const std::string& gpu) {
  const GpuSpec* g = s.gpu(gpu);
  return g ? g->label : gpu;
}

class ModelSizeRule final : public Rule {
 public:
  std::string_view id() const override { return "limits/model-size"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override { return "the estimated model size is above the 1.5B class"; }
  void check(const Request&, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.estimate) return;
    const double limit = ctx.settings.limits.max_params;
    for (const auto& part : ctx.estimate->parts) {
      std::set<long long> seen;
      for (const auto& st : part.stages) {
        if (!st.params.value || static_cast<double>(*st.params.value) <= limit) continue;
        if (!seen.insert(*st.params.value).second) continue;
        out.push_back(make(st.loc,
                           where(part, st) + " trains a model of about " + human_count(static_cast<double>(*st.params.value)) +
                               " parameters (from " + st.params.source + "), above the programme's " +
                               human_count(limit) + " limit for the 24 GB cards",
                           "train a model of 1.5B parameters or fewer; larger models need DeepSpeed stage 3, which is "
                           "far slower, so keep their dataset small"));
      }
    }
  }
};

class Stage3PenaltyRule final : public Rule {
 public:
  std::string_view id() const override { return "limits/stage3-penalty"; }
  Severity default_severity() const override { return Severity::Warning; }
  std::string_view summary() const override {
    return "a 3B+ model or DeepSpeed stage 3: far slower training (or stage 3 chosen needlessly)";
  }
  void check(const Request&, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.estimate) return;
    const RequestEstimate& est = *ctx.estimate;
    const Limits& lim = ctx.settings.limits;
    for (const auto& part : est.parts) {
      for (const auto& st : part.stages) {
        const Strategy strat = parse_strategy(st.strategy);
        const bool big = st.params.value && static_cast<double>(*st.params.value) >= lim.stage3_params;
        const bool stage3 = strat.zero_stage == 3;
        if (!big && !stage3) continue;
        std::string msg, hint;
        if (stage3) {
          msg = where(part, st) + " uses " + st.strategy + ", which is about " + fmt("%.1f", lim.stage3_slowdown) +
                "× slower than stage 1 or 2";
          // Would it fit without stage 3 on the chosen target?
          const TargetEstimate* te = est.target.empty() ? nullptr : st.on(est.target);
          const GpuSpec* g = te ? ctx.settings.gpu(te->gpu) : nullptr;
          if (te && g && st.params.value) {
            MemoryInput mi;
            mi.params = static_cast<double>(*st.params.value);
            mi.n_layer = st.params.n_layer;
            mi.n_embd = st.params.n_embd;
            mi.vocab_size = st.params.vocab_size;
            mi.ctx_len = st.ctx_len.value_or(2048);
            mi.microbatch = st.microbatch_size.value_or(1);
            mi.gpus = te->gpus_used;
            mi.strategy = Strategy{2, strat.offload, true};
            const double gib = memory_per_gpu(mi, lim).total_gib();
            if (gib <= g->memory_gib) {
              msg += ", although the model (" + human_count(mi.params) + ") fits with deepspeed_stage_2" +
                     std::string(strat.offload ? "_offload" : "") + " (" + fmt("%.1f", gib) + " GiB per GPU on " +
                     te->name + ")";
              hint = "use deepspeed_stage_2" + std::string(strat.offload ? "_offload" : "") +
                     " (or stage 1): it fits and is much faster";
              out.push_back(make(st.loc, msg, hint));
              continue;
            }
          }
          if (big) msg += "; the model has about " + human_count(static_cast<double>(*st.params.value)) + " parameters";
          hint = "stage 3 is needed only for 3B+ models: keep the dataset small so that each part stays within " +
                 fmt("%.0f", lim.max_hours) + " h";
        } else {
          msg = where(part, st) + " trains a model of about " + human_count(static_cast<double>(*st.params.value)) +
                " parameters (from " + st.params.source + "): models of " + human_count(lim.stage3_params) +
                " and more need DeepSpeed stage 3 on the 24 GB cards, which is far slower";
          hint = "keep the dataset small (each part within " + fmt("%.0f", lim.max_hours) +
                 " h), or train a 1.5B model instead";
        }
        out.push_back(make(st.loc, msg, hint));
      }
    }
  }
};

class HoursRule final : public Rule {
 public:
  std::string_view id() const override { return "limits/hours"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override { return "a part's estimated training time is above the limit (12 h)"; }
  void check(const Request& req, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.estimate || ctx.estimate->target.empty()) return;
    const RequestEstimate& est = *ctx.estimate;
    const double max = ctx.settings.limits.max_hours;
    for (const auto& part : est.parts) {
      const double h = part.hours.value_or(part.known_hours);
      if (!(h > max)) continue;
      const long long parts_needed = static_cast<long long>(fm::ceil(h / max));
      Location loc;
      if (!part.stages.empty()) loc = part.stages.front().loc;
      if (loc.file.empty()) loc.file = part.name;
      std::string on = est.target;
      if (const TargetSpec* t = ctx.settings.target(est.target))
        on += " (" + std::to_string(t->gpus) + "× " + gpu_label(ctx.settings, t->gpu) + ")";
      std::string msg = part.name + " is estimated at " + std::string(part.hours ? "" : "at least ") + fmt("%.1f", h) +
                        " h of training on " + on + ", more than the " + fmt("%.0f", max) + " h a run may take";
      if (!ctx.target && est.target_reason.find("no target finishes") != std::string::npos)
        msg += " (on every target)";
      if (!part.stages.empty())  // hours from the utilisation learned from real runs: say so
        if (const TargetEstimate* te = part.stages.front().on(est.target);
            te && te->utilisation_source != "limits.utilisation" && !te->utilisation_source.empty())
          msg += " (utilisation " + te->utilisation_source + ")";
      std::string hint;
      const bool split = part.part == 0 && parts_needed > 1;
      (void)req;
      if (split)
        hint = "split the run into " + std::to_string(parts_needed) + " parts (training-notebook-part1.ipynb … part" +
               std::to_string(parts_needed) + "), each training about " + fmt("%.1f", h / static_cast<double>(parts_needed)) +
               " h (e.g. with max_steps), or train on fewer tokens";
      else
        hint = "this part needs about " + std::to_string(parts_needed) + " parts of " + fmt("%.0f", max) +
               " h: split it further (e.g. with max_steps), or train on fewer tokens";
      out.push_back(make(loc, msg, hint));
    }
  }
};

class VramRule final : public Rule {
 public:
  std::string_view id() const override { return "limits/vram"; }
  Severity default_severity() const override { return Severity::Error; }
  std::string_view summary() const override { return "the estimated GPU memory exceeds the target's GPUs"; }
  void check(const Request&, const RuleContext& ctx, std::vector<Finding>& out) const override {
    if (!ctx.estimate || ctx.estimate->target.empty()) return;
    const RequestEstimate& est = *ctx.estimate;
    for (const auto& part : est.parts) {
      for (const auto& st : part.stages) {
        const TargetEstimate* te = st.on(est.target);
        if (!te || !te->fits || *te->fits || !te->memory_gib_per_gpu) continue;
        const GpuSpec* g = ctx.settings.gpu(te->gpu);
        std::string on = est.targets_considered.size() > 1 && est.target_reason.find("no target has") != std::string::npos
                             ? "on every target (" + join(est.targets_considered, ", ") + ")"
                             : "on " + te->name;
        std::string msg = where(part, st) + " needs about " + fmt("%.1f", *te->memory_gib_per_gpu) + " GiB per GPU (" +
                          human_count(static_cast<double>(st.params.value.value_or(0))) + " parameters, ctx_len " +
                          std::to_string(st.ctx_len.value_or(2048)) + ", microbatch " +
                          std::to_string(st.microbatch_size.value_or(1)) + ", " +
                          (st.strategy.empty() ? std::string("no DeepSpeed") : st.strategy) + ") " + on +
                          ", more than the " + fmt("%.0f", g ? g->memory_gib : 0) + " GiB of its GPUs (" +
                          gpu_label(ctx.settings, te->gpu) + ")";
        std::string hint =
            "lower model.ctx_len or trainer.microbatch_size, shard more with deepspeed_stage_2/3 (or _offload), or "
            "train a smaller model";
        out.push_back(make(st.loc, msg, hint));
      }
    }
  }
};

RWKVQ_REGISTER_RULE(ModelSizeRule);
RWKVQ_REGISTER_RULE(Stage3PenaltyRule);
RWKVQ_REGISTER_RULE(HoursRule);
RWKVQ_REGISTER_RULE(VramRule);

}  // namespace
}  // namespace rwkvq
