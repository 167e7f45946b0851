#pragma once
// Reports of `rwkvq validate`: the findings of each request rendered as compiler-like text,
// as JSON (schemas/report.schema.json) or as GitHub Actions annotations. Pure formatting: the
// caller decides where the output goes and whether colour is wanted (want_color()).
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "rwkvq/core/finding.h"

namespace rwkvq {

struct Request;
struct RequestEstimate;

// One notebook of a request, as listed in the report.
struct NotebookSummary {
  std::string file;      // relative to the request folder
  int part = 0;          // k of training-notebook-partk.ipynb; 0 otherwise
  bool request = false;  // training-notebook.ipynb or a part (not some other .ipynb)
  bool valid = true;     // parsed as nbformat 4
  int cells = 0;
};

// Everything reported about one request folder.
struct RequestReport {
  std::string path;  // the folder as the user named it ("examples/requests/x")
  std::vector<NotebookSummary> notebooks;
  std::vector<Finding> findings;  // in report order (sort_findings)
  std::string target;             // target the estimates were made for; "" = none

  int count(Severity s) const;
  int errors() const { return count(Severity::Error); }
  int warnings() const { return count(Severity::Warning); }
  int infos() const { return count(Severity::Info); }
};

// `validate --pr`: the contributor's branch (DESIGN §8) and the findings about it as a whole
// (git/changes-outside, git/several-requests, git/pr-title). Paths are relative to the
// repository root; a finding with no file (the title) is about the pull request itself.
struct PullRequestReport {
  std::string base;        // the base branch as given or found
  std::string merge_base;  // full commit ids
  std::string head;
  std::string head_name;   // the branch checked out ("HEAD" when detached)
  int commits = 0;         // commits since the merge base
  std::vector<std::string> changed_files;
  std::vector<std::string> folders;  // the request folders validated
  std::vector<Finding> findings;     // in report order (sort_findings)

