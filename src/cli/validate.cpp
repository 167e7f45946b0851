// `rwkvq validate DIR... [--format text|json|github] [--strict] [--target T]`
//
// Each folder is loaded, estimated and checked on its own. Exit code: 2 when any folder could not
// be used at all (missing, not a folder, unreadable), else 1 when any request has errors (with
// --strict, warnings count as errors), else 0. Folders that could be read are still reported when
// another one is missing, so a typo in one path does not hide the findings of the rest, but the
// run never passes; the missing folder is named on stderr ("rwkvq: error: PATH: no such folder")
// and left out of the report (stdout stays one valid JSON document with --format json).
#include <spdlog/spdlog.h>
#include <unistd.h>

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
#include "rwkvq/report/report.h"
#include "rwkvq/request/request.h"
#include "rwkvq/rules/rule.h"
#include "rwkvq/util/strings.h"

namespace rwkvq::cli {
namespace {

struct ValidateOptions {
  std::vector<std::string> dirs;
  std::string format = "text";
  bool strict = false;
  std::string target;
};

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
  if (st.type() != fs::file_type::directory) {
    if (ends_with(dir, ".ipynb") || ends_with(dir, ".yaml") || ends_with(dir, ".yml"))
      return "not a folder (give the request folder that contains this file)";
    return "not a folder";
  }
  return std::nullopt;
}

int run_validate(const ValidateOptions& opt, const GlobalOptions& g) {
  auto format = parse_report_format(opt.format);
  if (!format) throw UsageError("unknown --format '" + opt.format + "' (text, json or github)");
  Settings settings = resolve_settings(g);
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

  bool unusable = false;
  std::vector<RequestReport> reports;
  for (const auto& dir : opt.dirs) {
    if (auto why = unusable_folder(dir)) {
      std::cerr << "rwkvq: error: " << sanitize_for_terminal(dir) << ": " << *why << "\n";
      unusable = true;
      continue;
    }
    try {
      Request req = load_request(dir);
      EstimateOptions eo;
      eo.target = target;
      RequestEstimate estimate = estimate_request(req, settings, eo);
      RuleContext ctx{settings, &estimate, target};
      CheckOptions co;
      co.strict = opt.strict;
      auto findings = run_rules(req, ctx, co);
      spdlog::debug("{}: {} findings", dir, findings.size());
      reports.push_back(make_report(req, std::move(findings), &estimate));
    } catch (const UsageError& e) {
      std::cerr << "rwkvq: error: " << sanitize_for_terminal(e.what()) << "\n";
      unusable = true;
    } catch (const InputError& e) {
      std::cerr << "rwkvq: error: " << sanitize_for_terminal(e.what()) << "\n";
      unusable = true;
    } catch (const std::exception& e) {
      // A bug, not the request's fault: say so, keep going with the other folders.
      std::cerr << "rwkvq: internal error: " << sanitize_for_terminal(dir) << ": "
                << sanitize_for_terminal(e.what()) << "\n";
      unusable = true;
    }
  }

  switch (*format) {
    case ReportFormat::Text: {
      TextOptions to;
      to.color = want_color(::isatty(STDOUT_FILENO) == 1, std::getenv("NO_COLOR"));
      write_text(std::cout, reports, to);
      break;
    }
    case ReportFormat::Json: write_json(std::cout, reports); break;
    case ReportFormat::Github: write_github(std::cout, reports); break;
  }
  std::cout.flush();

  if (unusable) return 2;
  for (const auto& r : reports)
    if (r.errors() > 0 || (opt.strict && r.warnings() > 0)) return 1;
  return 0;
}

}  // namespace

void add_validate_command(CLI::App& app, GlobalOptions& g, int& exit_code) {
  auto opt = std::make_shared<ValidateOptions>();
  auto* cmd = app.add_subcommand("validate", "Check request folders against the programme's rules");
  cmd->add_option("DIR", opt->dirs, "Request folder(s), e.g. notebook/community/my-run")
      ->required();
  cmd->add_option("--format", opt->format, "Output: text (default), json or github")
      ->check(CLI::IsMember({"text", "json", "github"}));
  cmd->add_flag("--strict", opt->strict, "Warnings fail the request too");
  cmd->add_option("--target", opt->target,
                  "Runner target to estimate for (1x24vgb, 8x24vgb ...); default: the smallest "
                  "that fits");
  cmd->footer(
      "Exit status: 0 no errors, 1 a request has errors (or warnings with --strict),\n"
      "2 bad usage or a folder that cannot be read (the others are still reported).");
  cmd->callback([opt, &g, &exit_code] { exit_code = run_validate(*opt, g); });
}

}  // namespace rwkvq::cli
