// Linked into the release rwkvq only (CMakeLists.txt: RWKVQ_SMALL_ALLOC): the global operator new
// and delete use util/small_alloc.h, whose blocks of up to 1 KiB cost a few instructions instead of
// glibc malloc's ~140 per allocate + free (issue 12.6). The over-aligned forms are left to the C++
// runtime (aligned_alloc and free), which never sees a block of the region.
#include <cstddef>
#include <new>

#include "rwkvq/util/small_alloc.h"

namespace {

[[gnu::noinline]] void* allocate_or_throw(std::size_t n) {
  for (;;) {
    if (void* p = rwkvq::small_alloc::allocate(n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

}  // namespace

void* operator new(std::size_t n) {
  if (void* p = rwkvq::small_alloc::allocate(n)) [[likely]]
    return p;
  return allocate_or_throw(n);
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return ::operator new(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return ::operator new(n, t); }

void operator delete(void* p) noexcept { rwkvq::small_alloc::deallocate(p); }
void operator delete[](void* p) noexcept { rwkvq::small_alloc::deallocate(p); }
void operator delete(void* p, std::size_t) noexcept { rwkvq::small_alloc::deallocate(p); }
void operator delete[](void* p, std::size_t) noexcept { rwkvq::small_alloc::deallocate(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { rwkvq::small_alloc::deallocate(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { rwkvq::small_alloc::deallocate(p); }
