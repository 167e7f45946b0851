// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), for GitHub code scanning.
// Only the properties of schemas/sarif-2.1.0-subset.schema.json are written.
#include <filesystem>
#include <optional>

#include "rwkvq/report/report.h"

namespace rwkvq {
namespace {

using json = nlohmann::ordered_json;

std::string_view level(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "note";
  }
  return "error";
}

// The artifactLocation of `path` (absolute, or relative to `opt.current_dir`); `folder` when it
// names the request folder rather than a file.
json artifact_location(const std::string& path, bool folder, const SarifOptions& opt) {
  namespace fs = std::filesystem;
  fs::path p(path);
  if (p.is_relative()) p = fs::path(opt.current_dir) / p;
  p = p.lexically_normal();
  std::string rel = p.lexically_relative(fs::path(opt.source_root).lexically_normal()).generic_string();
  json a = json::object();
  if (rel.empty() || rel == ".." || rel.rfind("../", 0) == 0) {  // outside the source root
    std::string abs = p.generic_string();
    if (folder && !abs.empty() && abs.back() != '/') abs += '/';
    a["uri"] = "file://" + sarif_uri_encode(abs);
    return a;
  }
  if (rel == ".") rel.clear();
  while (!rel.empty() && rel.back() == '/') rel.pop_back();
  if (folder) rel += rel.empty() ? "./" : "/";
  a["uri"] = sarif_uri_encode(rel);
  a["uriBaseId"] = "%SRCROOT%";
  return a;
}

// `path`: the file the result points at (null: none); `scope`: "folder" or "pull request" when the
// finding is about the request folder or the pull request as a whole and `path` is only its
// anchor (GitHub code scanning rejects a whole upload when one result has no file location).
json result_json(const Finding& f, const std::string* path, const SarifOptions& opt,
                 const std::vector<SarifRule>& rules, const char* scope = nullptr) {
  json r = json::object();
  r["ruleId"] = f.rule;
  for (std::size_t i = 0; i < rules.size(); ++i)
    if (rules[i].id == f.rule) {
      r["ruleIndex"] = static_cast<int>(i);
      break;
    }
  r["level"] = std::string(level(f.severity));
  std::string text = f.message;
  if (!f.hint.empty()) text += "\nhint: " + f.hint;
  r["message"] = {{"text", text}};
  if (path) {
    json phys = json::object();
    phys["artifactLocation"] = artifact_location(*path, !scope && f.loc.file.empty(), opt);
    if (!scope && f.loc.line > 0) {
      json region = json::object();
      region["startLine"] = f.loc.line;
      if (f.loc.column > 0) region["startColumn"] = f.loc.column;
      phys["region"] = std::move(region);
    }
    r["locations"] = json::array({json{{"physicalLocation", std::move(phys)}}});
  }
  json props = json::object();
  if (scope) props["scope"] = scope;
  if (f.loc.cell > 0) {
    props["cell"] = f.loc.cell;
    if (f.loc.cell_line > 0) props["cellLine"] = f.loc.cell_line;
  }
  if (!props.empty()) r["properties"] = std::move(props);
  return r;
}

}  // namespace

std::string sarif_uri_encode(std::string_view path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (unsigned char c : path) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '.' || c == '_' || c == '~' || c == '/';
    if (keep) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
}

json report_sarif(const std::vector<RequestReport>& reports, const SarifOptions& opt, const PullRequestReport* pr) {
  json driver = json::object();
  driver["name"] = "rwkvq";
  driver["version"] = opt.tool_version;
  driver["informationUri"] = "https://github.com/RWKV/rwkvq";
  json rules = json::array();
  for (const auto& rule : opt.rules) {
    json d = json::object();
    d["id"] = rule.id;
    d["shortDescription"] = {{"text", rule.summary}};
    d["help"] = {{"text", rule.summary + " (`rwkvq rules` lists every check; severities can be changed in "
                                         "rwkvq.yaml under rules:)"}};
    d["defaultConfiguration"] = {{"level", std::string(level(rule.severity))}};
    rules.push_back(std::move(d));
  }
  driver["rules"] = std::move(rules);

  // Where a finding about a whole request folder, or the pull request itself, is anchored: the
  // folder's first notebook; for the pull request the first request's, else its first changed file.
  auto folder_anchor = [](const RequestReport& r) -> std::optional<std::string> {
    if (r.notebooks.empty()) return std::nullopt;
    Location l;
    l.file = r.notebooks.front().file;
    return finding_path(r.path, l);
  };
  json results = json::array();
  if (pr) {
    std::optional<std::string> anchor;
    for (const auto& r : reports)
      if ((anchor = folder_anchor(r))) break;
    if (!anchor && !pr->changed_files.empty())
      anchor = (std::filesystem::path(opt.source_root) / pr->changed_files.front()).generic_string();
    for (const auto& f : pr->findings) {
      if (f.loc.file.empty()) {  // about the pull request itself (its title)
        results.push_back(result_json(f, anchor ? &*anchor : nullptr, opt, opt.rules, "pull request"));
      } else {
        // Relative to the repository root already: resolve against it, not the current folder.
        std::string path = (std::filesystem::path(opt.source_root) / f.loc.file).generic_string();
        results.push_back(result_json(f, &path, opt, opt.rules));
      }
    }
  }
  for (const auto& r : reports) {
    std::optional<std::string> anchor = folder_anchor(r);
    for (const auto& f : r.findings) {
      if (f.loc.file.empty() && anchor) {
        results.push_back(result_json(f, &*anchor, opt, opt.rules, "folder"));
        continue;
      }
      std::string path = finding_path(r.path, f.loc);
      results.push_back(result_json(f, &path, opt, opt.rules));
    }
  }

  json run = json::object();
  run["tool"] = {{"driver", std::move(driver)}};
  run["columnKind"] = "unicodeCodePoints";
  run["results"] = std::move(results);
  json doc = json::object();
  doc["$schema"] = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
  doc["version"] = "2.1.0";
  doc["runs"] = json::array({std::move(run)});
  return doc;
}

void write_sarif(std::ostream& out, const std::vector<RequestReport>& reports, const SarifOptions& opt,
                 const PullRequestReport* pr) {
  // Request text (file names, notebook lines) may be invalid UTF-8: replace, never throw.
  out << report_sarif(reports, opt, pr).dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace rwkvq
