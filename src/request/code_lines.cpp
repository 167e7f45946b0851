// STUB: to be replaced by the real implementation.
#include "rwkvq/request/code_lines.h"
#include <stdexcept>
namespace rwkvq {

std::vector<CodeLine> classify_cell(const Cell&) { return {}; }
}  // namespace rwkvq
