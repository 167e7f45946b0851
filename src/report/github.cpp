// GitHub Actions workflow commands (annotations on the pull request's files).
// https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
#include "rwkvq/report/report.h"

namespace rwkvq {
namespace {

// GitHub's escaping: % CR LF in data, and also : , in property values. Other control characters
// would reach the log verbatim: they are shown as \xNN (sanitize_for_terminal).
std::string escape(std::string_view text, bool property) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  auto flush = [&](std::size_t end) { out += sanitize_for_terminal(text.substr(start, end - start)); };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char* code = nullptr;
    switch (text[i]) {
      case '%': code = "%25"; break;
      case '\r': code = "%0D"; break;
      case '\n': code = "%0A"; break;
      case ':': code = property ? "%3A" : nullptr; break;
      case ',': code = property ? "%2C" : nullptr; break;
      default: break;
    }
    if (!code) continue;
    flush(i);
    out += code;
    start = i + 1;
  }
  flush(text.size());
  return out;
}

std::string_view command(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Info: return "notice";
  }
  return "error";
}

}  // namespace

std::string github_escape_data(std::string_view text) { return escape(text, false); }
std::string github_escape_property(std::string_view text) { return escape(text, true); }

namespace {
void write_finding(std::ostream& out, std::string_view base, const Finding& f, bool with_file) {
  out << "::" << command(f.severity) << " ";
  if (with_file) {
    out << "file=" << github_escape_property(finding_path(base, f.loc));
    if (f.loc.line > 0) {
      out << ",line=" << f.loc.line;
      if (f.loc.column > 0) out << ",col=" << f.loc.column;
    }
    out << ",";
  }
  out << "title=" << github_escape_property(f.rule) << "::";
  std::string data = f.message;
  if (f.loc.cell > 0) {
    data += " (cell " + std::to_string(f.loc.cell);
    if (f.loc.cell_line > 0) data += ", line " + std::to_string(f.loc.cell_line);
    data += ")";
  }
  if (!f.hint.empty()) data += "\nhint: " + f.hint;
  out << github_escape_data(data) << "\n";
}
}  // namespace

void write_github(std::ostream& out, const std::vector<RequestReport>& reports, const PullRequestReport* pr) {
  if (pr)
    for (const auto& f : pr->findings) write_finding(out, "", f, !f.loc.file.empty());
  for (const auto& r : reports)
    for (const auto& f : r.findings) write_finding(out, r.path, f, true);
}

}  // namespace rwkvq
