// `rwkvq calibrate NOTEBOOK.ipynb… [--gpu NAME] [--format text|json]`: the GPU utilisation that
// executed notebooks' training runs reached (src/estimate/calibrate.cpp), per run and overall,
// and the rwkvq.yaml lines that would use it. Glue only.
//
// Exit codes: 0 ok (also when no run could be measured: it says why per run); 2 bad usage or a
// notebook that cannot be read.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/cli.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/calibrate.h"
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli {

namespace {

struct CalibrateArgs {
  std::vector<std::string> notebooks;
  std::string gpu;
  std::string format = "text";
};

std::string fmt_number(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::vector<CalibrationRun> runs_of(const std::string& path, const Settings& settings, const std::string& gpu) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw UsageError(path + ": no such notebook");
  const fs::path file(path);
  const auto bytes = read_file_if_exists(file);
  if (!bytes) throw UsageError(path + ": no such notebook");
  NotebookReadOptions ro;
  ro.outputs = true;
  const Notebook executed = parse_notebook(file.filename().string(), *bytes, ro);
  if (executed.error)
    throw InputError(path + ":" + std::to_string(executed.error->line) + ":" + std::to_string(executed.error->column) +
                     ": " + executed.error->message);
  // The request model of the notebook's folder gives each stage's config (ctx_len, microbatch).
  const fs::path dir = file.has_parent_path() ? file.parent_path() : fs::path(".");
  const Request req = load_request(dir.string());
  for (int i = 0; i < static_cast<int>(req.notebooks.size()); ++i)
    if (req.notebooks[static_cast<std::size_t>(i)].notebook.rel == file.filename().string())
      return calibrate_notebook(req, i, executed, settings, gpu);
  return {};
}

}  // namespace

void add_calibrate_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto args = std::make_shared<CalibrateArgs>();
  auto* sub = app.add_subcommand(
      "calibrate", "GPU utilisation reached by executed notebooks' training runs, and the rwkvq.yaml lines for it");
  sub->add_option("NOTEBOOK", args->notebooks, "Executed notebook(s) (.ipynb with the training output kept)")
      ->required();
  sub->add_option("--gpu", args->gpu,
                  "GPU the runs used (catalogue name: rtx3090, a100-80 …); default: what the notebook says "
                  "(8x3090), else unknown");
  sub->add_option("--format", args->format, "Output format")->check(CLI::IsMember({"text", "json"}));
  sub->footer("Exit status: 0 ok, 2 bad usage or a notebook that cannot be read.");
  sub->callback([args, &g, &exit_code] {
    const Settings settings = resolve_settings(g);
    if (!args->gpu.empty() && !settings.gpu(args->gpu)) {
      std::vector<std::string> names;
      for (const auto& x : settings.gpus) names.push_back(x.name);
      throw UsageError("--gpu '" + args->gpu + "': not in the GPU catalogue (" + join(names, ", ") + ")");
    }
    std::vector<CalibrationRun> runs;
    for (const auto& nb : args->notebooks)
      for (auto& r : runs_of(nb, settings, args->gpu)) runs.push_back(std::move(r));

    std::map<std::string, std::vector<double>> by_gpu;
    std::vector<double> unknown_gpu;
    for (const auto& r : runs) {
      if (!r.skipped.empty()) continue;
      if (r.utilisation) by_gpu[r.gpu].push_back(*r.utilisation);
      else if (r.tflops_per_gpu) unknown_gpu.push_back(*r.tflops_per_gpu);
    }
    std::vector<double> all;
    for (const auto& [gname, us] : by_gpu) all.insert(all.end(), us.begin(), us.end());

    if (args->format == "json") {
      using json = nlohmann::ordered_json;
      json jr = json::array();
      for (const auto& r : runs) {
        auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
        jr.push_back({{"notebook", r.notebook}, {"cell", r.cell},
                      {"gpus", r.log.gpus ? json(*r.log.gpus) : json(nullptr)}, {"gpu", r.gpu},
                      {"batches", r.log.batches}, {"hours", r.log.seconds / 3600.0}, {"ctx_len", r.ctx_len},
                      {"ctx_len_assumed", r.ctx_assumed}, {"microbatch", r.microbatch}, {"params", opt(r.params)},
                      {"params_source", r.params_source}, {"flops", r.skipped.empty() ? json(r.flops) : json(nullptr)},
                      {"tflops_per_gpu", opt(r.tflops_per_gpu)}, {"utilisation", opt(r.utilisation)},
                      {"skipped", r.skipped}});
      }
      json overall = json::object();
      for (const auto& [gname, us] : by_gpu)
        overall[gname] = {{"runs", us.size()}, {"median", median_of(us)}};
      std::cout << json{{"runs", jr}, {"by_gpu", overall},
                        {"median", all.empty() ? json(nullptr) : json(median_of(all))}}
                       .dump(2)
                << "\n";
      exit_code = 0;
      return;
    }

    std::ostream& o = std::cout;
    char head[256];
    std::snprintf(head, sizeof head, "%-32s %4s %4s %-8s %8s %6s %3s %8s %6s %11s %6s\n", "NOTEBOOK", "CELL", "GPUS",
                  "GPU", "PARAMS", "CTX", "MB", "BATCHES", "HOURS", "TFLOP/s/GPU", "UTIL");
    o << head;
    int skipped = 0;
    for (const auto& r : runs) {
      std::string name = sanitize_for_terminal(r.notebook);
      if (name.size() > 32) name = name.substr(0, 31) + "~";
      if (!r.skipped.empty()) {
        ++skipped;
        char row[96];
        std::snprintf(row, sizeof row, "%-32s %4d  ", name.c_str(), r.cell);
        o << row << "skipped: " << r.skipped << "\n";
        continue;
      }
      char row[320];
      std::snprintf(row, sizeof row, "%-32s %4d %4d %-8s %8s %6lld%s %3lld %8lld %6.2f %11.1f %6s\n", name.c_str(), r.cell,
                    *r.log.gpus, r.gpu.empty() ? "?" : r.gpu.c_str(), human_count(*r.params).c_str(), r.ctx_len,
                    r.ctx_assumed ? "*" : "", r.microbatch, r.log.batches, r.log.seconds / 3600.0, *r.tflops_per_gpu,
                    r.utilisation ? fmt_number("%.3f", *r.utilisation).c_str() : "?");
      o << row;
    }
    o << "\n";
    if (runs.empty()) o << "no training stage found in the notebook(s)\n";
    if (skipped) o << skipped << " of " << runs.size() << " run(s) skipped (reason above)\n";
    for (const auto& [gname, us] : by_gpu) {
      const auto [mn, mx] = std::minmax_element(us.begin(), us.end());
      o << gname << ": " << us.size() << " run(s), utilisation median " << fmt_number("%.3f", median_of(us)) << " (min "
        << fmt_number("%.3f", *mn) << ", max " << fmt_number("%.3f", *mx) << ")\n";
    }
    if (!unknown_gpu.empty())
      o << unknown_gpu.size() << " run(s) on an unknown GPU (give --gpu): median "
        << fmt_number("%.1f", median_of(unknown_gpu)) << " TFLOP/s per GPU achieved\n";
    if (!all.empty()) {
      const double m = median_of(all);
      o << "overall: " << all.size() << " run(s), utilisation median " << fmt_number("%.3f", m) << "\n\n";
      // limits.utilisation applies to every target: the runs on the targets' own GPU say it best.
      std::string why = "median of " + std::to_string(all.size()) + " run(s)";
      double use = m;
      std::map<std::string, std::vector<std::string>> targets_of;
      for (const auto& t : settings.targets) targets_of[t.gpu].push_back(t.name);
      for (const auto& [gname, names] : targets_of) {
        auto it = by_gpu.find(gname);
        if (it == by_gpu.end() || targets_of.size() != 1) continue;
        use = median_of(it->second);
        why = "median of " + std::to_string(it->second.size()) + " run(s) on " + gname + ", the GPU of " + join(names, ", ");
      }
      o << "rwkvq.yaml lines that would use it:\n";
      o << "limits:\n  utilisation: " << fmt_number("%.2f", use) << "   # " << why << " (rwkvq calibrate)\n";
    } else {
      o << "no run with a known GPU and enough progress output: nothing to put in rwkvq.yaml\n";
    }
    exit_code = 0;
  });
}

}  // namespace rwkvq::cli
