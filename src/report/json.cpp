// JSON report: the stable, documented format (schemas/report.schema.json).
#include "rwkvq/report/report.h"

namespace rwkvq {
namespace {

nlohmann::ordered_json position(int v) {
  return v > 0 ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

}  // namespace

nlohmann::ordered_json report_json(const std::vector<RequestReport>& reports) {
  using json = nlohmann::ordered_json;
  json doc = json::object();
  doc["version"] = 1;
  json requests = json::array();
  int errors = 0, warnings = 0, infos = 0;
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
    for (const auto& f : r.findings) {
      json jf = json::object();
      jf["rule"] = f.rule;
      jf["severity"] = std::string(to_string(f.severity));
      jf["file"] = finding_path(r.path, f.loc);
      jf["line"] = position(f.loc.line);
      jf["column"] = position(f.loc.column);
      jf["cell"] = position(f.loc.cell);
      jf["cell_line"] = position(f.loc.cell_line);
      jf["message"] = f.message;
      jf["hint"] = f.hint;
      findings.push_back(std::move(jf));
    }
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

void write_json(std::ostream& out, const std::vector<RequestReport>& reports) {
  // Request text (file names, notebook lines) may be invalid UTF-8: replace, never throw.
  out << report_json(reports).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace rwkvq
