// pow() for util/fmath.h in the static rwkvq (CMakeLists.txt, RWKVQ_STATIC): libm.a's, linked in,
// since the static program loads no libm.so (src/front/dynlib_static.cpp). util/fmath.cpp declares
// this weak and uses it when it is there; the dynamic programs load libm on first use instead.
#include <cmath>

extern "C" double rwkvq_linked_pow(double x, double y) { return std::pow(x, y); }
