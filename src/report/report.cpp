// The report model shared by every output format, and the helpers they have in common.
#include "rwkvq/report/report.h"

#include <cstdio>

#include "rwkvq/estimate/estimate.h"
#include "rwkvq/request/request.h"

namespace rwkvq {

int RequestReport::count(Severity s) const {
  int n = 0;
  for (const auto& f : findings)
    if (f.severity == s) ++n;
  return n;
}

int PullRequestReport::count(Severity s) const {
  int n = 0;
  for (const auto& f : findings)
    if (f.severity == s) ++n;
  return n;
}

RequestReport make_report(const Request& req, std::vector<Finding> findings,
                          const RequestEstimate* estimate) {
  RequestReport r;
  r.path = req.folder.display_path;
  for (const auto& nb : req.notebooks) {
    NotebookSummary s;
    s.file = nb.notebook.rel;
    s.part = nb.part;
    s.request = nb.request_notebook;
    s.valid = !nb.notebook.error.has_value();
    s.cells = static_cast<int>(nb.notebook.cells.size());
    r.notebooks.push_back(std::move(s));
  }
  sort_findings(findings);
  r.findings = std::move(findings);
  if (estimate) r.target = estimate->target;
  return r;
}

std::optional<ReportFormat> parse_report_format(std::string_view name) {
  if (name == "text") return ReportFormat::Text;
  if (name == "json") return ReportFormat::Json;
  if (name == "github") return ReportFormat::Github;
  if (name == "sarif") return ReportFormat::Sarif;
  return std::nullopt;
}

std::string finding_path(std::string_view request_path, const Location& loc) {
  std::string base(request_path);
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  if (loc.file.empty()) return base.empty() ? std::string(".") : base;
  if (base.empty() || base == ".") return loc.file;
  if (base == "/") return "/" + loc.file;
  return base + "/" + loc.file;
}

std::string location_prefix(std::string_view request_path, const Location& loc) {
  std::string s = finding_path(request_path, loc);
  if (loc.line > 0) {
    s += ":" + std::to_string(loc.line);
    if (loc.column > 0) s += ":" + std::to_string(loc.column);
  }
  return s;
}

bool want_color(bool output_is_terminal, const char* no_color_env) {
  if (no_color_env != nullptr && no_color_env[0] != '\0') return false;
  return output_is_terminal;
}

namespace {
// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when it is not valid UTF-8.
std::size_t utf8_sequence(std::string_view s, std::size_t i, unsigned& cp) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    cp = c;
    return 1;
  }
  std::size_t n;
  unsigned min;
  if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07, min = 0x10000;
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(k) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

void hex_escape(std::string& out, unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", v & 0xFF);
  out += buf;
}
}  // namespace

std::string sanitize_for_terminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    // Printable ASCII and tabs, the whole of nearly every title and handle, go over in one piece.
    std::size_t plain = i;
    while (plain < text.size() && ((text[plain] >= 0x20 && text[plain] < 0x7F) || text[plain] == '\t')) ++plain;
    if (plain > i) {
      out.append(text.substr(i, plain - i));
      i = plain;
      continue;
    }
    unsigned cp = 0;
    std::size_t n = utf8_sequence(text, i, cp);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    if ((cp < 0x20 && cp != '\t') || cp == 0x7F) {
      hex_escape(out, cp);
    } else if (cp >= 0x80 && cp <= 0x9F) {  // C1 controls (8-bit CSI ...)
      out += "\\u00";
      char buf[4];
      std::snprintf(buf, sizeof buf, "%02x", cp);
      out += buf;
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

}  // namespace rwkvq
