#include "rwkvq/util/small_alloc.h"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <thread>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace rwkvq::small_alloc {
namespace {

constexpr std::size_t kGranule = 16;  // alignment of every block, = __STDCPP_DEFAULT_NEW_ALIGNMENT__
constexpr std::size_t kRegionBytes = std::size_t{32} << 30;  // address space, not memory
constexpr std::size_t kChunkBytes = std::size_t{64} << 10;   // what a thread takes at a time
constexpr std::size_t kHuge = std::size_t{2} << 20;

// Size classes: 16 … 512 in steps of 16 (classes 0 … 31), 576 … 1024 in steps of 64 (32 … 39).
constexpr unsigned kClasses = 40;
constexpr unsigned class_of(std::size_t n) {
  if (n <= 512) return n == 0 ? 0 : static_cast<unsigned>((n + 15) / 16 - 1);
  return static_cast<unsigned>(32 + (n - 512 + 63) / 64 - 1);
}
constexpr std::size_t class_bytes(unsigned c) { return c < 32 ? (c + 1) * std::size_t{16} : 512 + (c - 31) * std::size_t{64}; }
static_assert(class_of(kMaxSmall) == kClasses - 1 && class_bytes(kClasses - 1) == kMaxSmall);
static_assert(class_of(512) == 31 && class_of(513) == 32 && class_bytes(32) == 576);

std::atomic<bool> g_enabled{false};  // until enable(): every block is malloc's

enum State : int { kUnset = 0, kReady = 1, kUnavailable = 2, kStarting = 3 };
std::atomic<int> g_state{kUnset};
std::atomic<char*> g_base{nullptr};
unsigned char* g_classes = nullptr;  // one byte per granule of the region: class + 1 of the block there
std::atomic<std::size_t> g_next{0};  // offset of the first chunk no thread has taken

// Per thread: trivially constructible and destructible, so no TLS constructor or destructor runs.
struct Cache {
  void* free[kClasses];
  char* bump;
  char* end;
};
thread_local Cache t_cache;

bool reserve_region() {
#if defined(__linux__)
  // One huge page more than needed, so that the region can start on a huge-page boundary.
  void* region = mmap(nullptr, kRegionBytes + kHuge, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (region == MAP_FAILED) return false;
  void* map = mmap(nullptr, kRegionBytes / kGranule + kHuge, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (map == MAP_FAILED) {
    munmap(region, kRegionBytes + kHuge);
    return false;
  }
  g_classes = reinterpret_cast<unsigned char*>((reinterpret_cast<std::uintptr_t>(map) + kHuge - 1) / kHuge * kHuge);
  // The first huge page of the map describes the first 32 MiB of blocks: one fault instead of
  // one per 64 KiB of blocks (advice: failure is harmless).
  madvise(g_classes, kHuge, MADV_HUGEPAGE);
  const auto aligned = (reinterpret_cast<std::uintptr_t>(region) + kHuge - 1) / kHuge * kHuge;
  g_base.store(reinterpret_cast<char*>(aligned), std::memory_order_release);
  return true;
#else
  return false;
#endif
}

// Whether the region can be used, reserving it on the first call (whichever thread comes first).
bool region_ready() {
  int s = g_state.load(std::memory_order_acquire);
  if (s == kReady) return true;
  if (s == kUnset) {
    int expected = kUnset;
    if (g_state.compare_exchange_strong(expected, kStarting, std::memory_order_acq_rel)) {
      s = reserve_region() ? kReady : kUnavailable;
      g_state.store(s, std::memory_order_release);
      return s == kReady;
    }
  }
  while ((s = g_state.load(std::memory_order_acquire)) == kStarting) std::this_thread::yield();
  return s == kReady;
}

void* carve(Cache& c, unsigned k) {
  const std::size_t bytes = class_bytes(k);
  char* p = c.bump;
  c.bump += bytes;
  g_classes[static_cast<std::size_t>(p - g_base.load(std::memory_order_relaxed)) / kGranule] =
      static_cast<unsigned char>(k + 1);
  return p;
}

// A new chunk for this thread; nullptr when the region is unusable or used up.
void* refill(Cache& c, unsigned k) {
  if (!region_ready()) return nullptr;
  const std::size_t off = g_next.fetch_add(kChunkBytes, std::memory_order_relaxed);
  if (off > kRegionBytes - kChunkBytes) return nullptr;  // used up: malloc from now on
  char* base = g_base.load(std::memory_order_relaxed);
  // What is left of the old chunk (less than one block of this class) goes to the free lists.
  while (c.bump && c.end - c.bump >= static_cast<std::ptrdiff_t>(kGranule)) {
    unsigned r = class_of(static_cast<std::size_t>(c.end - c.bump));
    if (class_bytes(r) > static_cast<std::size_t>(c.end - c.bump)) --r;
    void* q = carve(c, r);
    *static_cast<void**>(q) = c.free[r];
    c.free[r] = q;
  }
  c.bump = base + off;
  c.end = c.bump + kChunkBytes;
  return carve(c, k);
}

// A block of class k when the thread's free list of k is empty: bumped from its chunk, else from
// a new chunk, else malloc's. Out of line, so that the fast path of allocate() saves no registers.
[[gnu::noinline]] void* allocate_new(Cache& c, unsigned k, std::size_t n) noexcept {
  if (static_cast<std::size_t>(c.end - c.bump) >= class_bytes(k)) return carve(c, k);
  if (void* p = refill(c, k)) return p;
  return std::malloc(n == 0 ? 1 : n);
}

}  // namespace

void enable() noexcept { g_enabled.store(true, std::memory_order_relaxed); }

void* allocate(std::size_t n) noexcept {
  if (n <= kMaxSmall && g_enabled.load(std::memory_order_relaxed)) [[likely]] {
    Cache& c = t_cache;
    const unsigned k = class_of(n);
    if (void* p = c.free[k]) {
      c.free[k] = *static_cast<void**>(p);
      return p;
    }
    return allocate_new(c, k, n);
  }
  return std::malloc(n);
}

bool owns(const void* p) noexcept {
  const char* base = g_base.load(std::memory_order_acquire);
  return base != nullptr && p != nullptr &&
         reinterpret_cast<std::uintptr_t>(p) - reinterpret_cast<std::uintptr_t>(base) < kRegionBytes;
}

std::size_t block_size(const void* p) noexcept {
  if (!owns(p)) return 0;
  const auto off = static_cast<std::size_t>(static_cast<const char*>(p) - g_base.load(std::memory_order_relaxed));
  const unsigned char k = g_classes[off / kGranule];
  return k == 0 ? 0 : class_bytes(k - 1u);
}

void deallocate(void* p) noexcept {
  if (p == nullptr) return;
  if (!owns(p)) {
    std::free(p);
    return;
  }
  const auto off = static_cast<std::size_t>(static_cast<char*>(p) - g_base.load(std::memory_order_relaxed));
  const unsigned k = g_classes[off / kGranule] - 1u;
  Cache& c = t_cache;
  *static_cast<void**>(p) = c.free[k];
  c.free[k] = p;
}

void prepare_for(std::size_t bytes) noexcept {
#if defined(__linux__)
  if (bytes == 0 || !g_enabled.load(std::memory_order_relaxed) || !region_ready()) return;
  bytes = (bytes + kHuge - 1) / kHuge * kHuge;
  // Skip to the next 2 MiB boundary, so that the chunks handed out from here on lie in whole
  // huge pages; the skipped part is never touched.
  std::size_t off = g_next.load(std::memory_order_relaxed);
  std::size_t start;
  do {
    start = (off + kHuge - 1) / kHuge * kHuge;
    if (start > kRegionBytes - bytes) return;
  } while (!g_next.compare_exchange_weak(off, start, std::memory_order_relaxed));
  // Advice, so failure is harmless: the blocks, and the part of the class map that describes
  // them (a 60 MB queue's map would otherwise take ~1 000 page faults of its own).
  madvise(g_base.load(std::memory_order_relaxed) + start, bytes, MADV_HUGEPAGE);
  const std::size_t map_begin = start / kGranule / kHuge * kHuge;
  const std::size_t map_end = ((start + bytes) / kGranule + kHuge - 1) / kHuge * kHuge;
  madvise(g_classes + map_begin, map_end - map_begin, MADV_HUGEPAGE);
  // This thread's next block comes from there too (its current chunk is left as it is).
  Cache& c = t_cache;
  c.end = c.bump;
#else
  (void)bytes;
#endif
}

}  // namespace rwkvq::small_alloc
