// The Python evaluator and the vetting model: any text as one code cell, run statically with the
// shell and Python line handlers that load_request uses, plus eval_expr of the whole text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/python_eval.h"
#include "rwkvq/request/shell.h"
#include "rwkvq/request/vetting.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rwkvq::Cell cell;
  cell.number = 1;
  cell.type = rwkvq::CellType::Code;
  std::size_t b = 0;
  while (b <= text.size()) {
    std::size_t e = text.find('\n', b);
    if (e == std::string_view::npos) e = text.size();
    cell.lines.push_back({std::string(text.substr(b, e - b)), static_cast<int>(cell.lines.size() + 1), 1});
    b = e + 1;
  }
  auto lines = rwkvq::classify_cell(cell);
  rwkvq::PyEnv env;
  env.notebook_dir = "/repo/notebook/community/x";
  env.vars["PROJECT_DIR"] = rwkvq::Value::string("/repo");
  rwkvq::Vetting vet;
  rwkvq::VetBuilder vb(vet, "training-notebook.ipynb");
  rwkvq::exec_python_cell(
      lines, env,
      [&vb](const rwkvq::CodeLine& l, rwkvq::PyEnv& e, bool conditional) {
        rwkvq::Location loc{"training-notebook.ipynb", l.file_line, l.file_column, l.cell, l.cell_line};
        vb.shell_line(rwkvq::ipython_substitute_marked(l.text, e), loc, rwkvq::ShellOrigin::Bang, "",
                      e.current_dir(), conditional, true, vb.new_shell());
        vb.bang_fields(l, e, conditional, true);
      },
      [&vb](const rwkvq::CodeLine& l, const rwkvq::PyEnv& e, bool conditional) {
        vb.python_line(l, e, conditional, true);
      });
  (void)rwkvq::eval_expr(text, env);
  return 0;
}
