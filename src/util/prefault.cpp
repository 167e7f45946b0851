#include "rwkvq/util/prefault.h"

#include <cstdint>

#if defined(__linux__)
#include <link.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace rwkvq {

#if defined(__linux__)
namespace {

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14, <linux/mman.h>; older glibc headers lack it
#endif

struct Walk {
  std::uintptr_t page = 4096;
  std::size_t bytes = 0;
};

int populate_main_program(dl_phdr_info* info, std::size_t, void* data) {
  auto& walk = *static_cast<Walk*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    // Read-only segments only: populating a writable one would copy pages nobody writes.
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_W) != 0 || ph.p_memsz == 0) continue;
    const std::uintptr_t start = info->dlpi_addr + ph.p_vaddr;
    const std::uintptr_t begin = start & ~(walk.page - 1);
    const std::uintptr_t end = (start + ph.p_filesz + walk.page - 1) & ~(walk.page - 1);
    if (end <= begin) continue;
    if (madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_READ) != 0) return 1;
    walk.bytes += end - begin;
  }
  return 1;  // the first object dl_iterate_phdr reports is the main program: stop there
}

}  // namespace

std::size_t prefault_program_image() {
  Walk walk;
  if (const long page = sysconf(_SC_PAGESIZE); page > 0) walk.page = static_cast<std::uintptr_t>(page);
  dl_iterate_phdr(populate_main_program, &walk);
  return walk.bytes;
}
#else
std::size_t prefault_program_image() { return 0; }
#endif

}  // namespace rwkvq
