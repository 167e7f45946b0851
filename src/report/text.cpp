// Compiler-like text report.
#include <string>

#include "rwkvq/report/report.h"
#include "rwkvq/util/strings.h"

namespace rwkvq {
namespace {

struct Style {
  bool on;
  std::string operator()(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return "\x1b[" + std::string(code) + "m" + std::string(text) + "\x1b[0m";
  }
};

constexpr std::string_view kBold = "1";
constexpr std::string_view kRed = "1;31";
constexpr std::string_view kMagenta = "1;35";
constexpr std::string_view kCyan = "1;36";
constexpr std::string_view kGreen = "32";
constexpr std::string_view kDim = "2";

std::string_view severity_colour(Severity s) {
  switch (s) {
    case Severity::Error: return kRed;
    case Severity::Warning: return kMagenta;
    case Severity::Info: return kCyan;
  }
  return kRed;
}

std::string plural(int n, std::string_view word) {
  std::string s = std::to_string(n) + " " + std::string(word);
  if (n != 1) s += "s";
  return s;
}

// Writes indent + label + text; continuation lines of a multi-line text are aligned under the
// first line's text (`label_width` = visible width of the label, without colour codes).
void write_block(std::ostream& out, std::string_view indent, const std::string& label,
                 std::size_t label_width, std::string_view text) {
  auto lines = split(text, '\n');
  bool first = true;
  for (auto& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out << indent << (first ? label : std::string(label_width, ' ')) << sanitize_for_terminal(line)
        << "\n";
    first = false;
  }
}

void write_finding(std::ostream& out, const Style& st, const std::string& where, const Finding& f) {
  std::string head = sanitize_for_terminal(where) + ":";
  // A multi-line message: first line on the header, the rest indented below it.
  std::string_view first_line = f.message, rest;
  if (auto nl = first_line.find('\n'); nl != std::string_view::npos) {
    rest = first_line.substr(nl + 1);
    first_line = first_line.substr(0, nl);
    if (!first_line.empty() && first_line.back() == '\r') first_line.remove_suffix(1);
  }
  std::string message = sanitize_for_terminal(first_line);
  out << st(kBold, head) << " " << st(severity_colour(f.severity), std::string(to_string(f.severity)) + ":")
      << " " << st(kBold, message) << " " << st(kDim, "[" + sanitize_for_terminal(f.rule) + "]")
      << "\n";
  if (!rest.empty()) write_block(out, "  ", "", 0, rest);
  if (!f.hint.empty()) write_block(out, "  ", st(kGreen, "hint:") + " ", 6, f.hint);
  if (f.loc.cell > 0) {
    out << "  in cell " << f.loc.cell;
    if (f.loc.cell_line > 0) out << ", line " << f.loc.cell_line;
    out << "\n";
  }
}

template <class R>
std::string counts(const R& r, const Style& st) {
  std::vector<std::string> parts;
  if (r.errors()) parts.push_back(st(kRed, plural(r.errors(), "error")));
  if (r.warnings()) parts.push_back(st(kMagenta, plural(r.warnings(), "warning")));
  if (parts.empty()) {
    std::string s = st(kGreen, "ok");
    if (r.infos()) s += " (" + plural(r.infos(), "note") + ")";
    return s;
  }
  if (r.infos()) parts.push_back(plural(r.infos(), "note"));
  return join(parts, ", ");
}

std::string pr_label(const PullRequestReport& pr) {
  std::string s = "pull request (" + pr.head_name + ": " + plural(pr.commits, "commit") + " on " + pr.base +
                  " since " + pr.merge_base.substr(0, 7) + ", " + plural(static_cast<int>(pr.changed_files.size()), "file") +
                  " changed)";
  return sanitize_for_terminal(s);
}

}  // namespace

std::string pr_summary_line(const PullRequestReport& pr) { return pr_label(pr) + ": " + counts(pr, Style{false}); }

std::string summary_line(const RequestReport& report) {
  return sanitize_for_terminal(finding_path(report.path, {})) + ": " + counts(report, Style{false});
}

void write_text(std::ostream& out, const std::vector<RequestReport>& reports,
                const TextOptions& opt, const PullRequestReport* pr) {
  Style st{opt.color};
  if (pr) {
    for (const auto& f : pr->findings)
      write_finding(out, st, f.loc.file.empty() ? std::string("pull request") : location_prefix("", f.loc), f);
    out << st(kBold, pr_label(*pr) + ":") << " " << counts(*pr, st) << "\n";
  }
  int failed = 0, errors = 0, warnings = 0;
  for (const auto& r : reports) {
    for (const auto& f : r.findings) write_finding(out, st, location_prefix(r.path, f.loc), f);
    out << st(kBold, sanitize_for_terminal(finding_path(r.path, {})) + ":") << " " << counts(r, st)
        << "\n";
    if (r.errors()) ++failed;
    errors += r.errors();
    warnings += r.warnings();
  }
  if (reports.size() > 1) {
    out << plural(static_cast<int>(reports.size()), "request") << ": "
        << (failed ? st(kRed, std::to_string(failed) + " rejected") : st(kGreen, "all ok"));
    if (failed && failed < static_cast<int>(reports.size()))
      out << ", " << (reports.size() - static_cast<std::size_t>(failed)) << " ok";
    out << " (" << plural(errors, "error") << ", " << plural(warnings, "warning") << ")\n";
  }
}

}  // namespace rwkvq
