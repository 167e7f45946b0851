// `rwkvq estimate DIR [--target T] [--tokens N] [--params N] [--format text|json]`: glue only.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/request/request.h"
#include "rwkvq/util/strings.h"
#include "rwkvq/util/fmath.h"
#include "rwkvq/util/heap.h"

namespace rwkvq::cli {

namespace {

struct EstimateArgs {
  std::string dir;
  std::string target;
  std::string tokens, params;
  std::string format = "text";
  bool no_learn = false;
  OnlineFlags online_flags;
};

// "1.5e9", "1500000000", "1.5B", "300M", "2T", "80k"
long long parse_count(const std::string& text, const std::string& flag) {
  std::string t(trim(text));
  double mult = 1;
  if (!t.empty()) {
    char u = static_cast<char>(std::toupper(static_cast<unsigned char>(t.back())));
    if (u == 'K') mult = 1e3;
    else if (u == 'M') mult = 1e6;
    else if (u == 'B' || u == 'G') mult = 1e9;
    else if (u == 'T') mult = 1e12;
    if (mult != 1) t.pop_back();
  }
  try {
    std::size_t used = 0;
    double d = std::stod(t, &used);
    if (used == t.size() && std::isfinite(d) && d * mult >= 1 && d * mult < 1e18)
      return static_cast<long long>(fm::llround(d * mult));
  } catch (const std::exception&) {
  }
  throw UsageError(flag + ": expected a positive count such as 1500000000, 1.5e9 or 1.5B, not '" + text + "'");
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string hours_text(const std::optional<double>& h) { return h ? fmt("%.1f h", *h) : "?"; }

void print_text(const Request& req, const RequestEstimate& est, const Settings& s) {
  std::ostream& o = std::cout;
  o << req.folder.display_path << ": estimate\n";
  if (est.parts.empty()) o << "  no training notebook with a training stage found\n";
  for (const auto& p : est.parts) {
    o << "\n" << p.name;
    if (p.part) o << " (part " << p.part << ")";
    o << ": " << p.stages.size() << " training stage" << (p.stages.size() == 1 ? "" : "s");
    if (!est.target.empty()) o << ", " << hours_text(p.hours) << " on " << est.target;
    if (!p.hours && p.known_hours > 0) o << " (at least " << fmt("%.1f", p.known_hours) << " h)";
    o << "\n";
    for (const auto& st : p.stages) {
      o << "  stage " << st.stage + 1 << " (cell " << st.cell << "): "
        << (st.load_model.empty() ? (st.from_scratch ? "(from scratch)" : "(no load_model)") : st.load_model) << "\n";
      if (!st.trainer.empty()) o << "    trainer  " << st.trainer << "\n";
      o << "    params   " << (st.params.value ? human_count(static_cast<double>(*st.params.value)) : "unknown") << "  ["
        << st.params.source << "]\n";
      o << "    tokens   " << (st.tokens.value ? human_count(static_cast<double>(*st.tokens.value)) : "unknown") << "  ["
        << st.tokens.source << "]\n";
      auto num = [](const std::optional<long long>& v) { return v ? std::to_string(*v) : std::string("-"); };
      o << "    config   ctx_len " << num(st.ctx_len) << ", microbatch " << num(st.microbatch_size) << ", batch "
        << num(st.target_batch_size) << ", epochs " << num(st.max_epochs) << ", max_steps " << num(st.max_steps)
        << ", strategy " << (st.strategy.empty() ? "-" : st.strategy) << ", precision "
        << (st.precision.empty() ? "-" : st.precision) << "\n";
      for (const auto& n : st.notes) o << "    note     " << n << "\n";
      char head[160];
      std::snprintf(head, sizeof head, "    %-10s %-14s %12s %6s %9s\n", "target", "gpus", "GiB/GPU", "fits", "hours");
      o << head;
      for (const auto& t : st.targets) {
        const GpuSpec* g = s.gpu(t.gpu);
        std::string gpus = std::to_string(t.gpus_used) + "x" + t.gpu;
        std::string mem = t.memory_gib_per_gpu ? fmt("%.1f", *t.memory_gib_per_gpu) + (g ? fmt("/%.0f", g->memory_gib) : "")
                                               : "?";
        std::string fits = t.fits ? (*t.fits ? "yes" : "NO") : "?";
        std::string hrs = t.hours ? fmt("%.1f", *t.hours) : "?";
        char row[256];
        std::snprintf(row, sizeof row, "    %-10s %-14s %12s %6s %9s%s%s\n", t.name.c_str(), gpus.c_str(), mem.c_str(),
                      fits.c_str(), hrs.c_str(), t.name == est.target ? "  <- chosen" : "",
                      t.why.empty() ? "" : ("  (" + t.why + ")").c_str());
        o << row;
      }
    }
  }
  // Where the hours' utilisation comes from, per target (the same for every stage).
  if (!est.parts.empty() && !est.parts.front().stages.empty()) {
    o << "\nhours assume:";
    const auto& ts = est.parts.front().stages.front().targets;
    for (std::size_t i = 0; i < ts.size(); ++i)
      o << (i ? "; " : " ") << ts[i].name << " "
        << (ts[i].utilisation_source == "limits.utilisation" ? fmt("%.2f", ts[i].utilisation) + " (limits.utilisation)"
                                                             : ts[i].utilisation_source);
    o << "\n";
  }
  o << "\ntarget: " << (est.target.empty() ? "none" : est.target) << " (" << est.target_reason << ")\n";
  o << "total: " << hours_text(est.total_hours) << "\n";
}

}  // namespace

void add_estimate_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto args = std::make_shared<EstimateArgs>();
  CLI::App* sub = app.add_subcommand(
      "estimate", "Parameters, training tokens, GPU memory and hours of a request, per part and stage");
  sub->add_option("DIR", args->dir, "The request folder")->required();
  sub->add_option("--target", args->target, "Evaluate this target only (e.g. 1x24vgb, 8x24vgb)");
  sub->add_option("--tokens", args->tokens, "Training tokens per epoch (e.g. 2e9, 500M)");
  sub->add_option("--params", args->params, "Model parameters (e.g. 1.5e9, 1.5B); overrides what the request says");
  sub->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->add_flag("--no-learn", args->no_learn,
                "Hours with limits.utilisation, not the utilisation learned from the queue's done runs");
  add_online_flags(sub, args->online_flags);
  sub->callback([args, &g, &exit_code] {
    Settings settings = resolve_settings_for(g, args->online_flags, false);
    load_learned(settings, "", args->no_learn);
    const bool online = want_online(args->online_flags, settings);
    EstimateOptions opt;
    if (!args->target.empty()) opt.target = args->target;
    if (!args->tokens.empty()) opt.tokens = parse_count(args->tokens, "--tokens");
    if (!args->params.empty()) opt.params = parse_count(args->params, "--params");
    populate_heap(kOneRequestHeap);  // util/heap.h
    Request req = load_request(args->dir, load_limits(settings.limits));
    std::vector<net::NetFacts> facts;
    if (online) {
      facts = look_up({&req}, args->online_flags);
      opt.net = &facts[0];
    }
    RequestEstimate est = estimate_request(req, settings, opt);
    if (args->format == "json") std::cout << estimate_json(req, est) << "\n";
    else print_text(req, est, settings);
    exit_code = 0;
  });
}

}  // namespace rwkvq::cli
