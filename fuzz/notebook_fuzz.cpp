// The notebook reader: any bytes as an .ipynb, then every code cell classified.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rwkvq/request/code_lines.h"
#include "rwkvq/request/notebook.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  rwkvq::Notebook nb = rwkvq::parse_notebook("training-notebook.ipynb", bytes);
  for (const rwkvq::Cell& c : nb.cells)
    if (c.type == rwkvq::CellType::Code) (void)rwkvq::classify_cell(c);
  return 0;
}
