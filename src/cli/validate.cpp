// `rwkvq validate PATH... [--format text|json|github|sarif] [--strict] [--target T]`
// A PATH that is a file stands for its request folder (request/targets.h: what a pre-commit hook
// passes); each folder is validated once, in the order first named.
// `rwkvq validate --pr [--base REF] [--repo PATH] [--title TEXT] [DIR...]` (DESIGN §8): reads the
// contributor's branch with libgit2 (loaded only then), validates the request folders it changes
// (or the DIRs given) and adds the git/* findings; the branch-wide ones form the report's `pr` part.
//
// Each folder is loaded, estimated and checked on its own, several at once on `--jobs N` threads
// (default: the cores, at most 8; not with --online or --pr); their reports and stderr lines come
// out in the order of the folders, byte for byte what `-j 1` prints. Exit code: 2 when any folder could not
// be used at all (missing, not a folder, unreadable), else 1 when any request has errors (with
// --strict, warnings count as errors), else 0. Folders that could be read are still reported when
// another one is missing, so a typo in one path does not hide the findings of the rest, but the
// run never passes; the missing folder is named on stderr ("rwkvq: error: PATH: no such folder")
// and left out of the report (stdout stays one valid JSON document with --format json).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/git/branch.h"
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/request/targets.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/heap.h"
#include "rwkvq/util/ordered_pool.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> dirs;
  std::string format = "text";
  bool strict = false;
  std::string target;
  bool pr = false;
  std::string base, repo, title;
  bool base_set = false, repo_set = false, title_set = false;
  bool no_learn = false;
  int jobs = 0;  // not given: default_jobs()
  bool jobs_set = false;
  OnlineFlags online_flags;
};

// `validate --pr`: the branch, the folders to validate (display path as the user would type it
// from the current folder) and the pull request part of the report.
struct PrRun {
  BranchFacts facts;
  std::vector<std::string> dirs;
  PullRequestReport report;
};

std::string show_list(const std::vector<std::string>& v, std::size_t max) {
  std::string s;
  for (std::size_t i = 0; i < v.size() && i < max; ++i) s += (i ? ", " : "") + v[i];
  if (v.size() > max) s += ", … (" + std::to_string(v.size()) + " in all)";
  return s;
}

PrRun read_pr(const ValidateOptions& opt, const Settings& settings) {
  namespace fs = std::filesystem;
  PrRun run;
  fs::path cwd = fs::current_path();
  GitRepository repo(opt.repo.empty() ? cwd : fs::path(opt.repo));
  BranchOptions bo;
  bo.base = opt.base;
  bo.max_read_bytes = settings.limits.max_file_bytes;
  run.facts = repo.read_branch(bo);
  const fs::path& root = repo.workdir();
  if (opt.dirs.empty()) {
    run.facts.folders = request_folders_of(run.facts.changed_files);
    if (run.facts.folders.empty()) {
      if (run.facts.commits == 0)
        throw UsageError("HEAD (" + run.facts.head_name + ") has no commits since its merge base with " +
                         run.facts.base + ": nothing to check (commit your request, or check out its branch)");
      throw UsageError("the branch changes no request folder under notebook/community/ since its merge base "
                       "with " + run.facts.base + " (it changes " + show_list(run.facts.changed_files, 3) +
                       "); name the request folder as DIR");
    }
    for (const auto& f : run.facts.folders) {
      fs::path rel = (root / f).lexically_relative(cwd);
      // From outside the repository (--repo): the absolute path, clearer than "../../x".
      std::string shown = rel.generic_string();
      run.dirs.push_back(shown.empty() || shown.rfind("../", 0) == 0 ? (root / f).string() : shown);
    }
  } else {
    for (const auto& d : opt.dirs) {
      std::error_code ec;
      fs::path abs = fs::weakly_canonical(fs::absolute(d, ec), ec);
      std::string rel = abs.lexically_relative(root).generic_string();
      if (ec || rel.empty() || rel == ".." || rel.rfind("../", 0) == 0)
        throw UsageError(d + ": not inside the repository at " + root.string());
      run.facts.folders.push_back(rel);
      run.dirs.push_back(d);
    }
  }
  repo.read_worktree(run.facts);
  PullRequestReport& r = run.report;
  r.base = run.facts.base;
  r.merge_base = run.facts.merge_base;
  r.head = run.facts.head;
  r.head_name = run.facts.head_name;
  r.commits = run.facts.commits;
  r.changed_files = run.facts.changed_files;
  r.folders = run.facts.folders;
  return run;
}