  int count(Severity s) const;
  int errors() const { return count(Severity::Error); }
  int warnings() const { return count(Severity::Warning); }
  int infos() const { return count(Severity::Info); }
};

// Builds the report of a loaded request: its notebooks, the findings (sorted), the chosen target.
RequestReport make_report(const Request& req, std::vector<Finding> findings,
                          const RequestEstimate* estimate);

enum class ReportFormat { Text, Json, Github, Sarif };
// "text", "json", "github", "sarif"; nullopt for anything else.
std::optional<ReportFormat> parse_report_format(std::string_view name);

// The path a finding points at, as the user would type it: the request folder joined with the
// finding's file ("examples/requests/x/training-notebook.ipynb"); the folder itself when the
// finding has no file.
std::string finding_path(std::string_view request_path, const Location& loc);

// "path:line:col" (line/column left out where unknown).
std::string location_prefix(std::string_view request_path, const Location& loc);

// Colour is used only when the output is a terminal and NO_COLOR is unset or empty
// (https://no-color.org). `no_color_env` is getenv("NO_COLOR").
bool want_color(bool output_is_terminal, const char* no_color_env);

// Text that came from a request (file names, notebook lines) can hold terminal escape
// sequences: control characters (other than tab) are shown as \xNN, invalid UTF-8 as U+FFFD.
std::string sanitize_for_terminal(std::string_view text);

struct TextOptions {
  bool color = false;
};

// Compiler-like text:
//   path:line:col: error: message [rule/id]
//     hint: how to fix it
//     in cell N, line M
// then one summary line per request ("path: 2 errors, 1 warning" / "path: ok"), and a total
// line when more than one request was validated.
// With `pr`: its findings first (paths relative to the repository root; "pull request" for one
// about the pull request itself), then its summary line
//   pull request (my-branch: 3 commits on rwkv-community-training since 1a2b3c4): 1 error
// then the requests as above.
void write_text(std::ostream& out, const std::vector<RequestReport>& reports,
                const TextOptions& opt = {}, const PullRequestReport* pr = nullptr);
// The pull request's summary line, without colour.
std::string pr_summary_line(const PullRequestReport& pr);
// The summary of one request, without colour: "path: 2 errors, 1 warning", "path: ok".
std::string summary_line(const RequestReport& report);

// The JSON document (schemas/report.schema.json):
// {"version": 1, "requests": [{"path", "target", "notebooks": [...], "findings": [{"rule",
//  "severity", "file", "line", "column", "cell", "cell_line", "message", "hint"}], "errors",
//  "warnings", "infos"}], "errors", "warnings", "infos"}
// Unknown line/column/cell/cell_line are null; "file" is finding_path().
// With `pr`, a "pr" object follows "version": {"base", "merge_base", "head", "commits",
// "changed_files", "folders", "findings", "errors", "warnings", "infos"}, and the top-level
// counts include its findings.
nlohmann::ordered_json report_json(const std::vector<RequestReport>& reports,
                                   const PullRequestReport* pr = nullptr);
// Writes report_json() indented, invalid UTF-8 replaced (never throws on request text).
void write_json(std::ostream& out, const std::vector<RequestReport>& reports,
                const PullRequestReport* pr = nullptr);

// GitHub Actions workflow commands, one per finding:
//   ::error file=path,line=L,col=C,title=rule/id::message%0Ahint: …
// error -> ::error, warning -> ::warning, info -> ::notice.
// The pull request's findings come first, file= relative to the repository root (left out for a
// finding about the pull request itself, such as its title).
void write_github(std::ostream& out, const std::vector<RequestReport>& reports,
                  const PullRequestReport* pr = nullptr);
// Escaping of GitHub workflow commands: data escapes % \r \n; property values also : and ,.
std::string github_escape_data(std::string_view text);
std::string github_escape_property(std::string_view text);

// SARIF 2.1.0 (OASIS; GitHub code scanning), src/report/sarif.cpp. The properties written are
// those of schemas/sarif-2.1.0-subset.schema.json.
struct SarifRule {
  std::string id;
  Severity severity = Severity::Error;  // the rule's default (defaultConfiguration.level)
  std::string summary;                  // shortDescription.text and help.text
};
struct SarifOptions {
  std::string tool_version;      // tool.driver.version
  std::vector<SarifRule> rules;  // every registered rule: tool.driver.rules, in this order
  // Absolute paths, both generic ("/"): URIs are relative to `source_root` (uriBaseId
  // %SRCROOT%); request paths (RequestReport::path) are relative to `current_dir` unless
  // absolute. The pull request's findings are relative to `source_root` already. A file outside
  // `source_root` gets an absolute file:// URI.
  std::string source_root;
  std::string current_dir;
};
// One run: tool.driver {name "rwkvq", version, informationUri, rules}, then one result per
// finding (the pull request's first): ruleId, ruleIndex, level (error / warning / note for info),
// message.text (the message, then "hint: …" on its own line), a physical location (uri, and a
// region startLine/startColumn where known: for a notebook the line and column in the .ipynb
// file itself, the cell and its line in the result's property bag as "cell", "cellLine").
// GitHub code scanning rejects a whole upload when one result has no file location, so a finding
// about a whole request folder points at the folder's first notebook (the folder itself when it
// has none) and one about the pull request (its title) at the first request's first notebook,
// else the first changed file; both with "scope" ("folder" / "pull request") in the property bag
// and no region.
nlohmann::ordered_json report_sarif(const std::vector<RequestReport>& reports, const SarifOptions& opt,
                                    const PullRequestReport* pr = nullptr);
void write_sarif(std::ostream& out, const std::vector<RequestReport>& reports, const SarifOptions& opt,
                 const PullRequestReport* pr = nullptr);
// A relative path as a URI reference: bytes other than ALPHA DIGIT - . _ ~ / are %XX-encoded.
std::string sarif_uri_encode(std::string_view path);

}  // namespace rwkvq
