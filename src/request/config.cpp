// STUB: to be replaced by the real implementation.
#include "rwkvq/request/config.h"
#include <stdexcept>
namespace rwkvq {

const ConfigEntry* ConfigFile::find(std::string_view) const { return nullptr; }
ConfigFile parse_config(std::string rel, std::string_view) { ConfigFile c; c.rel = std::move(rel); return c; }
EffectiveConfig effective_config(const ConfigFile*, const std::vector<Override>&) { return {}; }
}  // namespace rwkvq
