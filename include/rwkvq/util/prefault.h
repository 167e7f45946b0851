#pragma once
// Mapping the program's code and read-only data in one call at start-up (issue 12.6).
//
// rwkvq is one ~5 MB executable, and a command runs a few hundred of its functions spread over
// all of it. The kernel maps a file-backed page on its first use, 16 pages around it at a time;
// on the virtual machines the programme runs on, each of those page faults costs ~17 µs (a
// guest page fault exits to the host), and validating one request took ~60 of them, more than
// a millisecond. One madvise(MADV_POPULATE_READ) over the read-only segments maps the same
// pages from the page cache at ~0.25 µs a page (bench/README.md has the figures).
#include <cstddef>

namespace rwkvq {

// Maps every read-only PT_LOAD segment of the main program (code, constants, unwind tables)
// that is not mapped yet. Returns the number of bytes it asked the kernel to map, 0 where the
// kernel does not know MADV_POPULATE_READ (before Linux 5.14: then pages fault in as before) or
// outside Linux. Never fails the program: it is advice.
std::size_t prefault_program_image();

}  // namespace rwkvq
