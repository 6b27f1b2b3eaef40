# SPDX-License-Identifier: Apache-2.0
# Int8 CPU kernels per instruction-set tier (docs/KERNELS.md). Included from src/CMakeLists.txt.
# Per-ISA translation units get their tier's flags; the dispatch (isa.cpp, ukernels_scalar.cpp) and the
# operator code are built with the baseline flags so they run on any x86-64.
include(CheckCXXCompilerFlag)
npukit_library(NAME npukit_kernels_q8 DIRS kernels/q8 DEPS npukit_kernels_ref npukit_quant_arith Threads::Threads)
target_compile_options(npukit_kernels_q8 PRIVATE $<$<NOT:$<CONFIG:Debug>>:-O3>)
set(_q8 ${CMAKE_CURRENT_SOURCE_DIR}/kernels/q8)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64|amd64")
  # Every *_avx2.cpp unit of the folder is an AVX2 tier unit.
  file(GLOB _q8_avx2 CONFIGURE_DEPENDS ${_q8}/*_avx2.cpp)
  set_source_files_properties(${_q8_avx2} PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma")
  check_cxx_compiler_flag("-mavxvnni" NPUKIT_Q8_CXX_AVXVNNI)
  if(NPUKIT_Q8_CXX_AVXVNNI)
    set_source_files_properties(${_q8}/ukernels_avxvnni.cpp PROPERTIES
      COMPILE_OPTIONS "-mavx2;-mfma;-mavxvnni" COMPILE_DEFINITIONS NPUKIT_Q8_HAVE_AVXVNNI=1)
  endif()
  check_cxx_compiler_flag("-mavx512vnni" NPUKIT_Q8_CXX_AVX512VNNI)
  if(NPUKIT_Q8_CXX_AVX512VNNI)
    set_source_files_properties(${_q8}/ukernels_avx512vnni.cpp ${_q8}/dw_avx512vnni.cpp
      ${_q8}/ops_binary_avx512.cpp ${_q8}/ops_pool_avx512.cpp ${_q8}/ops_lut_avx512.cpp PROPERTIES
      COMPILE_OPTIONS "-mavx2;-mfma;-mavx512f;-mavx512bw;-mavx512vl;-mavx512vnni"
      COMPILE_DEFINITIONS NPUKIT_Q8_HAVE_AVX512VNNI=1)
  endif()
else()
  # Not x86: only the scalar tier has code; the AVX2 unit must not be compiled.
  message(FATAL_ERROR "npukit_kernels_q8: only x86-64 is supported for now")
endif()

# This CPU's int8 multiply-accumulate peak per instruction sequence (bench/runtime_vs_peers.sh).
add_executable(npukit_int8_peak ${PROJECT_SOURCE_DIR}/bench/int8_peak.cpp)
target_compile_options(npukit_int8_peak PRIVATE -O2)
# Core-to-core round trip of the first two CPUs (the host's vCPU placement; bench/runtime_vs_peers.sh).
add_executable(npukit_core_latency ${PROJECT_SOURCE_DIR}/bench/core_latency.cpp)
target_compile_options(npukit_core_latency PRIVATE -O2)
target_link_libraries(npukit_core_latency PRIVATE Threads::Threads)

# Benchmark (Google Benchmark from Debian libbenchmark-dev), only when it is installed.
find_package(benchmark QUIET)
if(benchmark_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/bench/q8_bench.cpp)
  add_executable(npukit_q8_bench ${PROJECT_SOURCE_DIR}/bench/q8_bench.cpp)
  target_link_libraries(npukit_q8_bench PRIVATE npukit_kernels_q8 benchmark::benchmark)
  target_compile_options(npukit_q8_bench PRIVATE -O3)
endif()
if(benchmark_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/bench/q8_dw_bench.cpp)
  add_executable(npukit_q8_dw_bench ${PROJECT_SOURCE_DIR}/bench/q8_dw_bench.cpp)
  target_link_libraries(npukit_q8_dw_bench PRIVATE npukit_kernels_q8 benchmark::benchmark)
  target_compile_options(npukit_q8_dw_bench PRIVATE -O3)
endif()
if(benchmark_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/bench/pool_bench.cpp)
  add_executable(npukit_pool_bench ${PROJECT_SOURCE_DIR}/bench/pool_bench.cpp)
  target_link_libraries(npukit_pool_bench PRIVATE npukit_kernels_q8 benchmark::benchmark)
  target_compile_options(npukit_pool_bench PRIVATE -O2)
endif()
if(benchmark_FOUND AND EXISTS ${PROJECT_SOURCE_DIR}/bench/q8_ops_bench.cpp)
  add_executable(npukit_q8_ops_bench ${PROJECT_SOURCE_DIR}/bench/q8_ops_bench.cpp)
  target_link_libraries(npukit_q8_ops_bench PRIVATE npukit_kernels_q8 benchmark::benchmark)
  target_compile_options(npukit_q8_ops_bench PRIVATE -O3)
endif()
