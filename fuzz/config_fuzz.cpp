// The config reader: any bytes as training-config.yaml, then the effective config.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rwkvq/request/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rwkvq::ConfigFile cfg = rwkvq::parse_config("training-config.yaml", text);
  (void)rwkvq::effective_config(&cfg, {});
  return 0;
}
