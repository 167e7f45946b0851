// STUB: to be replaced by the real implementation.
#include "rwkvq/request/notebook.h"
#include <stdexcept>
namespace rwkvq {

Notebook parse_notebook(std::string rel, std::string_view) { Notebook n; n.rel = std::move(rel); n.error = ParseError{1,1,"not implemented"}; return n; }
}  // namespace rwkvq
