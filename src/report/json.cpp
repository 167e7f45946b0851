// JSON report: the stable, documented format (schemas/report.schema.json).
#include "rwkvq/report/report.h"

namespace rwkvq {
namespace {

nlohmann::ordered_json position(int v) {
  return v > 0 ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json finding_json(std::string_view base, const Finding& f) {
  nlohmann::ordered_json jf = nlohmann::ordered_json::object();
  jf["rule"] = f.rule;
  jf["severity"] = std::string(to_string(f.severity));
  jf["file"] = finding_path(base, f.loc);
  jf["line"] = position(f.loc.line);
  jf["column"] = position(f.loc.column);
  jf["cell"] = position(f.loc.cell);
  jf["cell_line"] = position(f.loc.cell_line);
  jf["message"] = f.message;
  jf["hint"] = f.hint;
  return jf;
}

}  // namespace

nlohmann::ordered_json report_json(const std::vector<RequestReport>& reports, const PullRequestReport* pr) {
  using json = nlohmann::ordered_json;
  json doc = json::object();
  doc["version"] = 1;
  int errors = 0, warnings = 0, infos = 0;
  if (pr) {
    json p = json::object();
    p["base"] = pr->base;
    p["merge_base"] = pr->merge_base;
    p["head"] = pr->head;
    p["commits"] = pr->commits;
    p["changed_files"] = pr->changed_files;
    p["folders"] = pr->folders;
    json findings = json::array();
    for (const auto& f : pr->findings) findings.push_back(finding_json("", f));
    p["findings"] = std::move(findings);
    p["errors"] = pr->errors();
    p["warnings"] = pr->warnings();
    p["infos"] = pr->infos();
    errors += pr->errors();
    warnings += pr->warnings();
    infos += pr->infos();
    doc["pr"] = std::move(p);
  }
  json requests = json::array();
  for (const auto& r : reports) {
    json req = json::object();
    req["path"] = r.path;
    req["target"] = r.target.empty() ? json(nullptr) : json(r.target);
    json notebooks = json::array();
    for (const auto& nb : r.notebooks) {
      notebooks.push_back({{"file", nb.file},
                           {"part", nb.part},
                           {"request", nb.request},
                           {"valid", nb.valid},
                           {"cells", nb.cells}});
    }
    req["notebooks"] = std::move(notebooks);
    json findings = json::array();
    for (const auto& f : r.findings) findings.push_back(finding_json(r.path, f));
    req["findings"] = std::move(findings);
    req["errors"] = r.errors();
    req["warnings"] = r.warnings();
    req["infos"] = r.infos();
    errors += r.errors();
    warnings += r.warnings();
    infos += r.infos();
    requests.push_back(std::move(req));
  }
  doc["requests"] = std::move(requests);
  doc["errors"] = errors;
  doc["warnings"] = warnings;
  doc["infos"] = infos;
  return doc;
}

void write_json(std::ostream& out, const std::vector<RequestReport>& reports, const PullRequestReport* pr) {
  // Request text (file names, notebook lines) may be invalid UTF-8: replace, never throw.
  out << report_json(reports, pr).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace rwkvq
