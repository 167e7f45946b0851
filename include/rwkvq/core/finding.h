#pragma once
// A finding: one problem (or note) about a request, with a stable rule id and a location.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {

enum class Severity { Info = 0, Warning = 1, Error = 2 };

std::string_view to_string(Severity s);
// "error", "warning", "info" (case-insensitive). nullopt for anything else.
std::optional<Severity> parse_severity(std::string_view text);

// Where a finding points. `file` is relative to the request folder ("training-notebook.ipynb",
// "sub/data.bin"); empty means the request folder itself. Reports join it with the request path.
struct Location {
  std::string file;
  int line = 0;       // 1-based line in `file`; 0 = the whole file
  int column = 0;     // 1-based column; 0 = unknown
  int cell = 0;       // notebook cell number, 1-based, counting every cell; 0 = not in a cell
  int cell_line = 0;  // 1-based line within that cell's source
};

struct Finding {
  std::string rule;  // "group/name"
  Severity severity = Severity::Error;
  Location loc;
  std::string message;  // what is wrong, in the contributor's words
  std::string hint;     // how to fix it
};

// Orders findings by file, line, column, rule: the order every report uses.
void sort_findings(std::vector<Finding>& findings);

}  // namespace rwkvq
