#include "rwkvq/core/finding.h"

#include <algorithm>
#include <tuple>

namespace rwkvq {

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::Info: return "info";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

std::optional<Severity> parse_severity(std::string_view text) {
  std::string t(text);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "error") return Severity::Error;
  if (t == "warning" || t == "warn") return Severity::Warning;
  if (t == "info" || t == "note") return Severity::Info;
  return std::nullopt;
}

void sort_findings(std::vector<Finding>& findings) {
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.column, a.rule) <
           std::tie(b.loc.file, b.loc.line, b.loc.column, b.rule);
  });
}

}  // namespace rwkvq