// Where SARIF URIs start: the work tree of the pull request's repository (--pr), else that of the
// git repository around the current folder (a .git entry in it or a parent), else the current
// folder. tool.driver.rules: every registered rule.
SarifOptions sarif_options(const BranchFacts* branch) {
  namespace fs = std::filesystem;
  SarifOptions so;
  so.tool_version = RWKVQ_VERSION;
  for (const Rule* r : all_rules())
    so.rules.push_back({std::string(r->id()), r->default_severity(), std::string(r->summary())});
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  so.current_dir = cwd.generic_string();
  if (branch && !branch->workdir.empty()) {
    so.source_root = branch->workdir.generic_string();
    return so;
  }
  so.source_root = so.current_dir;
  for (fs::path p = cwd; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) {
      so.source_root = p.generic_string();
      break;
    }
    if (p == p.root_path()) break;
  }
  return so;
}

// Why a folder cannot be validated at all, before anything in it is read; nullopt when it can.
std::optional<std::string> unusable_folder(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto st = fs::status(dir, ec);  // follows a symlink: naming a linked folder is fine
  if (ec || st.type() == fs::file_type::not_found) {
    if (st.type() == fs::file_type::not_found || ec == std::errc::no_such_file_or_directory)
      return "no such folder";
    return ec.message();
  }
  if (st.type() != fs::file_type::directory) return "not a folder";
  return std::nullopt;
}

