#include "rwkvq/util/heap.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>

#include "rwkvq/util/small_alloc.h"

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace rwkvq {

void reserve_heap_for(std::size_t bytes) {
#if defined(__GLIBC__) && defined(__linux__)
  // Once per process even if two threads call it at the same moment (the flag is atomic); still
  // meant for the main thread before other threads allocate (heap.h): sbrk(0) before and after
  // the malloc below only measures this call's growth when no other thread moves brk meanwhile.
  static std::atomic<bool> done{false};
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  constexpr std::size_t kHuge = 2 * kMiB;  // a transparent huge page on x86-64 and arm64
  if (bytes < 16 * kMiB || done.exchange(true)) return;
  small_alloc::enable();  // the small objects from util/small_alloc.h (in the release binary)
  small_alloc::prepare_for(bytes);
  const std::size_t pad = (std::min(bytes, 1024 * kMiB) + kHuge - 1) / kHuge * kHuge;
  const int ipad = static_cast<int>(pad);
  // Blocks up to `pad` from the heap (not one mmap each), the heap grown in steps of `pad`, and
  // not given back to the system in the middle of the command.
  mallopt(M_MMAP_THRESHOLD, ipad);
  mallopt(M_TOP_PAD, ipad);
  mallopt(M_TRIM_THRESHOLD, ipad < INT32_MAX / 2 ? 2 * ipad : INT32_MAX);
  auto* const before = static_cast<char*>(sbrk(0));
  void* grow = std::malloc(pad / 2);  // from the top of the heap: brk moves by pad / 2 + pad
  asm volatile("" : : "r"(grow) : "memory");  // the pair must not be optimised away
  std::free(grow);
  auto* const after = static_cast<char*>(sbrk(0));
  if (before == reinterpret_cast<char*>(-1) || after == reinterpret_cast<char*>(-1)) return;
  const auto b = (reinterpret_cast<std::uintptr_t>(before) + kHuge - 1) / kHuge * kHuge;
  const auto e = reinterpret_cast<std::uintptr_t>(after) / kHuge * kHuge;
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);  // advice: failure is harmless
#else
  (void)bytes;
#endif
}

void populate_heap(std::size_t bytes) {
#if defined(__GLIBC__) && defined(__linux__)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14, <linux/mman.h>; older glibc headers lack it
#endif
  // Blocks below glibc's mmap threshold come from the top of the heap, one after the other; freed
  // in reverse they go back to it, and their span is where the next allocations will come from.
  constexpr std::size_t kBlock = 60 * 1024;
  constexpr std::size_t kMaxBlocks = 64;
  const std::size_t n = std::min(kMaxBlocks, (bytes + kBlock - 1) / kBlock);
  if (n == 0) return;
  mallopt(M_TRIM_THRESHOLD, static_cast<int>(4 * n * kBlock));  // freeing them must not shrink the heap
  std::array<void*, kMaxBlocks> blocks{};
  std::size_t got = 0;
  for (; got < n; ++got)
    if ((blocks[got] = std::malloc(kBlock)) == nullptr) break;
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (std::size_t i = 0; i < got; ++i) {
    lo = std::min(lo, reinterpret_cast<std::uintptr_t>(blocks[i]));
    hi = std::max(hi, reinterpret_cast<std::uintptr_t>(blocks[i]) + kBlock);
  }
  asm volatile("" : : "r"(blocks.data()) : "memory");  // the mallocs must not be optimised away
  for (std::size_t i = got; i-- > 0;) std::free(blocks[i]);
  // Only one contiguous run of the heap (with glibc's chunk headers between the blocks): blocks
  // found in scattered free lists would mean memory that is not the heap's fresh top.
  const long page = sysconf(_SC_PAGESIZE);
  if (got == 0 || page <= 0 || hi - lo > got * (kBlock + 64)) return;
  const auto p = static_cast<std::uintptr_t>(page);
  const std::uintptr_t b = (lo + p - 1) / p * p, e = hi / p * p;
  if (e > b) madvise(reinterpret_cast<void*>(b), e - b, MADV_POPULATE_WRITE);  // advice: failure is harmless
#else
  (void)bytes;
#endif
}

void keep_freed_memory() {
  small_alloc::enable();
#if defined(__GLIBC__) && defined(__linux__)
  constexpr int kMiB = 1 << 20;
  mallopt(M_MMAP_THRESHOLD, 32 * kMiB);  // glibc's largest (HEAP_MAX_SIZE / 2 on 64-bit)
  mallopt(M_TRIM_THRESHOLD, 256 * kMiB);
#endif
}

}  // namespace rwkvq
