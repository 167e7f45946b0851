// `rwkvq queue add`: validate a request folder and queue it.
#include "cli/queue/common.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "rwkvq/core/error.h"
#include "rwkvq/estimate/estimate.h"
#include "rwkvq/queue/duration.h"
#include "rwkvq/queue/intake.h"
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli::qcli {
namespace {

int run_add(const QueueOptions& o, const GlobalOptions& g) {
  const Settings settings = resolve_settings(g);
  check_target(settings, o.target);
  std::error_code ec;
  if (!std::filesystem::is_directory(o.dir, ec))
    throw UsageError(o.dir + ": " + (std::filesystem::exists(o.dir, ec) ? "not a folder" : "no such folder"));
  auto store = store_of(o);
  Settings learned_settings = settings;
  load_learned(learned_settings, store.file().string(), o.no_learn);

  Request req = load_request(o.dir, load_limits(settings.limits));
  EstimateOptions eo;
  if (!o.target.empty()) eo.target = o.target;
  const RequestEstimate estimate = estimate_request(req, learned_settings, eo);
  std::optional<std::string> target;
  if (!o.target.empty()) target = o.target;
  RuleContext ctx{settings, &estimate, target};
  auto findings = run_rules(req, ctx, CheckOptions{});
  RequestReport report = make_report(req, std::move(findings), &estimate);
  if (report.errors() > 0) {
    if (o.format == "json") {
      print_json(ojson{{"added", false}, {"id", nullptr}, {"report", report_json({report})}});
    } else {
      TextOptions to;
      to.color = want_color(::isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
      write_text(std::cout, {report}, to);
    }
    std::cerr << "rwkvq: error: " << safe(o.dir) << ": not queued: the request has "
              << report.errors() << " error(s)\n";
    return 1;
  }

  IntakeOptions io;
  io.kind = o.kind;
  if (!o.target.empty()) io.target = o.target;
  io.boost = o.boost;
  Entry entry = make_entry(req, estimate, io);
  ChangeInfo info{who(o), now(), o.reason, "", "", std::nullopt};
  std::string id;
  Queue q = store.transact(
      [&](Queue& queue) {
        id = add_entry(queue, entry, info);
        return true;
      },
      /*create=*/true);
  const Entry& e = *q.find(id);
  if (o.format == "json") {
    print_json(ojson{{"added", true}, {"id", id}, {"queue", store.name()}, {"request", entry_json(e)}});
  } else {
    std::vector<std::string> hours;
    for (const auto& p : e.parts) hours.push_back(format_hours(p.hours));
    std::cout << id << "\n";
    std::cerr << "queued " << id << ": " << safe(e.title.empty() ? e.folder : e.title) << " ("
              << safe(e.handle.empty() ? "no handle" : e.handle) << ", " << e.kind << ", " << e.target
              << ", " << e.parts.size() << " part(s): " << join(hours, " + ") << ")";
    if (report.warnings() > 0) std::cerr << ", " << report.warnings() << " warning(s)";
    std::cerr << "\n";
  }
  return 0;
}

}  // namespace

void add_intake_commands(CLI::App* q, const Opts& o, GlobalOptions& g, int& exit_code) {
  auto* add = q->add_subcommand("add", "Validate a request folder and queue it (prints the new id)");
  add->add_option("DIR", o->dir, "Request folder")->required();
  add->add_option("--kind", o->kind, "rwkv-x, community-priority or community (default)")
      ->check(CLI::IsMember(known_kinds()));
  add->add_option("--target", o->target, "Runner target (default: the smallest one the request fits)");
  add->add_option("--boost", o->boost, "Initial manual boost (10 = the full boost weight)")
      ->check(CLI::Range(-1000000, 1000000));
  add->add_option("--reason", o->reason, "Note for the history");
  add->callback([o, &g, &exit_code] { guarded(exit_code, [&] { return run_add(*o, g); }); });
}

}  // namespace rwkvq::cli::qcli
