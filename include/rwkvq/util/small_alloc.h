#pragma once
// A small-object allocator for the release binary's `operator new` (src/new_delete.cpp).
//
// Why: validating one request makes ~6 000 allocations, nearly all under 1 KiB, and glibc's
// malloc + free spent ~850 000 instructions on them (21 % of the command; 19 % of validating the
// corpus, issue 12.6). Here a block of up to kMaxSmall bytes is one pop from a per-thread free
// list of its size class, or one bump of a per-thread pointer; freeing it is one push.
//
// How: blocks come from one region of address space reserved at the first allocation (mmap with
// MAP_NORESERVE: only pages actually touched use memory) and handed to threads 64 KiB at a time.
// A byte per 16-byte granule records each block's size class, so an unsized `delete` finds it.
// Freed blocks go to the freeing thread's list of that class and are reused for that class only;
// memory is never given back to the system before the process ends. A thread's free blocks stay
// unused when it ends (rwkvq's worker threads live as long as the command). Anything larger than
// kMaxSmall, and everything when the region cannot be reserved (RLIMIT_AS, overcommit disabled),
// is malloc's.
//
// Off until enable(): setting up the region (two new mappings and their page tables) costs a
// process ~0.2 ms, more than the allocator saves a command that makes few allocations
// (validate of one request: 3.9 M instructions -> 3.2 M, and 0.2 ms slower). util/heap.h turns it
// on for the commands that build large documents: validate of many folders, the queue.
//
// Not in the sanitizer and fuzzing builds, whose runtimes must see every allocation; the test
// binary tests these functions directly without replacing its own operator new.
#include <cstddef>

namespace rwkvq::small_alloc {

inline constexpr std::size_t kMaxSmall = 1024;

// From now on, blocks of up to kMaxSmall bytes come from the region (before: from malloc). Blocks
// allocated before may still be freed with deallocate().
void enable() noexcept;

// A block of at least `n` bytes, aligned to 16; nullptr only when malloc fails.
void* allocate(std::size_t n) noexcept;

// Frees a block from allocate() (or nullptr, which does nothing).
void deallocate(void* p) noexcept;

// Whether `p` is a block of the region (false for malloc's blocks).
bool owns(const void* p) noexcept;

// The size of the class a block of the region belongs to (0 for anything else).
std::size_t block_size(const void* p) noexcept;

// Before a command builds a large document: the next `bytes` of the region are given transparent
// huge pages (madvise, advice only), as util/heap.h does for malloc's heap. Does nothing before
// enable().
void prepare_for(std::size_t bytes) noexcept;

}  // namespace rwkvq::small_alloc
