// util/fmath.h against the C library it replaces (this test binary links libm), and
// util/x86_fenv.h against <cfenv>.
#include "rwkvq/util/fmath.h"

#include <catch2/catch.hpp>

#include <cfenv>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "rwkvq/util/x86_fenv.h"

namespace {

// Equal as bit patterns (so -0.0 differs from 0.0), or both NaN.
bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  std::uint64_t x, y;
  std::memcpy(&x, &a, 8);
  std::memcpy(&y, &b, 8);
  return x == y;
}

// Where llround's result is a long long: [-2^63, 2^63).
bool in_range(double x) { return x >= -9223372036854775808.0 && x < 9223372036854775808.0; }

std::vector<double> special_values() {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> v = {0.0, -0.0, inf, -inf, std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::max(), 0.49999999999999994, -0.49999999999999994,
                           4503599627370495.5, -4503599627370495.5, 4503599627370496.0, 9007199254740993.0,
                           9223372036854775807.0, -9223372036854775808.0, 9223372036854774784.0, 1e300, -1e300};
  for (double base = -70; base <= 70; base += 0.25)
    for (double d : {-1e-9, 0.0, 1e-9}) v.push_back(base + d);  // halves, quarters and just beside them
  for (int e = -60; e <= 64; ++e)
    for (double f : {1.0, 1.5, 0.5, 0.75}) {
      v.push_back(std::ldexp(f, e));
      v.push_back(-std::ldexp(f, e));
      v.push_back(std::nextafter(std::ldexp(f, e), 0.0));
      v.push_back(std::nextafter(std::ldexp(f, e), 1e308));
    }
  return v;
}

std::vector<double> random_values(std::size_t n) {
  std::mt19937_64 rng(20261128);
  std::vector<double> v;
  std::uniform_real_distribution<double> small(-1e4, 1e4);
  std::uniform_int_distribution<std::uint64_t> bits;
  for (std::size_t i = 0; i < n; ++i) {
    v.push_back(small(rng));
    v.push_back(std::round(small(rng) * 2) / 2);  // exact halves
    const std::uint64_t b = bits(rng);
    double d;
    std::memcpy(&d, &b, 8);
    v.push_back(d);  // any bit pattern: huge, tiny, NaN, infinities
  }
  return v;
}

void check_all(const std::vector<double>& values) {
  for (double x : values) {
    INFO("x = " << x);
    CHECK(same(rwkvq::fm::ceil(x), std::ceil(x)));
    CHECK(same(rwkvq::fm::round(x), std::round(x)));
    CHECK(same(rwkvq::fm::nearbyint(x), std::nearbyint(x)));
    if (in_range(x)) {
      CHECK(rwkvq::fm::llround(x) == std::llround(x));
    } else {
      CHECK(rwkvq::fm::llround(x) == LLONG_MIN);  // out of range and NaN: what glibc gives on x86-64
    }
  }
}

}  // namespace

TEST_CASE("fmath: rounding equals the C library on special values", "[fmath]") { check_all(special_values()); }

TEST_CASE("fmath: rounding equals the C library on random values", "[fmath]") {
  const auto values = random_values(200000);
  std::size_t bad = 0;
  for (double x : values) {
    if (!same(rwkvq::fm::ceil(x), std::ceil(x)) || !same(rwkvq::fm::round(x), std::round(x)) ||
        !same(rwkvq::fm::nearbyint(x), std::nearbyint(x)) ||
        (in_range(x) && rwkvq::fm::llround(x) != std::llround(x)) || (!in_range(x) && rwkvq::fm::llround(x) != LLONG_MIN)) {
      if (++bad < 5) check_all({x});  // prints the first few with their values
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("fmath: pow is libm's, loaded on first use", "[fmath]") {
  for (double x : {2.0, 10.0, 0.5, -3.0, 1e-4, 7.0})
    for (double y : {-5.0, -1.0, 0.5, 2.0, 1.37, -0.25}) {
      const auto got = rwkvq::fm::pow(x, y);
      REQUIRE(got.has_value());
      CHECK(same(*got, std::pow(x, y)));
    }
}

#if defined(__x86_64__)
TEST_CASE("x86_fenv: the rounding mode as <cfenv> sets and reads it", "[fmath]") {
  const int saved = std::fegetround();
  for (int mode : {FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO, FE_TONEAREST}) {
    REQUIRE(rwkvq::x86::set_rounding(mode) == 0);
    CHECK(std::fegetround() == mode);
    CHECK(rwkvq::x86::get_rounding() == mode);
    volatile double one = 1.0, three = 3.0;
    const double q = one / three;  // SSE arithmetic follows MXCSR
    REQUIRE(std::fesetround(mode) == 0);
    volatile double one2 = 1.0, three2 = 3.0;
    CHECK(same(q, one2 / three2));
  }
  CHECK(rwkvq::x86::set_rounding(0x123) != 0);
  CHECK(rwkvq::x86::get_rounding() == FE_TONEAREST);  // unchanged by the refused value
  std::fesetround(saved);
}
#endif