int run_validate(const ValidateOptions& opt, const GlobalOptions& g) {
  auto format = parse_report_format(opt.format);
  if (!format) throw UsageError("unknown --format '" + opt.format + "' (text, json, github or sarif)");
  Settings settings = resolve_settings_for(g, opt.online_flags, opt.pr);
  load_learned(settings, "", opt.no_learn);
  std::optional<std::string> target;
  if (!opt.target.empty()) {
    if (!settings.target(opt.target)) {
      std::vector<std::string> names;
      for (const auto& t : settings.targets) names.push_back(t.name);
      std::string msg = "unknown target '" + opt.target + "'";
      if (!names.empty()) msg += " (configured targets: " + join(names, ", ") + ")";
      throw UsageError(msg);
    }
    target = opt.target;
  }
  if (!opt.pr && (opt.base_set || opt.repo_set || opt.title_set))
    throw UsageError(std::string(opt.base_set ? "--base" : opt.repo_set ? "--repo" : "--title") +
                     " needs --pr (it is about the pull request's branch)");
  // Checked here rather than with a CLI11 validator, which cost every start-up ~15 000 instructions.
  if (opt.jobs_set && (opt.jobs < 1 || opt.jobs > 256))
    throw UsageError("--jobs " + std::to_string(opt.jobs) + ": give 1 to 256 folders at once");
  if (!opt.pr && opt.dirs.empty()) throw UsageError("DIR is required: validate DIR... (or validate --pr)");

  // Files name their request folder; each folder once.
  RequestTargets targets = resolve_request_targets(opt.dirs);
  for (const auto& s : targets.skipped) std::cerr << "rwkvq: note: " << sanitize_for_terminal(s) << ": skipped\n";
  ValidateOptions resolved = opt;
  resolved.dirs = targets.folders;
  const bool online = want_online(opt.online_flags, settings);
  std::optional<PrRun> pr;
  if (opt.pr && resolved.dirs.empty() && !opt.dirs.empty())
    throw UsageError("none of the paths given is in a request folder");
  if (opt.pr) pr = read_pr(resolved, settings);
  const std::vector<std::string>& dirs = pr ? pr->dirs : resolved.dirs;
  // util/heap.h: with several folders the next one reuses this one's pages; with one, its pages are
  // mapped in one call.
  if (dirs.size() > 1) keep_freed_memory();
  else populate_heap(kOneRequestHeap);

  bool unusable = false;
  std::vector<RequestReport> reports;
  // What one folder gives: filled by load and check (on a worker thread when folders are
  // validated in parallel), handed on by emit on this thread in the order of the folders, so the
  // output is the same whatever the threads do.
  struct FolderResult {
    std::optional<RequestReport> report;
    std::string messages;                 // its lines for stderr
    std::optional<std::size_t> findings;  // for the debug log
    bool unusable = false;
  };
  auto report_error = [&](FolderResult& out, const std::string& dir, const std::exception& e, bool internal) {
    if (internal)  // a bug, not the request's fault: say so, keep going with the other folders
      out.messages += "rwkvq: internal error: " + sanitize_for_terminal(dir) + ": " + sanitize_for_terminal(e.what()) + "\n";
    else
      out.messages += "rwkvq: error: " + sanitize_for_terminal(e.what()) + "\n";
    out.unusable = true;
  };
  auto load = [&](const std::string& dir, FolderResult& out) -> std::optional<Request> {
    if (auto why = unusable_folder(dir)) {
      out.messages += "rwkvq: error: " + sanitize_for_terminal(dir) + ": " + *why + "\n";
      out.unusable = true;
      return std::nullopt;
    }
    try {
      return load_request(dir, load_limits(settings.limits));
    } catch (const UsageError& e) {
      report_error(out, dir, e, false);
    } catch (const InputError& e) {
      report_error(out, dir, e, false);
    } catch (const std::exception& e) {
      report_error(out, dir, e, true);
    }
    return std::nullopt;
  };
  auto check = [&](const std::string& dir, const Request& req, const net::NetFacts* facts, FolderResult& out) {
    try {
      EstimateOptions eo;
      eo.target = target;
      eo.net = facts;
      RequestEstimate estimate = estimate_request(req, settings, eo);
      RuleContext ctx{settings, &estimate, target};
      if (pr) ctx.branch = &pr->facts;
      ctx.net = facts;
      CheckOptions co;
      co.strict = opt.strict;
      auto findings = run_rules(req, ctx, co);
      out.findings = findings.size();
      out.report = make_report(req, std::move(findings), &estimate);
    } catch (const UsageError& e) {
      report_error(out, dir, e, false);
    } catch (const InputError& e) {
      report_error(out, dir, e, false);
    } catch (const std::exception& e) {
      report_error(out, dir, e, true);
    }
  };
  auto emit = [&](const std::string& dir, FolderResult& r) {
    if (r.findings) spdlog::debug("{}: {} findings", dir, *r.findings);
    std::cerr << r.messages;
    if (r.report) reports.push_back(std::move(*r.report));
    unusable = unusable || r.unusable;
    r = FolderResult{};
  };
  if (online) {
    // Read every folder first, so that all their look-ups go out in one round.
    std::vector<std::pair<std::string, Request>> loaded;
    for (const auto& dir : dirs) {
      FolderResult r;
      if (auto req = load(dir, r)) loaded.emplace_back(dir, std::move(*req));
      emit(dir, r);
    }
    std::vector<const Request*> reqs;
    for (const auto& [dir, req] : loaded) reqs.push_back(&req);
    const std::vector<net::NetFacts> net_facts = look_up(reqs, opt.online_flags);
    for (std::size_t i = 0; i < loaded.size(); ++i) {
      FolderResult r;
      check(loaded[i].first, loaded[i].second, &net_facts[i], r);
      emit(loaded[i].first, r);
    }
  } else {
    // Each folder is read, checked and released on its own (the corpus in one run stays at the
    // size of its largest requests; issue 12.6), on up to --jobs threads (util/ordered_pool.h);
    // with --pr one at a time, as with --online.
    // One folder (the common case of a pull request's check): no thread, not even the core count.
    const std::size_t jobs = pr || dirs.size() <= 1 ? 1
                             : opt.jobs_set       ? std::min(static_cast<std::size_t>(opt.jobs), dirs.size())
                                                  : default_jobs(dirs.size());
    std::vector<FolderResult> results(dirs.size());
    run_ordered(
        dirs.size(), jobs,
        [&](std::size_t i) {
          if (auto req = load(dirs[i], results[i])) check(dirs[i], *req, nullptr, results[i]);
        },
        [&](std::size_t i) { emit(dirs[i], results[i]); });
  }

  const PullRequestReport* prr = nullptr;
  if (pr) {
    RuleContext ctx{settings, nullptr, target};
    if (opt.title_set) ctx.pr_title = opt.title;
    CheckOptions co;
    co.strict = opt.strict;
    pr->report.findings = run_branch_rules(pr->facts, ctx, co);
    prr = &pr->report;
  }

  switch (*format) {
    case ReportFormat::Text: {
      TextOptions to;
      to.color = want_color(::isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
      write_text(std::cout, reports, to, prr);
      break;
    }
    case ReportFormat::Json: write_json(std::cout, reports, prr); break;
    case ReportFormat::Github: write_github(std::cout, reports, prr); break;
    case ReportFormat::Sarif: write_sarif(std::cout, reports, sarif_options(pr ? &pr->facts : nullptr), prr); break;
  }
  std::cout.flush();

  if (unusable) return 2;
  if (prr && (prr->errors() > 0 || (opt.strict && prr->warnings() > 0))) return 1;
  for (const auto& r : reports)
    if (r.errors() > 0 || (opt.strict && r.warnings() > 0)) return 1;
  return 0;
}

}  // namespace

