#pragma once
// The few libm functions rwkvq calls, without linking libm (issue 12.6).
//
// Loading libm.so at every start cost ~0.3 ms on the programme's virtual machines (one more
// shared object to open, map and relocate), for nine functions. Rounding to an integer is
// exact arithmetic, written here with the same results as the C library (tests/util/
// fmath_test.cpp compares them on special values and a million random ones); pow() is not
// simple to do exactly, so it loads libm on first use (only a float `**` in a notebook does).
#include <optional>

namespace rwkvq::fm {

double ceil(double x);        // = std::ceil
double round(double x);       // = std::round: halfway cases away from zero
double nearbyint(double x);   // = std::nearbyint in the default rounding mode: halfway to even
// = std::llround for |x| < 2^63; outside that range (and for NaN) LLONG_MIN, what glibc returns
// on x86-64 (C leaves it unspecified).
long long llround(double x);
// = std::pow: libm.a's in the static rwkvq (src/front/linked_pow.cpp), else from libm loaded the
// first time it is needed; nullopt when libm cannot be loaded.
std::optional<double> pow(double x, double y);

}  // namespace rwkvq::fm
