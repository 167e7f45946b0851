#pragma once
// Shared libraries loaded when a command first needs them (dlopen), so that commands which never
// touch them do not pay for loading them at start-up: libgit2 for `validate --pr`, later libcurl
// for the online checks. A typed interface over a library is a struct of function pointers whose
// types come from the library's own header (decltype(&::fn)), filled with bind().
// The static rwkvq links src/front/dynlib_static.cpp instead of src/util/dynlib.cpp: there open()
// always throws std::logic_error, since commands that load libraries are handed over to
// rwkvq-shared first (cli/handover.h).
#include <string>
#include <string_view>
#include <vector>

namespace rwkvq {

class DynLib {
 public:
  // Loads the first of `sonames` that opens (RTLD_NOW | RTLD_LOCAL). When the environment
  // variable `env_override` is set and non-empty, that file (or soname) is loaded instead.
  // `label` names the library in errors ("libgit2"), `package` what to install ("libgit2-1.5").
  // Throws UsageError: "cannot load libgit2 (libgit2.so.1.5: cannot open shared object file: No
  // such file or directory): install libgit2-1.5".
  static DynLib open(std::string_view label, const std::vector<std::string>& sonames,
                     std::string_view package, const char* env_override = nullptr);

  DynLib(DynLib&& other) noexcept;
  DynLib& operator=(DynLib&& other) noexcept;
  DynLib(const DynLib&) = delete;
  DynLib& operator=(const DynLib&) = delete;
  ~DynLib();

  // The address of `name`; throws UsageError naming the library and the missing symbol.
  void* symbol(const char* name) const;
  // fp = (decltype(fp)) symbol(name).
  template <class F>
  void bind(F& fp, const char* name) const {
    fp = reinterpret_cast<F>(symbol(name));
  }
  const std::string& file() const { return file_; }  // the soname or path that was loaded

 private:
  DynLib(void* handle, std::string label, std::string file, std::string package)
      : handle_(handle), label_(std::move(label)), file_(std::move(file)), package_(std::move(package)) {}
  void* handle_ = nullptr;
  std::string label_, file_, package_;
};

}  // namespace rwkvq
