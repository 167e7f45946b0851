// util/small_alloc.h, called directly (this test binary keeps the C++ runtime's operator new; the
// release rwkvq uses these functions for its own, src/new_delete.cpp, and every end-to-end test
// runs that binary).
#include "rwkvq/util/small_alloc.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <thread>
#include <vector>

using namespace rwkvq;

namespace {

struct Block {
  unsigned char* p;
  std::size_t n;
  unsigned char fill;
};

void fill(const Block& b) { std::memset(b.p, b.fill, b.n); }

bool intact(const Block& b) {
  for (std::size_t i = 0; i < b.n; ++i)
    if (b.p[i] != b.fill) return false;
  return true;
}

Block take(std::size_t n, unsigned char fill_byte) {
  Block b{static_cast<unsigned char*>(small_alloc::allocate(n)), n, fill_byte};
  REQUIRE(b.p != nullptr);
  fill(b);
  return b;
}

}  // namespace

TEST_CASE("small_alloc: once enabled, sizes up to 1 KiB come from the region, aligned, in their size class", "[util][small_alloc]") {
  small_alloc::enable();  // off until then (util/heap.h turns it on for large workloads)
  for (std::size_t n : {0, 1, 8, 15, 16, 17, 31, 32, 33, 100, 255, 256, 257, 511, 512, 513, 575, 576, 577, 1000, 1023,
                        1024}) {
    void* p = small_alloc::allocate(n);
    REQUIRE(p != nullptr);
    CAPTURE(n);
    CHECK(small_alloc::owns(p));
    CHECK(reinterpret_cast<std::uintptr_t>(p) % 16 == 0);
    const std::size_t size = small_alloc::block_size(p);
    CHECK(size >= n);
    CHECK(size >= 16);
    CHECK(size % 16 == 0);
    // The class is the smallest that fits: 16-byte steps to 512, 64-byte steps to 1024.
    CHECK(size - n < (n <= 512 ? 16u : 64u) + (n == 0 ? 16u : 0u));
    std::memset(p, 0xAB, size);
    small_alloc::deallocate(p);
  }
}

TEST_CASE("small_alloc: larger blocks and nullptr are malloc's", "[util][small_alloc]") {
  small_alloc::enable();  // off until then (util/heap.h turns it on for large workloads)
  void* big = small_alloc::allocate(1025);
  REQUIRE(big != nullptr);
  CHECK_FALSE(small_alloc::owns(big));
  CHECK(small_alloc::block_size(big) == 0);
  std::memset(big, 1, 1025);
  small_alloc::deallocate(big);  // to free(): a wrong owner would crash or corrupt here
  void* huge = small_alloc::allocate(std::size_t{8} << 20);
  REQUIRE(huge != nullptr);
  CHECK_FALSE(small_alloc::owns(huge));
  small_alloc::deallocate(huge);
  small_alloc::deallocate(nullptr);
  CHECK_FALSE(small_alloc::owns(nullptr));
  int on_stack = 0;
  CHECK_FALSE(small_alloc::owns(&on_stack));
}

TEST_CASE("small_alloc: a freed block is reused for its class, and only for it", "[util][small_alloc]") {
  small_alloc::enable();  // off until then (util/heap.h turns it on for large workloads)
  void* a = small_alloc::allocate(40);  // class 48
  small_alloc::deallocate(a);
  void* b = small_alloc::allocate(33);  // class 48 too: the block just freed
  CHECK(b == a);
  void* c = small_alloc::allocate(20);  // class 32: a new block
  CHECK(c != a);
  small_alloc::deallocate(c);
  small_alloc::deallocate(b);
}

TEST_CASE("small_alloc: live blocks never overlap (random allocate and free)", "[util][small_alloc]") {
  small_alloc::enable();  // off until then (util/heap.h turns it on for large workloads)
  std::mt19937_64 rng(12);
  std::vector<Block> live;
  std::map<std::uintptr_t, std::size_t> spans;  // start -> class size of live blocks of the region
  for (int step = 0; step < 200000; ++step) {
    if (live.empty() || rng() % 100 < 55) {
      std::size_t n = rng() % 4 == 0 ? rng() % 2000 : rng() % 200;
      Block b = take(n, static_cast<unsigned char>(rng()));
      if (small_alloc::owns(b.p)) {
        const auto at = reinterpret_cast<std::uintptr_t>(b.p);
        const std::size_t size = small_alloc::block_size(b.p);
        auto next = spans.lower_bound(at);
        REQUIRE((next == spans.end() || next->first >= at + size));
        if (next != spans.begin()) {
          auto prev = std::prev(next);
          REQUIRE(prev->first + prev->second <= at);
        }
        spans.emplace(at, size);
      }
      live.push_back(b);
    } else {
      std::size_t i = rng() % live.size();
      REQUIRE(intact(live[i]));
      spans.erase(reinterpret_cast<std::uintptr_t>(live[i].p));
      small_alloc::deallocate(live[i].p);
      live[i] = live.back();
      live.pop_back();
    }
  }
  for (const auto& b : live) {
    REQUIRE(intact(b));
    small_alloc::deallocate(b.p);
  }
}

TEST_CASE("small_alloc: threads allocate at once and free each other's blocks", "[util][small_alloc]") {
  small_alloc::enable();  // off until then (util/heap.h turns it on for large workloads)
  constexpr int kThreads = 4;
  std::vector<std::vector<Block>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t, &made] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < 20000; ++i) {
        auto* p = static_cast<unsigned char*>(small_alloc::allocate(rng() % 300));
        const std::size_t n = small_alloc::block_size(p);
        std::memset(p, t + 1, n);
        made[static_cast<std::size_t>(t)].push_back({p, n, static_cast<unsigned char>(t + 1)});
      }
    });
  for (auto& th : threads) th.join();
  bool all_intact = true;
  for (const auto& v : made)
    for (const auto& b : v) all_intact = all_intact && intact(b);
  CHECK(all_intact);  // a block handed to two threads would carry the other thread's bytes
  // Each thread frees the blocks another one made (into its own free lists), then takes as many
  // blocks again and keeps them: those must not overlap any other thread's.
  threads.clear();
  std::vector<std::vector<Block>> again(kThreads);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([t, &made, &again] {
      for (const auto& b : made[static_cast<std::size_t>((t + 1) % kThreads)]) small_alloc::deallocate(b.p);
      std::mt19937 rng(static_cast<unsigned>(t + 100));
      for (int i = 0; i < 20000; ++i) {
        auto* p = static_cast<unsigned char*>(small_alloc::allocate(rng() % 300));
        const std::size_t n = small_alloc::block_size(p);
        std::memset(p, 0x80 + t, n);
        again[static_cast<std::size_t>(t)].push_back({p, n, static_cast<unsigned char>(0x80 + t)});
      }
    });
  for (auto& th : threads) th.join();
  all_intact = true;
  std::size_t blocks = 0;
  for (const auto& v : again)
    for (const auto& b : v) {
      all_intact = all_intact && intact(b);
      ++blocks;
    }
  CHECK(all_intact);
  CHECK(blocks == kThreads * 20000u);
  for (const auto& v : again)
    for (const auto& b : v) small_alloc::deallocate(b.p);
}
