#include <catch2/catch.hpp>

#include <fcntl.h>
#include <link.h>
#include <unistd.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "rwkvq/util/prefault.h"

using namespace rwkvq;

namespace {

// The page-aligned [begin, end) ranges of this test program's read-only PT_LOAD segments.
std::vector<std::pair<std::uintptr_t, std::uintptr_t>> read_only_segments() {
  std::vector<std::pair<std::uintptr_t, std::uintptr_t>> out;
  dl_iterate_phdr(
      [](dl_phdr_info* info, std::size_t, void* data) {
        auto& v = *static_cast<std::vector<std::pair<std::uintptr_t, std::uintptr_t>>*>(data);
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const auto& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0 || ph.p_memsz == 0) continue;
          const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
          v.emplace_back(start & ~std::uintptr_t{4095}, (start + ph.p_filesz + 4095) & ~std::uintptr_t{4095});
        }
        return 1;
      },
      &out);
  return out;
}

// How many pages of those ranges have no page-table entry yet (/proc/self/pagemap, bit 63), or
// -1 where pagemap cannot be read.
long unmapped_pages(const std::vector<std::pair<std::uintptr_t, std::uintptr_t>>& ranges) {
  const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  long missing = 0;
  for (const auto& [begin, end] : ranges)
    for (std::uintptr_t p = begin; p < end; p += 4096) {
      std::uint64_t entry = 0;
      if (pread(fd, &entry, sizeof entry, static_cast<off_t>(p / 4096 * sizeof entry)) != sizeof entry) {
        close(fd);
        return -1;
      }
      if ((entry >> 63) == 0) ++missing;
    }
  close(fd);
  return missing;
}

}  // namespace

TEST_CASE("prefault_program_image maps all of the program's code and constants", "[util][prefault]") {
  const auto ranges = read_only_segments();
  REQUIRE_FALSE(ranges.empty());
  std::uintptr_t total = 0;
  for (const auto& [b, e] : ranges) total += e - b;

  const long before = unmapped_pages(ranges);
  if (before < 0) {
    WARN("/proc/self/pagemap is not readable here: not checked");
    return;
  }
  // The test program is tens of megabytes and has run a sliver of its code: most pages are not
  // mapped yet, so the check below can fail.
  REQUIRE(before > 0);

  const std::size_t bytes = prefault_program_image();
  if (bytes == 0) {
    WARN("the kernel has no MADV_POPULATE_READ (Linux < 5.14): nothing to check");
    return;
  }
  CHECK(bytes == total);
  CHECK(unmapped_pages(ranges) == 0);
  CHECK(prefault_program_image() == total);  // again: harmless
}
