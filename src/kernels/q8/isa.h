// SPDX-License-Identifier: Apache-2.0
// kernels/q8: instruction-set tiers of the int8 CPU kernels. The tier is detected once from CPUID
// (active_isa()); NPUKIT_ISA=scalar|avx2|avx_vnni|avx512_vnni forces a tier no higher than the CPU has.
#pragma once

#include <string>
#include <vector>

namespace npukit::q8 {

/// Ordered from lowest to highest: a tier implies every lower one is usable too.
enum class Isa : int { kScalar = 0, kAvx2 = 1, kAvxVnni = 2, kAvx512Vnni = 3 };

/// "scalar", "avx2", "avx_vnni", "avx512_vnni".
const char* isa_name(Isa isa);
/// Parses isa_name() output; false on an unknown name.
bool parse_isa(const std::string& name, Isa* out);
/// Highest tier this CPU (and OS: XSAVE-enabled register state) supports, from CPUID.
Isa detect_isa();
/// Every tier this CPU can run, lowest first (always contains kScalar; an AVX-512 VNNI CPU without
/// AVX-VNNI, e.g. Ice Lake, lacks kAvxVnni).
std::vector<Isa> available_isas();
/// Tier to use given an override string (may be null / empty) and the tiers the CPU can run (lowest first,
/// non-empty). No override: the highest available tier. An unknown name or a tier the CPU cannot run is
/// ignored with a warning (written to *warning when non-null) and gives the highest available tier.
Isa resolve_isa(const char* override_name, const std::vector<Isa>& available, std::string* warning = nullptr);
/// The tier used by default: resolve_isa(getenv("NPUKIT_ISA"), available_isas()), computed once
/// (thread-safe); a rejected override is logged once as a warning.
Isa active_isa();

}  // namespace npukit::q8
