// STUB: to be replaced by the real implementation.
#include "rwkvq/request/request.h"
#include <stdexcept>
namespace rwkvq {

const ConfigFile* Request::config(std::string_view) const { return nullptr; }
Request load_request(const std::string&) { throw std::logic_error("load_request: not implemented"); }
}  // namespace rwkvq
