#include <filesystem>

#include "cli/cli.h"

namespace rwkvq::cli {

Settings resolve_settings(const GlobalOptions& g) {
  if (!g.config.empty()) return load_settings(g.config);
  if (auto found = find_settings_file(std::filesystem::current_path())) return load_settings(*found);
  return default_settings();
}

}  // namespace rwkvq::cli
