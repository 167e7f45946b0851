// `rwkvq init DIR --handle @me --title TEXT [--description TEXT] [--model 0.1B|0.4B|1.5B|URL]
// [--dataset ID|URL] [--parts N] [--trainer infctx|official]`: writes a new request folder from
// the project's template (scaffold/scaffold.h), never over anything, validates it at once the way
// `rwkvq validate` does and says what to edit next. Exit 0 written (and no errors), 1 written but
// the request has errors, 2 bad usage or DIR not empty.
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/scaffold/scaffold.h"

namespace rwkvq::cli {
namespace {

struct InitOptions {
  std::string dir;
  ScaffoldOptions s;
};

int run_init(InitOptions opt, const GlobalOptions& g) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path abs = fs::absolute(opt.dir, ec).lexically_normal();
  if (ec || opt.dir.empty()) throw UsageError("DIR: " + opt.dir + ": not a usable path");
  if (!abs.has_filename()) abs = abs.parent_path();
  opt.s.folder_name = abs.filename().string();
  RepoContext repo = find_repo(abs);
  if (repo.checkout) opt.s.trainer_dirs = repo.trainer_dirs;
  Scaffold scaffold = make_scaffold(opt.s);  // UsageError before anything is written
  Settings settings = resolve_settings(g);
  write_scaffold(opt.dir, scaffold);

  std::cout << "rwkvq init: wrote " << sanitize_for_terminal(opt.dir) << "/\n";
  for (const auto& f : scaffold.files) std::cout << "  " << sanitize_for_terminal(f.name) << "\n";
  if (abs.parent_path().filename() != "community" || abs.parent_path().parent_path().filename() != "notebook")
    scaffold.notes.push_back("the runner takes requests from notebook/community/<folder>/ of RWKV-infctx-trainer: "
                             "move the folder there in your fork");
  for (const auto& n : scaffold.notes) std::cout << "note: " << sanitize_for_terminal(n) << "\n";

  // Checked at once, as `rwkvq validate DIR` would.
  Request req = load_request(opt.dir, load_limits(settings.limits));
  RequestEstimate estimate = estimate_request(req, settings, EstimateOptions{});
  RuleContext ctx{settings, &estimate, std::nullopt};
  auto report = make_report(req, run_rules(req, ctx, CheckOptions{}), &estimate);
  std::cout << "\nrwkvq validate " << sanitize_for_terminal(opt.dir) << ":\n";
  write_text(std::cout, {report}, TextOptions{});

  std::cout << "\nNext:\n";
  int k = 0;
  for (const auto& n : scaffold.next) std::cout << "  " << ++k << ". " << n << "\n";
  std::cout << "  " << ++k << ". rwkvq estimate " << opt.dir << " (hours, memory), then rwkvq validate "
            << opt.dir << "\n";
  std::cout << "  " << ++k << ". Commit the folder and open a pull request titled \"[training request] "
            << sanitize_for_terminal(std::string(opt.s.title)) << "\" into rwkv-community-training\n";
  return report.errors() > 0 ? 1 : 0;
}

}  // namespace

void add_init_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto opt = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "Write a new training request (notebook and config) from the template");
  cmd->add_option("DIR", opt->dir, "The new request folder, e.g. notebook/community/my-run (must not exist, or be empty)")
      ->required();
  cmd->add_option("--handle", opt->s.handle, "Your Discord handle, e.g. @alice_42")->required();
  cmd->add_option("--title", opt->s.title, "Title of the training run (the notebook's heading)")->required();
  cmd->add_option("--description", opt->s.description,
                  "What you train and why (default: a sentence written from the options; edit it)");
  cmd->add_option("--model", opt->s.model,
                  "0.1B, 0.4B (default) or 1.5B (RWKV-5 World, downloaded from BlinkDL/rwkv-5-world), or the "
                  "URL of a .pth");
  cmd->add_option("--dataset", opt->s.dataset,
                  "Hugging Face dataset id (user/name) or URL (official trainer: the URL of a binidx .bin); "
                  "default: a small public dataset");
  cmd->add_option("--parts", opt->s.parts, "Number of parts (training-notebook-part1..N), default 1")
      ->check(CLI::Range(1, 50));
  cmd->add_option("--trainer", opt->s.trainer, "infctx (RWKV-infctx-trainer, default) or official (BlinkDL/RWKV-LM)")
      ->check(CLI::IsMember({"infctx", "official"}));
  cmd->footer("Exit status: 0 written and valid, 1 written but the request has errors, 2 bad usage or DIR exists\n"
              "and is not empty (nothing is ever overwritten).");
  cmd->callback([opt, &g, &exit_code] { exit_code = run_init(*opt, g); });
}

}  // namespace rwkvq::cli
