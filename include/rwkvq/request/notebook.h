#pragma once
// The notebook as a typed structure: nbformat 4 JSON -> cells -> source lines, each line with
// its position in the .ipynb file. Outputs are skipped while parsing (never held in memory).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {

struct SourceLine {
  std::string text;     // decoded, without the trailing "\n" / "\r\n"
  int file_line = 0;    // 1-based line of the .ipynb where this line's text starts
  int file_column = 0;  // 1-based column there
};

enum class CellType { Markdown, Code, Raw, Other };

struct Cell {
  int number = 0;  // 1-based, counting every cell of the notebook
  CellType type = CellType::Other;
  std::vector<SourceLine> lines;
  int file_line = 0;  // where the cell object starts in the .ipynb
};

struct ParseError {
  int line = 0;    // 1-based, in the file
  int column = 0;  // 1-based
  std::string message;
};

struct Notebook {
  std::string rel;                  // file relative to the request folder
  std::optional<ParseError> error;  // not JSON / not nbformat 4 / malformed cells
  int nbformat = 0;
  std::vector<Cell> cells;          // what could be read (empty when the JSON is broken)
};

// Parses bytes of an .ipynb. Accepts a UTF-8 BOM and CRLF; `source` as a list of strings or one
// string. Never throws; problems go to Notebook::error. Iterative (no recursion), so deeply
// nested input cannot overflow the stack.
Notebook parse_notebook(std::string rel, std::string_view bytes);

}  // namespace rwkvq
