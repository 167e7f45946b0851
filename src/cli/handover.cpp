#include "cli/handover.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "rwkvq/core/error.h"

#ifndef RWKVQ_LIBEXEC_REL
#define RWKVQ_LIBEXEC_REL "../libexec/rwkvq"
#endif

namespace rwkvq::cli {

namespace {
char** g_argv = nullptr;  // set once, before any thread starts; read only afterwards
constexpr const char* kCompanion = "rwkvq-shared";

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}
}  // namespace

void enter_static_front(int argc, char** argv) {
  if (argc > 0 && argv != nullptr) g_argv = argv;
}

bool in_static_front() { return g_argv != nullptr; }

void hand_over(std::string_view why) {
  if (!in_static_front()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec || self.empty()) {
    const std::string a0 = g_argv[0];
    if (a0.find('/') == std::string::npos)
      throw UsageError(std::string(why) + " needs " + kCompanion +
                       ", and where this rwkvq is cannot be told (no /proc/self/exe) to find it");
    self = fs::absolute(a0, ec);
  }
  const fs::path dir = self.parent_path();
  const std::vector<fs::path> places = {dir / kCompanion, (dir / RWKVQ_LIBEXEC_REL / kCompanion).lexically_normal()};
  std::string tried;
  for (const auto& p : places) {
    tried += (tried.empty() ? "" : ", ") + p.string();
    if (::access(p.c_str(), X_OK) != 0) continue;
    if (same_file(p, self)) continue;  // never itself: that would loop
    ::execv(p.c_str(), g_argv);
    const int err = errno;  // only reached when execv failed
    throw UsageError(std::string(why) + " needs " + kCompanion + ", the rwkvq that can load libgit2 and libcurl, and " +
                     p.string() + " cannot be started: " + std::generic_category().message(err));
  }
  throw UsageError(std::string(why) + " needs " + kCompanion +
                   ", the rwkvq that can load libgit2 and libcurl, and it is not installed with this one (looked for " +
                   tried + "): reinstall rwkvq");
}

}  // namespace rwkvq::cli
