// Linked into the release rwkvq only (CMakeLists.txt: RWKVQ_NO_LIBM), so that it needs no libm
// at all: rwkvq's own code uses util/fmath.h, and these two are what the static libstdc++ still
// asks of libm (util/x86_fenv.h). A `ctest` check (build.no_libm) reads the binary's NEEDED
// entries.
#include "rwkvq/util/x86_fenv.h"

extern "C" {
int fegetround() noexcept { return rwkvq::x86::get_rounding(); }
int fesetround(int mode) noexcept { return rwkvq::x86::set_rounding(mode); }
}
