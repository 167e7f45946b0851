#pragma once
// The rounding-mode functions of <cfenv> for x86-64, for a rwkvq linked without libm
// (util/fmath.h, src/libm_free.cpp). The static libstdc++ calls fegetround and fesetround
// around its floating-point conversions (std::from_chars, std::to_chars), and in glibc they
// live in libm. Same contract as the C functions: the mode is one of FE_TONEAREST (0),
// FE_DOWNWARD (0x400), FE_UPWARD (0x800), FE_TOWARDZERO (0xc00), kept in both the x87 control
// word and SSE's MXCSR; set_rounding returns non-zero, changing nothing, for any other value.
#if defined(__x86_64__)

namespace rwkvq::x86 {

inline int get_rounding() {
  unsigned short cw = 0;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  return cw & 0xc00;
}

inline int set_rounding(int mode) {
  if ((mode & ~0xc00) != 0) return 1;
  unsigned short cw = 0;
  __asm__ volatile("fnstcw %0" : "=m"(cw));
  cw = static_cast<unsigned short>((cw & ~0xc00) | mode);
  __asm__ volatile("fldcw %0" : : "m"(cw));
  unsigned int csr = 0;
  __asm__ volatile("stmxcsr %0" : "=m"(csr));
  csr = (csr & ~0x6000u) | (static_cast<unsigned int>(mode) << 3);  // MXCSR's RC field, bits 13-14
  __asm__ volatile("ldmxcsr %0" : : "m"(csr));
  return 0;
}

}  // namespace rwkvq::x86

#endif
