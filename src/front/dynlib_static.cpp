// util/dynlib.h in the static rwkvq (CMakeLists.txt, RWKVQ_STATIC; cli/handover.h): a static glibc
// program must not dlopen() libgit2 or libcurl (they would bring the shared C library in beside
// the one linked in), so loading anything is refused. Reaching this is a bug: the command should
// have been handed over to rwkvq-shared before it started (cli::hand_over). The e2e tests run
// every command that loads a library through the static binary, so a missing hand-over fails them.
#include <stdexcept>
#include <string>

#include "rwkvq/util/dynlib.h"

namespace rwkvq {

DynLib DynLib::open(std::string_view label, const std::vector<std::string>&, std::string_view, const char*) {
  throw std::logic_error("the static rwkvq cannot load " + std::string(label) +
                         ": this command should have been handed over to rwkvq-shared (cli/handover.h)");
}

DynLib::DynLib(DynLib&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
DynLib& DynLib::operator=(DynLib&& other) noexcept {
  handle_ = other.handle_;
  other.handle_ = nullptr;
  return *this;
}
DynLib::~DynLib() = default;
void* DynLib::symbol(const char*) const { throw std::logic_error("the static rwkvq loads no library"); }

}  // namespace rwkvq