void add_validate_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto opt = std::make_shared<ValidateOptions>();
  auto* cmd = app.add_subcommand("validate", "Check request folders against the programme's rules");
  cmd->add_option("DIR", opt->dirs,
                  "Request folder(s), e.g. notebook/community/my-run, or files in them (each folder is "
                  "validated once; with --pr: default the request folders the branch changes)");
  cmd->add_option("--format", opt->format, "Output: text (default), json, github or sarif (SARIF 2.1.0)")
      ->check(CLI::IsMember({"text", "json", "github", "sarif"}));
  cmd->add_flag("--strict", opt->strict, "Warnings fail the request too");
  cmd->add_option("--target", opt->target,
                  "Runner target to estimate for (1x24vgb, 8x24vgb ...); default: the smallest "
                  "that fits");
  cmd->add_flag("--pr", opt->pr,
                "Check the pull request's branch too (libgit2): data in any commit, changes outside the "
                "request folder, several requests, uncommitted edits");
  cmd->add_option("--base", opt->base,
                  "With --pr: the branch the pull request goes into (default rwkv-community-training, else "
                  "origin/rwkv-community-training)")
      ->each([opt](const std::string&) { opt->base_set = true; });
  cmd->add_option("--repo", opt->repo, "With --pr: a path in the repository (default: the current folder)")
      ->each([opt](const std::string&) { opt->repo_set = true; });
  cmd->add_option("--title", opt->title, "With --pr: the pull request's title, checked too")
      ->each([opt](const std::string&) { opt->title_set = true; });
  cmd->add_flag("--no-learn", opt->no_learn,
                "limits/ rules with limits.utilisation, not the utilisation learned from the queue's done runs");
  cmd->add_option("-j,--jobs", opt->jobs,
                  "Folders validated at once, on as many threads (default: the machine's cores, at most 8; "
                  "1: one after the other; --online and --pr always go one at a time); the output is the same whatever N")
      ->each([opt](const std::string&) { opt->jobs_set = true; });
  add_online_flags(cmd, opt->online_flags);
  cmd->footer(
      "Exit status: 0 no errors, 1 a request (or with --pr the branch) has errors (or warnings with\n"
      "--strict), 2 bad usage, a folder that cannot be read (the others are still reported), or with\n"
      "--pr a repository, base branch or merge base that cannot be found.");
  cmd->callback([opt, &g, &exit_code] { exit_code = run_validate(*opt, g); });
}

}  // namespace rwkvq::cli
