#pragma once
// Making room on the heap before a command builds a large document in memory (the queue of
// 10 000 requests is ~60 MB of small objects). On a virtual machine every 4 KiB page touched for
// the first time is a page fault that costs microseconds; reading such a queue touched ~7 500
// pages, half of `queue list`'s time. This grows the heap once by about `bytes` and asks the
// kernel for transparent huge pages there (madvise; what glibc's `glibc.malloc.hugetlb=1`
// tunable does), so the same memory takes a few dozen faults.
#include <cstddef>

namespace rwkvq {

// Call once, early, before the large document is built; later calls do nothing (a concurrent
// call too: the once-only flag is atomic). Call it before starting threads: glibc's mallopt is
// documented MT-Unsafe, and its sbrk(0) measurement assumes no other thread grows the heap at the
// same time (only `queue` commands use it; `validate -j` never does). Large blocks
// (the file's text) are then taken from that heap too. Only memory actually touched is used.
// Does nothing below 16 MiB, nor where glibc's malloc is not the allocator. From 16 MiB on it also
// turns on util/small_alloc.h for the small objects (release binary), with huge pages for them.
void reserve_heap_for(std::size_t bytes);

// Before a command that reads many files one after the other (validate of many folders): blocks
// freed are kept for the next ones instead of being given back to the system. glibc serves a
// block of more than 128 KiB (a notebook's text) with a fresh mmap and unmaps it when freed, so
// every large file read again faulted in every page of its buffer: on the corpus, 1 400 of 3 800
// page faults. Up to 32 MiB now comes from the heap, and the heap is trimmed only past 256 MiB
// free. Also turns on util/small_alloc.h for the small objects. Call it before starting threads
// (mallopt is MT-Unsafe): validate calls it before `-j` starts its threads, whose own arenas then
// keep their freed memory too.
void keep_freed_memory();

// Before a command that reads one request (validate or estimate of one folder): the next `bytes`
// of the heap are mapped at once (madvise MADV_POPULATE_WRITE, Linux 5.14) instead of one page
// fault per 4 KiB page as the command first writes them. On the programme's virtual machines a
// page fault costs ~10-15 µs and populating a page ~6 µs; one request used ~50 pages of heap,
// ~30 of them after this point (issue 12.6). The heap is not trimmed below what this maps while
// the command runs (M_TRIM_THRESHOLD). Advice: failure (an older kernel, another allocator) is
// harmless, and only memory the command is about to use is asked for. Call it before starting
// threads (mallopt is MT-Unsafe).
void populate_heap(std::size_t bytes);
// What validate and estimate ask for with one request: about what reading and checking the
// bundled example writes to the heap (more only moves the cost: a page populated for nothing
// costs as much as the fault it saves).
inline constexpr std::size_t kOneRequestHeap = std::size_t{192} << 10;

}  // namespace rwkvq
