#include "rwkvq/util/fmath.h"

#include <climits>
#include <cstdint>

#include "rwkvq/util/dynlib.h"

// libm.a's pow, linked into the static rwkvq only (src/front/linked_pow.cpp); null elsewhere.
extern "C" double rwkvq_linked_pow(double x, double y) __attribute__((weak));

namespace rwkvq::fm {

namespace {

constexpr double kTwo52 = 4503599627370496.0;  // from 2^52 on, every double is an integer

bool is_nan(double x) { return x != x; }
double abs(double x) { return x < 0 ? -x : x; }

// x rounded toward zero, for |x| < 2^52 (the conversion is exact there). Keeps the sign of zero.
double trunc_small(double x) {
  const double t = static_cast<double>(static_cast<std::int64_t>(x));
  return t == 0 ? (__builtin_signbit(x) ? -0.0 : 0.0) : t;
}

}  // namespace

double ceil(double x) {
  if (is_nan(x) || !(abs(x) < kTwo52)) return x;  // NaN, infinities, integers already
  const double t = trunc_small(x);
  return t >= x ? t : t + 1;  // ceil(-0.5) is t itself, -0.0
}

double round(double x) {
  if (is_nan(x) || !(abs(x) < kTwo52)) return x;
  const double t = trunc_small(x);
  const double frac = x - t;  // exact: x and t share their integer part
  if (frac >= 0.5) return t + 1;
  if (frac <= -0.5) return t - 1;
  return t;
}

double nearbyint(double x) {
  if (is_nan(x) || !(abs(x) < kTwo52)) return x;
  // Adding and taking away 2^52 rounds to an integer in the current (default: to nearest,
  // ties to even) mode. volatile keeps the compiler from folding the two away.
  volatile double big = x < 0 ? -kTwo52 : kTwo52;
  double r = x + big;
  r -= big;
  return r == 0 ? (__builtin_signbit(x) ? -0.0 : 0.0) : r;
}

long long llround(double x) {
  const double r = round(x);
  // Exactly representable bounds: [-2^63, 2^63).
  if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return LLONG_MIN;
  return static_cast<long long>(r);
}

std::optional<double> pow(double x, double y) {
  using Pow = double (*)(double, double);
  static const Pow fn = []() -> Pow {
    if (rwkvq_linked_pow) return rwkvq_linked_pow;
    try {
      static DynLib libm = DynLib::open("libm", {"libm.so.6"}, "libc6");
      Pow p = nullptr;
      libm.bind(p, "pow");
      return p;
    } catch (...) {
      return nullptr;
    }
  }();
  if (!fn) return std::nullopt;
  return fn(x, y);
}

}  // namespace rwkvq::fm
