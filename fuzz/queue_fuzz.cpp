// The queue reader: any bytes as queue.json. A refusal (InputError, exit 1 in the CLI) is the
// expected answer to a bad file; anything else escaping is a bug and aborts the run.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "rwkvq/core/error.h"
#include "rwkvq/queue/document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    rwkvq::queue::Queue q = rwkvq::queue::parse_queue(text, "queue.json");
    (void)rwkvq::queue::serialize_queue(q);
  } catch (const rwkvq::InputError&) {
  }
  return 0;
}
