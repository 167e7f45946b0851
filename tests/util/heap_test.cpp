#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "rwkvq/util/heap.h"

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#endif

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

TEST_CASE("keep_freed_memory: a large block comes from the heap and its pages stay for the next", "[util][heap]") {
#if defined(__GLIBC__) && defined(__linux__)
  if (sanitized()) return;  // the sanitizer's allocator is not glibc's
  keep_freed_memory();
  const std::size_t mapped_before = mallinfo2().hblkhd;
  // A notebook's text: 4 MiB, which glibc would otherwise give its own mmap and unmap when freed.
  auto* block = static_cast<char*>(std::malloc(4u << 20));
  REQUIRE(block != nullptr);
  std::memset(block, 1, 4u << 20);
  CHECK(mallinfo2().hblkhd == mapped_before);  // not an mmap of its own
  const std::size_t arena = mallinfo2().arena;
  std::free(block);
  CHECK(mallinfo2().arena == arena);  // the heap was not trimmed: the pages are there for the next
  auto* again = static_cast<char*>(std::malloc(4u << 20));
  CHECK(mallinfo2().hblkhd == mapped_before);
  std::free(again);
#endif
}

#if defined(__linux__)
#include <sys/resource.h>
#endif

namespace {
long minor_faults() {
#if defined(__linux__)
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
#else
  return 0;
#endif
}
}  // namespace

TEST_CASE("populate_heap: the heap the next allocations use is mapped already", "[util][heap]") {
#if defined(__GLIBC__) && defined(__linux__)
  if (sanitized()) return;  // the sanitizer's allocator is not glibc's
  std::ifstream version("/proc/sys/kernel/osrelease");
  int major = 0, minor = 0;
  char dot = 0;
  version >> major >> dot >> minor;
  if (major < 5 || (major == 5 && minor < 14)) return;  // no MADV_POPULATE_WRITE: advice ignored
  populate_heap(kOneRequestHeap);
  // ~150 KiB of small blocks written one by one, as reading a request does: without the call each
  // new 4 KiB page of the heap is a page fault (~37 here).
  const long before = minor_faults();
  std::vector<std::unique_ptr<std::array<char, 200>>> blocks;
  blocks.reserve(700);
  for (int i = 0; i < 700; ++i) {
    blocks.push_back(std::make_unique<std::array<char, 200>>());
    blocks.back()->fill('x');
  }
  const long faults = minor_faults() - before;
  CHECK(faults < 10);
  CHECK((*blocks.back())[199] == 'x');
  populate_heap(0);  // nothing asked: nothing done
#endif
}
