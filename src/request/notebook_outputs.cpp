// NotebookReadOptions::outputs: the text of each cell's outputs, for `rwkvq calibrate`.
#include "rwkvq/request/notebook.h"

#include <nlohmann/json.hpp>

namespace rwkvq {

// NotebookReadOptions::outputs: the text of each cell's outputs (stream "text", data "text/plain";
// a string or a list of strings), read by a second parse of the whole document. Only `rwkvq
// calibrate` asks for it, on executed notebooks, so validate's single pass stays as it is. The
// cells are the same ones, in the same order, as the first pass read them.
void read_notebook_output_text(Notebook& nb, std::string_view bytes) {
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  const nlohmann::json doc = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return;
  const auto cells = doc.find("cells");
  if (cells == doc.end() || !cells->is_array()) return;
  auto append = [](std::string& out, const nlohmann::json& v) {
    if (v.is_string()) {
      out += v.get_ref<const std::string&>();
    } else if (v.is_array()) {
      for (const auto& item : v)
        if (item.is_string()) out += item.get_ref<const std::string&>();
    }
  };
  for (std::size_t i = 0; i < cells->size() && i < nb.cells.size(); ++i) {
    const auto& cell = (*cells)[i];
    if (!cell.is_object()) continue;
    const auto outputs = cell.find("outputs");
    if (outputs == cell.end() || !outputs->is_array()) continue;
    for (const auto& o : *outputs) {
      if (!o.is_object()) continue;
      if (const auto t = o.find("text"); t != o.end()) append(nb.cells[i].output_text, *t);
      if (const auto d = o.find("data"); d != o.end() && d->is_object())
        if (const auto t = d->find("text/plain"); t != d->end()) append(nb.cells[i].output_text, *t);
    }
  }
}

}  // namespace rwkvq
