#pragma once
// Classifies each code cell line: Python, `!` shell, `%` line magic, body of a whole-cell shell
// magic (%%bash, %%sh, %%script bash), comment, blank. Continuation lines are joined.
#include <string>
#include <vector>

#include "rwkvq/request/notebook.h"

namespace rwkvq {

enum class LineKind { Blank, Comment, Python, Shell, LineMagic, CellMagic, ShellCellBody };

struct CodeLine {
  LineKind kind = LineKind::Blank;
  // Shell: the command without the leading '!' and with '\'-continuations joined;
  // LineMagic: without the leading '%'; ShellCellBody: one logical shell line of the cell;
  // Python: one logical Python line (bracket and '\' continuations joined), indentation kept.
  // CellMagic: the first line of a `%%name args` cell without the "%%". For %%bash, %%sh and
  // %%script bash|sh it is followed by the cell's ShellCellBody lines; for %%capture, %%time,
  // %%timeit (whose body is code) by the body classified normally; otherwise the rest of the
  // cell is not code and yields no lines. Shell: `!cmd`, `!!cmd` and `var = !cmd`.
  std::string text;
  int cell = 0;        // cell number (1-based)
  int cell_line = 0;   // 1-based line within the cell where the logical line starts
  int file_line = 0;   // position of that line in the .ipynb
  int file_column = 0;
  int indent = 0;      // columns of leading whitespace of the first line (tab = to next 8)
  std::string target;  // Shell/LineMagic of `var = !cmd` / `var = %magic`: "var" (or "a, b")
};

std::vector<CodeLine> classify_cell(const Cell& cell);

}  // namespace rwkvq
