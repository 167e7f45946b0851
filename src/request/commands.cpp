// STUB: to be replaced by the real implementation.
#include "rwkvq/request/commands.h"
#include <stdexcept>
namespace rwkvq {

std::string_view to_string(CommandKind) { return "other"; }
std::vector<Command> recognise_commands(const std::vector<SimpleCommand>&, std::string&, const Location&) { return {}; }
}  // namespace rwkvq
