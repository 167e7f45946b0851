// STUB: to be replaced by the real implementation.
#include "rwkvq/core/settings.h"
#include <stdexcept>
namespace rwkvq {

const GpuSpec* Settings::gpu(std::string_view) const { return nullptr; }
const TargetSpec* Settings::target(std::string_view) const { return nullptr; }
Settings default_settings() { return {}; }
Settings load_settings(const std::filesystem::path&) { return {}; }
std::optional<std::filesystem::path> find_settings_file(const std::filesystem::path&) { return std::nullopt; }
}  // namespace rwkvq
