#include "rwkvq/util/dynlib.h"

#include <dlfcn.h>

#include <cstdlib>
#include <utility>

#include "rwkvq/core/error.h"

namespace rwkvq {

DynLib DynLib::open(std::string_view label, const std::vector<std::string>& sonames,
                    std::string_view package, const char* env_override) {
  std::vector<std::string> names = sonames;
  if (env_override) {
    if (const char* v = std::getenv(env_override); v && *v) names = {v};
  }
  std::string first_error;
  for (const auto& name : names) {
    ::dlerror();
    if (void* h = ::dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE))
      return DynLib(h, std::string(label), name, std::string(package));
    const char* err = ::dlerror();
    if (first_error.empty()) first_error = err ? err : name + ": cannot be loaded";
  }
  throw UsageError("cannot load " + std::string(label) + " (" + first_error + "): install " +
                   std::string(package));
}

DynLib::DynLib(DynLib&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)),
      label_(std::move(other.label_)),
      file_(std::move(other.file_)),
      package_(std::move(other.package_)) {}

DynLib& DynLib::operator=(DynLib&& other) noexcept {
  if (this != &other) {
    if (handle_) ::dlclose(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    label_ = std::move(other.label_);
    file_ = std::move(other.file_);
    package_ = std::move(other.package_);
  }
  return *this;
}

DynLib::~DynLib() {
  if (handle_) ::dlclose(handle_);
}

void* DynLib::symbol(const char* name) const {
  ::dlerror();
  void* p = ::dlsym(handle_, name);
  if (!p) {
    const char* err = ::dlerror();
    throw UsageError("cannot load " + label_ + " (" + file_ + " lacks " + name +
                     (err ? std::string(": ") + err : std::string()) + "): install " + package_);
  }
  return p;
}

}  // namespace rwkvq
