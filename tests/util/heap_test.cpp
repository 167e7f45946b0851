#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "rwkvq/util/heap.h"

using namespace rwkvq;

namespace {

// The VmFlags of every mapping of this process that asks for huge pages ("hg", madvise).
int huge_page_mappings() {
  std::ifstream in("/proc/self/smaps");
  int n = 0;
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmFlags:", 0) == 0 && line.find(" hg") != std::string::npos) ++n;
  return n;
}

std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string s;
  std::getline(in, s);
  return s;
}

bool sanitized() {
#if defined(__SANITIZE_ADDRESS__)
  return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return true;
#endif
#endif
  return false;
}

}  // namespace

TEST_CASE("reserve_heap_for: the heap it grows asks for huge pages and stays usable", "[util][heap]") {
  const int before = huge_page_mappings();
  reserve_heap_for(1u << 20);  // below 16 MiB: nothing
  CHECK(huge_page_mappings() == before);

  reserve_heap_for(64u << 20);
  // Memory from the reserved heap works like any other: many small blocks and one large one.
  std::vector<std::unique_ptr<std::string>> small;
  for (int i = 0; i < 100000; ++i) small.push_back(std::make_unique<std::string>(40, 'x'));
  std::string large(8u << 20, 'y');
  CHECK(small.back()->size() == 40);
  CHECK(large[large.size() - 1] == 'y');

  // glibc's malloc on Linux with transparent huge pages on madvise or always: the heap mapping
  // now carries the advice. (A sanitizer's allocator does not use brk: nothing to see there.)
  if (!sanitized() && !thp_mode().empty() && thp_mode().find("[never]") == std::string::npos) {
#if defined(__GLIBC__) && defined(__linux__)
    CHECK(huge_page_mappings() > before);
#endif
  }
  const int after = huge_page_mappings();
  reserve_heap_for(512u << 20);  // only the first call acts
  CHECK(huge_page_mappings() == after);
}
