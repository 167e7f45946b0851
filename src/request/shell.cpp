// STUB: to be replaced by the real implementation.
#include "rwkvq/request/shell.h"
#include <stdexcept>
namespace rwkvq {

std::string ipython_substitute(std::string_view line, const PyEnv&, bool*) { return std::string(line); }
std::vector<SimpleCommand> tokenize_shell(std::string_view) { return {}; }
}  // namespace rwkvq
