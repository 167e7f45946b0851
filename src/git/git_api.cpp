#include "git/git_api.h"

#include <string>

#include "rwkvq/core/error.h"
#include "rwkvq/util/dynlib.h"

namespace rwkvq::git {

const GitApi& api() {
  // A function-local static: loaded on the first call only, and a failed load is retried (and
  // reported again) by the next call rather than cached.
  static const GitApi table = [] {
    static DynLib lib = DynLib::open(
        "libgit2",
        {"libgit2.so." + std::to_string(LIBGIT2_VER_MAJOR) + "." + std::to_string(LIBGIT2_VER_MINOR)},
        "libgit2-" + std::to_string(LIBGIT2_VER_MAJOR) + "." + std::to_string(LIBGIT2_VER_MINOR),
        "RWKVQ_LIBGIT2");
    GitApi t;
#define RWKVQ_GIT_BIND(name) lib.bind(t.name, #name);
    RWKVQ_GIT_FUNCTIONS(RWKVQ_GIT_BIND)
#undef RWKVQ_GIT_BIND
    int major = 0, minor = 0, rev = 0;
    t.git_libgit2_version(&major, &minor, &rev);
    if (major != LIBGIT2_VER_MAJOR || minor != LIBGIT2_VER_MINOR)
      throw UsageError("cannot load libgit2 (" + lib.file() + " is version " + std::to_string(major) + "." +
                       std::to_string(minor) + ", rwkvq was built for " + LIBGIT2_VERSION + "): install libgit2-" +
                       std::to_string(LIBGIT2_VER_MAJOR) + "." + std::to_string(LIBGIT2_VER_MINOR));
    if (t.git_libgit2_init() < 0) throw UsageError("cannot initialise libgit2 (" + lib.file() + ")");
    // Shut libgit2 down at exit before `lib` (constructed earlier, so destroyed later) unloads it:
    // its global state (TLS, caches, the TLS library's) is freed, not leaked, and LeakSanitizer
    // sees a clean exit.
    struct Shutdown {
      decltype(&::git_libgit2_shutdown) fn = nullptr;
      ~Shutdown() {
        if (fn) fn();
      }
    };
    static Shutdown shutdown;
    shutdown.fn = t.git_libgit2_shutdown;
    return t;
  }();
  return table;
}

}  // namespace rwkvq::git
