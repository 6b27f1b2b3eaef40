// SPDX-License-Identifier: Apache-2.0
// kernels/q8: CPUID detection and the NPUKIT_ISA override.
#include "kernels/q8/isa.h"

#include <cstdlib>

#include "core/log.h"

namespace npukit::q8 {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvxVnni: return "avx_vnni";
    case Isa::kAvx512Vnni: return "avx512_vnni";
  }
  return "?";
}

bool parse_isa(const std::string& name, Isa* out) {
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvxVnni, Isa::kAvx512Vnni}) {
    if (name == isa_name(i)) {
      *out = i;
      return true;
    }
  }
  return false;
}

Isa detect_isa() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  // __builtin_cpu_supports checks CPUID and, for AVX / AVX-512, that the OS enabled the register state.
  const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (!avx2) return Isa::kScalar;
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
  if (avx512) return Isa::kAvx512Vnni;
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
  if (__builtin_cpu_supports("avxvnni")) return Isa::kAvxVnni;
#endif
  return Isa::kAvx2;
#else
  return Isa::kScalar;
#endif
}

std::vector<Isa> available_isas() {
  std::vector<Isa> v;
  const int top = static_cast<int>(detect_isa());
  for (int i = 0; i <= top; ++i) {
    if (static_cast<Isa>(i) == Isa::kAvxVnni && top == static_cast<int>(Isa::kAvx512Vnni)) {
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
      if (!__builtin_cpu_supports("avxvnni")) continue;
#else
      continue;
#endif
    }
    v.push_back(static_cast<Isa>(i));
  }
  return v;
}

Isa resolve_isa(const char* override_name, const std::vector<Isa>& available, std::string* warning) {
  const Isa top = available.empty() ? Isa::kScalar : available.back();
  if (override_name == nullptr || *override_name == '\0') return top;
  Isa want;
  if (!parse_isa(override_name, &want)) {
    if (warning)
      *warning = str_cat("NPUKIT_ISA=", override_name, " is not one of scalar|avx2|avx_vnni|avx512_vnni; using ",
                         isa_name(top));
    return top;
  }
  for (Isa a : available)
    if (a == want) return want;
  if (warning)
    *warning = str_cat("NPUKIT_ISA=", override_name, " is not supported by this CPU (highest tier ", isa_name(top),
                       "); falling back to ", isa_name(top));
  return top;
}

Isa active_isa() {
  static const Isa isa = [] {
    std::string warning;
    const Isa i = resolve_isa(std::getenv("NPUKIT_ISA"), available_isas(), &warning);
    if (!warning.empty()) log::warn("q8 kernels: ", warning);
    return i;
  }();
  return isa;
}

}  // namespace npukit::q8
