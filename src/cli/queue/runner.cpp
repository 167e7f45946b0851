// `rwkvq queue dispatch / sync / import`: the queue driving the programme's runner, GitHub
// Actions (DESIGN §10). The GitHub client and the matching live in the library
// (runner/github.h); this is glue: what to send, what to record, what to print.
// Only these three commands ever contact the API.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/queue/common.h"
#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/git/branch.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/queue/learn.h"
#include "rwkvq/queue/states.h"
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/runner/github.h"
#include "rwkvq/git/pull.h"
#include "rwkvq/util/atomic_file.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli::qcli {
namespace {

namespace fs = std::filesystem;
using runner::ApiError;
using runner::GitHub;

RunnerSettings runner_of(const QueueOptions& o, const Settings& s) {
  RunnerSettings r = s.runner;
  auto over = [](std::string& field, const std::string& flag) {
    if (!flag.empty()) field = flag;
  };
  over(r.repo, o.repo);
  over(r.workflow, o.workflow);
  over(r.ref, o.branch);
  over(r.lane, o.lane);
  over(r.cuda, o.cuda);
  over(r.hf_repo, o.hf_repo);
  if (std::count(r.repo.begin(), r.repo.end(), '/') != 1 || r.repo.front() == '/' || r.repo.back() == '/')
    throw UsageError("--repo '" + safe(r.repo) + "': not OWNER/NAME");
  for (const std::string* f : {&r.repo, &r.workflow, &r.ref})
    for (unsigned char c : *f)
      if (c <= 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%')
        throw UsageError("'" + safe(*f) + "': spaces, control characters, '?', '#' and '%' cannot go into the URL");
  return r;
}

// An API failure as the exit codes of DESIGN §10: refused (4xx) → 1, no answer / 5xx → 2.
std::string api_failure_text(const std::string& what, const ApiError& e) {
  return what + ": " + (e.refused() ? "GitHub refused: " : "") + e.what();
}
int api_failure_status(const ApiError& e) { return e.refused() ? 1 : 2; }
[[noreturn]] void api_failed(const std::string& what, const ApiError& e) {
  if (e.refused()) throw Refused(api_failure_text(what, e));
  throw InputError(api_failure_text(what, e));
}

// The notebook's path relative to the checkout's notebook/ folder: the nearest folder named
// "notebook" above the request folder. Refused when there is none.
std::string notebook_file_of(const Entry& e, const Part& p) {
  const fs::path folder(e.folder);
  for (fs::path up = folder; up.has_relative_path(); up = up.parent_path()) {
    if (up.filename() == "notebook") {
      const fs::path rel = (folder / p.notebook).lexically_relative(up);
      return rel.generic_string();
    }
    if (up.parent_path() == up) break;
  }
  throw Refused("cannot dispatch " + e.id + "/part" + std::to_string(p.n) + ": its folder " + e.folder +
                " is not inside a checkout's notebook/ folder, so the workflow cannot be told where the notebook is");
}

// ------------------------------------------------------------------ dispatch

int run_dispatch(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  const RunnerSettings rs = runner_of(o, settings);
  const PartRef ref = parse_part_ref(o.ref);
  auto store = store_of(o);
  const ChangeInfo info{who(o), now(), o.reason, "", "", std::nullopt};

  // Only a runnable part: the same rules as start, tried on a copy before anything is sent.
  Queue q = store.read();
  Queue trial = q;
  int n = 0;
  try {
    n = apply_action(trial, ref, Action::Start, info);
  } catch (const Refused& err) {
    refused_or_archived(store, err, ref.id, [&](Queue& one) { apply_action(one, ref, Action::Start, info); });
  }
  const Entry& e = *q.find(ref.id);
  const Part& part = e.parts[static_cast<std::size_t>(n - 1)];
  const std::vector<std::pair<std::string, std::string>> inputs = {
      {"notebookFile", notebook_file_of(e, part)},
      {"gpuTarget", e.target},
      {"lanePrefence", rs.lane},
      {"cudaVersion", rs.cuda},
      {"huggingFaceRepo", rs.hf_repo}};
  const std::string name = e.id + "/part" + std::to_string(n);

  GitHub gh(runner::github_from_env());
  const auto request = gh.dispatch_request(rs.repo, rs.workflow, rs.ref, inputs);
  if (o.dry_run) {
    std::cout << gh.describe(request);
    std::cerr << "dry run: nothing sent, " << name << " unchanged\n";
    return 0;
  }
  if (gh.config().token.empty())
    throw UsageError("GITHUB_TOKEN is not set: a workflow_dispatch needs a token with the actions:write permission");
  const auto r = gh.send(request);
  if (r.status != 204) {
    const std::string msg = "dispatch of " + name + " to " + rs.repo + " " + rs.workflow + "@" + rs.ref;
    api_failed(msg, ApiError(r.answered() ? r.status : 0, runner::describe_failure(r)));
  }

  DispatchRecord d{info.now, info.by, rs.repo, rs.workflow, rs.ref, inputs};
  store.transact([&](Queue& queue) {
    ChangeInfo i2 = info;
    i2.reason = o.reason.empty() ? rs.repo + " " + rs.workflow + "@" + rs.ref + ": " + inputs[0].second : o.reason;
    int m = 0;
    try {
      m = apply_action(queue, PartRef{e.id, n}, Action::Start, i2);
    } catch (const Refused& err) {  // changed by someone else between the check and now
      throw Refused(std::string(err.what()) + " — but GitHub accepted the dispatch: the run will start; record it by hand");
    }
    Entry& we = *queue.find(e.id);
    we.history.back().action = "dispatch";
    Part& wp = we.parts[static_cast<std::size_t>(m - 1)];
    wp.node = "github-actions";
    wp.dispatch = d;
    wp.run.reset();
    return true;
  });
  if (o.format == "json") {
    ojson in = ojson::object();
    for (const auto& [k, v] : inputs) in[k] = v;
    print_json(ojson{{"id", e.id}, {"part", n}, {"state", "running"}, {"repo", rs.repo}, {"workflow", rs.workflow},
                     {"ref", rs.ref}, {"inputs", std::move(in)}, {"at", format_time(info.now)}});
  } else {
    std::cout << name << ": dispatched to " << rs.repo << " " << rs.workflow << "@" << rs.ref << " ("
              << safe(inputs[0].second) << " on " << e.target << ", " << rs.lane << ", CUDA " << rs.cuda
              << "); running\n";
    std::cerr << "run `rwkvq queue sync` to follow it\n";
  }
  return 0;
}

// ------------------------------------------------------------------ sync

struct SyncLine {
  std::string key, state, text;
};

int run_sync(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  auto store = store_of(o);
  const Queue q = store.read();
  const Time t = now();

  // Running parts with a dispatch, grouped by where their runs are listed.
  struct Key {
    std::string repo, workflow, ref;
    bool operator<(const Key& k) const { return std::tie(repo, workflow, ref) < std::tie(k.repo, k.workflow, k.ref); }
  };
  std::map<Key, std::vector<std::pair<const Entry*, const Part*>>> groups;
  std::set<long long> claimed;
  for (const auto& e : q.requests)
    for (const auto& p : e.parts) {
      if (p.run) claimed.insert(p.run->id);
      if (p.state == PartState::Running && p.dispatch)
        groups[{p.dispatch->repo, p.dispatch->workflow, p.dispatch->ref}].push_back({&e, &p});
    }
  if (groups.empty()) {
    if (o.format == "json") print_json(ojson{{"parts", ojson::array()}, {"unmatched_runs", ojson::array()}, {"errors", ojson::array()}});
    else std::cout << "nothing to sync: no dispatched part is running\n";
    return 0;
  }

  GitHub gh(runner::github_from_env());
  std::map<std::string, RunRecord> found;       // part key → its run now
  std::map<std::string, std::string> how;       // part key → how it was matched
  std::vector<SyncLine> lines;
  ojson unmatched_runs = ojson::array();
  std::vector<std::string> unmatched_text;
  // Where the runs could not be listed: that group's parts are left as they were, the other
  // groups are still recorded, and the command ends with the errors and DESIGN §10's exit status
  // (2 when a host did not answer, else 1 when GitHub refused).
  std::vector<std::string> errors;
  std::set<std::string> unlisted;  // part keys of those groups
  int failed_status = 0;
  for (const auto& [k, parts] : groups) {
    const std::string runs_url = gh.repo_url(k.repo, "actions/workflows/" + k.workflow +
                                                         "/runs?event=workflow_dispatch&branch=" + k.ref + "&per_page=100");
    std::vector<runner::WorkflowRun> runs;
    try {
      for (const auto& page : gh.get_pages(runs_url, 10))
        for (auto& r : runner::parse_runs(page)) runs.push_back(std::move(r));
    } catch (const ApiError& err) {
      errors.push_back(api_failure_text("sync: runs of " + k.repo + " " + k.workflow + "@" + k.ref, err) + " (" +
                       std::to_string(parts.size()) + " dispatched part(s) left as they were)");
      failed_status = std::max(failed_status, api_failure_status(err));
      for (const auto& [e, p] : parts) unlisted.insert(e->id + "/part" + std::to_string(p->n));
      continue;
    }
    std::map<long long, const runner::WorkflowRun*> by_id;
    for (const auto& r : runs) by_id[r.id] = &r;
    auto record_of = [](const runner::WorkflowRun& r) {
      return RunRecord{r.id, r.url, r.status, r.conclusion, r.started ? r.started : std::optional<Time>(r.created),
                       r.status == "completed" ? r.updated : std::nullopt};
    };
    std::vector<runner::PendingPart> pending;
    Time earliest = t;
    for (const auto& [e, p] : parts) {
      const std::string key = e->id + "/part" + std::to_string(p->n);
      earliest = std::min(earliest, p->dispatch->at);
      if (p->run) {  // matched before: follow the same run
        auto it = by_id.find(p->run->id);
        if (it != by_id.end()) found[key] = record_of(*it->second);
        else found[key] = *p->run, how[key] = "its run is no longer listed";
        continue;
      }
      std::string nb;
      for (const auto& [name, value] : p->dispatch->inputs)
        if (name == "notebookFile") nb = value;
      pending.push_back({key, p->dispatch->at, nb});
    }
    auto jobs = [&](long long id) {
      try {
        return runner::parse_job_names(gh.get_json(gh.repo_url(k.repo, "actions/runs/" + std::to_string(id) + "/jobs")));
      } catch (const ApiError& err) {
        spdlog::warn("sync: jobs of run {}: {}", id, err.what());
        return std::vector<std::string>{};
      }
    };
    std::set<long long> used = claimed;
    for (const auto& m : runner::match_runs(pending, runs, claimed, jobs)) {
      if (!m.run) continue;
      found[m.key] = record_of(*m.run);
      how[m.key] = m.how;
      used.insert(m.run->id);
    }
    // Runs no part claims, from the time of the earliest dispatch on: reported, never guessed.
    for (const auto& r : runs)
      if (!used.count(r.id) && r.created + runner::kClockSkew >= earliest) {
        unmatched_runs.push_back({{"id", r.id}, {"url", r.url}, {"created", format_time(r.created)},
                                  {"status", r.status}, {"repo", k.repo}});
        unmatched_text.push_back("run " + std::to_string(r.id) + " (" + k.repo + ", created " + format_time(r.created) +
                                 ", " + r.status + ") matches no dispatched part: " + r.url);
      }
  }

  // Record what was found, under the lock; a part changed meanwhile is left alone.
  ojson jparts = ojson::array();
  bool any_done = false;
  store.transact(
      [&](Queue& queue) {
        lines.clear();
        jparts = ojson::array();
        bool changed = false;
        for (auto& e : queue.requests)
          for (auto& p : e.parts) {
            if (p.state != PartState::Running || !p.dispatch) continue;
            const std::string key = e.id + "/part" + std::to_string(p.n);
            auto it = found.find(key);
            ojson j{{"id", e.id}, {"part", p.n}, {"dispatched", format_time(p.dispatch->at)}};
            if (it == found.end()) {
              const std::string note = unlisted.count(key) ? "its runs could not be listed" : "no run matched yet";
              j["state"] = "running";
              j["run"] = nullptr;
              j["note"] = note;
              lines.push_back({key, "running", note + " (dispatched " + format_time(p.dispatch->at) + ")"});
              jparts.push_back(std::move(j));
              continue;
            }
            const RunRecord& run = it->second;
            const bool was = p.run && p.run->id == run.id && p.run->status == run.status;
            p.run = run;
            changed = changed || !was;
            std::string text = "run " + std::to_string(run.id);
            if (how.count(key)) text += " (" + how[key] + ")";
            if (run.status == "completed" && run.finished) {
              ChangeInfo info{who(o), t, "queue sync: run " + std::to_string(run.id) + " " + (run.conclusion.empty() ? "completed" : run.conclusion), "", "", std::nullopt};
              if (run.started) p.started = std::min(*run.started, t);
              info.at = std::max(p.started.value_or(*run.finished), std::min(*run.finished, t));
              const Action a = run.conclusion == "success" ? Action::Done : Action::Fail;
              apply_action(queue, PartRef{e.id, p.n}, a, info);
              changed = true;
              any_done = any_done || a == Action::Done;
              text += ": " + std::string(to_string(p.state)) + " (" + (run.conclusion.empty() ? "no conclusion" : run.conclusion) + ")";
              if (p.real_hours) text += " in " + format_hours(*p.real_hours);
            } else {
              text += ": " + (run.status.empty() ? std::string("status unknown") : run.status) + ", still running";
            }
            text += "  " + run.url;
            lines.push_back({key, std::string(to_string(p.state)), text});
            j["state"] = to_string(p.state);
            j["run"] = ojson{{"id", run.id}, {"url", run.url}, {"status", run.status},
                             {"conclusion", run.conclusion.empty() ? ojson(nullptr) : ojson(run.conclusion)},
                             {"started", run.started ? ojson(format_time(*run.started)) : ojson(nullptr)},
                             {"finished", run.finished ? ojson(format_time(*run.finished)) : ojson(nullptr)}};
            if (how.count(key)) j["matched_by"] = how[key];
            if (p.real_hours) j["real_hours"] = *p.real_hours;
            jparts.push_back(std::move(j));
          }
        return changed;
      },
      /*create=*/false,
      [&](const Queue& written) {
        if (any_done) write_learned(store, written);  // real hours feed what is learned, like `done`
      });

  if (o.format == "json") {
    print_json(ojson{{"parts", std::move(jparts)}, {"unmatched_runs", std::move(unmatched_runs)}, {"errors", errors}});
  } else {
    for (const auto& l : lines) std::cout << l.key << ": " << safe(l.text) << "\n";
    for (const auto& u : unmatched_text) std::cout << "unmatched: " << safe(u) << "\n";
  }
  std::cout.flush();
  for (const auto& e : errors) std::cerr << "rwkvq: error: " << safe(e) << "\n";
  return failed_status;
}

// ------------------------------------------------------------------ import

std::vector<runner::PullRequest> list_pulls(const GitHub& gh, const RunnerSettings& rs) {
  std::vector<runner::PullRequest> pulls;
  try {
    for (const auto& page : gh.get_pages(gh.repo_url(rs.repo, "pulls?state=open&base=" + rs.ref + "&per_page=100")))
      for (auto& p : runner::parse_training_pulls(page)) pulls.push_back(std::move(p));
    for (auto& p : pulls) {
      for (const auto& page : gh.get_pages(gh.repo_url(rs.repo, "pulls/" + std::to_string(p.number) + "/files?per_page=100")))
        for (auto& f : runner::parse_pull_files(page)) p.files.push_back(std::move(f));
      p.folders = request_folders_of(p.files);
    }
  } catch (const ApiError& err) {
    api_failed("import: pull requests of " + rs.repo, err);
  }
  return pulls;
}

int run_import(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  const RunnerSettings rs = runner_of(o, settings);
  GitHub gh(runner::github_from_env());
  const auto pulls = list_pulls(gh, rs);
  auto store = store_of(o);

  struct Outcome {
    long long pr;
    std::string folder, result, id, detail;
  };
  std::vector<Outcome> outcomes;
  int status = 0;
  if (o.import_add) {
    const Queue before = store.read();
    Settings learned_settings = settings;
    load_learned(learned_settings, store.file().string(), o.no_learn);
    PullCheckout co(o.checkout.empty() ? fs::current_path() : fs::path(o.checkout));
    // A folder of a fetched head, read, estimated and checked like `validate`.
    struct Checked {
      Request req;
      RequestEstimate est;
      RequestReport report;
    };
    auto check = [&](const fs::path& dir) {
      Checked c{load_request(dir, load_limits(settings.limits)), {}, {}};
      c.est = estimate_request(c.req, learned_settings, EstimateOptions{});
      RuleContext ctx{settings, &c.est, std::nullopt};
      c.report = make_report(c.req, run_rules(c.req, ctx, CheckOptions{}), &c.est);
      return c;
    };
    auto counts = [](const RequestReport& r) {
      return std::to_string(r.errors()) + " error(s), " + std::to_string(r.warnings()) + " warning(s)";
    };
    for (const auto& p : pulls) {
      if (p.folders.empty()) {
        outcomes.push_back({p.number, "", "skipped", "", "it changes no request folder"});
        continue;
      }
      PulledHead head;
      try {
        head = co.fetch_pull(p.number, p.folders);
      } catch (const UsageError& err) {
        outcomes.push_back({p.number, "", "not fetched", "", err.what()});
        continue;
      }
      const std::string short_head = head.commit.substr(0, 12);
      for (const auto& folder : p.folders) {
        const fs::path dir = head.root / folder;
        std::error_code ec;
        const std::string real = fs::weakly_canonical(dir, ec).string();
        const Entry* dup = nullptr;
        for (const auto& e : before.requests)
          if (is_active(e) && (e.folder == real || (e.pr == p.number && fs::path(e.folder).filename() == dir.filename())))
            dup = &e;
        if (dup && (dup->pr != p.number || dup->pr_head.empty() || dup->pr_head == head.commit)) {
          outcomes.push_back({p.number, folder, "already queued", dup->id,
                              dup->pr == p.number && dup->pr_head.empty()
                                  ? "queued before rwkvq recorded heads: not compared with " + short_head
                                  : ""});
          continue;
        }
        if (!fs::is_directory(dir, ec)) {
          if (dup) {  // queued, and the new head deletes it
            outcomes.push_back({p.number, folder, "head moved", dup->id,
                                "the head moved from " + dup->pr_head.substr(0, 12) + " to " + short_head +
                                    ", which deletes it: rwkvq queue cancel " + dup->id});
            status = 1;
          } else {
            outcomes.push_back({p.number, folder, "skipped", "", "the pull request deletes it"});
          }
          continue;
        }
        Checked c = check(dir);
        if (dup) {
          // The pull request moved since its request was queued: what was checked is not what
          // would run. A clean new head that has not started replaces the queued one; anything
          // else leaves the queue as it is, says why, and makes the import exit 1.
          const std::string moved = "the head moved from " + dup->pr_head.substr(0, 12) + " to " + short_head;
          auto started_in = [](const Entry& e) {
            return std::any_of(e.parts.begin(), e.parts.end(), [](const Part& part) { return part.state != PartState::Queued; });
          };
          const bool started = started_in(*dup);
          if (c.report.errors() > 0 || started) {
            outcomes.push_back({p.number, folder, "head moved", dup->id,
                                moved + (c.report.errors() > 0
                                             ? ", which has " + counts(c.report) + ": rwkvq validate " + dir.string()
                                             : " after a part started: the queued request stays as checked at " +
                                                   dup->pr_head.substr(0, 12))});
            status = 1;
            continue;
          }
          Entry fresh = make_entry(c.req, c.est, IntakeOptions{});
          const std::string id = dup->id;
          try {
            // Copies, not moves: a shared queue in git may apply the change again after a rejected push.
            store.transact([&](Queue& queue) {
              Entry* e = queue.find(id);
              if (!e || e->pr_head != dup->pr_head || started_in(*e))
                throw Refused(id + " changed while the pull request was checked");
              e->folder = fresh.folder;
              e->title = fresh.title;
              e->handle = fresh.handle;
              e->target = fresh.target;
              e->parts = fresh.parts;
              e->pr_author = p.author;
              e->pr_head = head.commit;
              e->history.push_back({now(), who(o), "head", 0,
                                    "pull request #" + std::to_string(p.number) + ": " + moved + ", re-validated: " +
                                        counts(c.report),
                                    std::nullopt});
              return true;
            }, /*create=*/false);
            outcomes.push_back({p.number, folder, "re-validated", id, moved + ": " + counts(c.report)});
          } catch (const Refused& err) {
            outcomes.push_back({p.number, folder, "head moved", id, moved + ": " + err.what()});
            status = 1;
          }
          continue;
        }
        if (c.report.errors() > 0) {
          outcomes.push_back({p.number, folder, "not queued", "",
                              std::to_string(c.report.errors()) + " error(s): rwkvq validate " + dir.string()});
          continue;
        }
        try {
          Entry entry = make_entry(c.req, c.est, IntakeOptions{});
          entry.pr = p.number;
          entry.pr_author = p.author;
          entry.pr_head = head.commit;
          ChangeInfo info{who(o), now(), "pull request #" + std::to_string(p.number) + " by " + p.author + " at " + short_head,
                          "", "", std::nullopt};
          std::string id;
          store.transact([&](Queue& queue) {
            id = add_entry(queue, entry, info);
            return true;
          }, /*create=*/true);
          outcomes.push_back({p.number, folder, "queued", id,
                              c.report.warnings() ? std::to_string(c.report.warnings()) + " warning(s)" : ""});
        } catch (const Refused& err) {
          outcomes.push_back({p.number, folder, "already queued", "", err.what()});
        }
      }
    }
  }

  if (o.format == "json") {
    ojson arr = ojson::array();
    for (const auto& p : pulls) {
      ojson j{{"number", p.number}, {"author", p.author}, {"title", p.title}, {"url", p.url},
              {"folders", p.folders}, {"files", p.files.size()}};
      if (o.import_add) {
        ojson added = ojson::array();
        for (const auto& oc : outcomes)
          if (oc.pr == p.number)
            added.push_back({{"folder", oc.folder}, {"result", oc.result},
                             {"id", oc.id.empty() ? ojson(nullptr) : ojson(oc.id)}, {"detail", oc.detail}});
        j["import"] = std::move(added);
      }
      arr.push_back(std::move(j));
    }
    print_json(ojson{{"repo", rs.repo}, {"base", rs.ref}, {"pulls", std::move(arr)}});
    return status;
  }
  std::ostringstream out;
  out << pulls.size() << " open training request pull request(s) into " << rs.repo << ":" << rs.ref << "\n";
  for (const auto& p : pulls) {
    out << "  #" << p.number << "  " << safe(p.author) << "  " << safe(p.title) << "\n";
    if (p.folders.empty()) out << "      (no request folder changed: " << p.files.size() << " file(s))\n";
    for (const auto& f : p.folders) out << "      " << safe(f) << "\n";
    for (const auto& oc : outcomes)
      if (oc.pr == p.number)
        out << "      -> " << (oc.folder.empty() ? std::string("") : safe(oc.folder) + ": ") << oc.result
            << (oc.id.empty() ? "" : " " + oc.id) << (oc.detail.empty() ? "" : " (" + safe(oc.detail) + ")") << "\n";
  }
  if (!o.import_add && !pulls.empty()) out << "nothing queued (--add fetches each head and queues the folders that validate)\n";
  std::cout << out.str();
  return status;
}

void runner_flags(CLI::App* cmd, QueueOptions& o) {
  cmd->add_option("--repo", o.repo, "GitHub repository OWNER/NAME (default: runner.repo, RWKV/RWKV-infctx-trainer)");
  cmd->add_option("--ref", o.branch, "Branch the workflow runs on / pull requests go into (default: runner.ref, rwkv-community-training)");
}

}  // namespace

void add_runner_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code) {
  auto* dispatch = q->add_subcommand(
      "dispatch", "Start a part on the programme's GitHub Actions runner (workflow_dispatch; needs GITHUB_TOKEN)");
  dispatch->add_option("ID", o->ref, "Request id, or one part: r12/part2 (default: its current part)")->required();
  runner_flags(dispatch, *o);
  dispatch->add_option("--workflow", o->workflow, "Workflow file (default: runner.workflow, notebook-run.yml)");
  dispatch->add_option("--lane", o->lane, "Input lanePrefence (default: runner.lane, lane2)");
  dispatch->add_option("--cuda", o->cuda, "Input cudaVersion (default: runner.cuda, 11-8)");
  dispatch->add_option("--hf-repo", o->hf_repo, "Input huggingFaceRepo (default: runner.hf_repo)");
  dispatch->add_option("--reason", o->reason, "Note for the history");
  dispatch->add_flag("--dry-run", o->dry_run, "Print the request (token masked); send nothing, change nothing");
  dispatch->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_dispatch(*o, g); }); });

  auto* sync = q->add_subcommand("sync", "Match dispatched parts to their workflow runs; record them, done/failed");
  sync->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_sync(*o, g); }); });

  auto* imp = q->add_subcommand("import", "List open [training request] pull requests; --add queues their folders");
  runner_flags(imp, *o);
  imp->add_flag("--add", o->import_add, "Fetch each pull request's head (libgit2) and queue the folders that validate");
  imp->add_option("--checkout", o->checkout, "Local clone to fetch into (default: the repository of the current folder)");
  imp->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_import(*o, g); }); });
}

}  // namespace rwkvq::cli::qcli
