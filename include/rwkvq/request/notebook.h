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
  // With NotebookReadOptions::outputs: the text of the cell's outputs in order (stream "text",
  // and "text/plain" of results and displays); empty otherwise.
  std::string output_text;
};

struct ParseError {
  int line = 0;    // 1-based, in the file
  int column = 0;  // 1-based
  std::string message;
};

// One kind of breach of the nbformat 4 JSON schema of the notebook's minor version (4.0-4.5),
// found in the reader's single pass (notebook/schema reports them). Every place of the same kind
// counts into one problem; the first place is the one described.
struct SchemaProblem {
  std::string kind;     // the schema place and what is wrong: "cells[#].metadata:missing"
  std::string path;     // JSON path of the first place: "cells[3].metadata"
  int line = 0;         // of the first place in the file, 1-based
  int column = 0;
  int cell = 0;         // 1-based cell number of the first place; 0 = not inside a cell
  std::string message;  // the first place, in words ("cells[3].metadata is missing: ...")
  std::string fix;      // how to repair it
  int count = 0;        // places of this kind in the notebook
};

struct Notebook {
  std::string rel;                  // file relative to the request folder
  std::optional<ParseError> error;  // not JSON / not nbformat 4 / malformed cells
  int nbformat = 0;
  int nbformat_minor = -1;          // -1: missing or not an integer
  std::vector<Cell> cells;          // what could be read (empty when the JSON is broken)
  // Breaches of the nbformat 4.<minor> schema (a missing or invalid nbformat_minor is judged as
  // 4.0, a minor above 5 as 4.5 with unknown keys allowed, as nbformat's own validator does).
  // Filled only for nbformat 4 notebooks without `error`.
  std::vector<SchemaProblem> schema;
};

struct NotebookReadOptions {
  bool outputs = false;  // keep the text of the outputs (Cell::output_text); validate never does
};

// Parses bytes of an .ipynb (and checks it against the nbformat 4 schema in the same pass). Accepts a UTF-8 BOM and CRLF; `source` as a list of strings or one
// string. Never throws; problems go to Notebook::error. Iterative (no recursion), so deeply
// nested input cannot overflow the stack.
Notebook parse_notebook(std::string rel, std::string_view bytes, NotebookReadOptions options = {});

// Fills Cell::output_text of an already parsed notebook from the same bytes (what
// NotebookReadOptions::outputs does; src/request/notebook_outputs.cpp).
void read_notebook_output_text(Notebook& nb, std::string_view bytes);

}  // namespace rwkvq
