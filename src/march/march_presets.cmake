# SPDX-License-Identifier: Apache-2.0
# Built-in march presets: every configs/march/*.yaml is embedded as a string in a generated .cpp, so the
# binary finds its presets from any working folder. Included from src/CMakeLists.txt; sets
# NPUKIT_MARCH_PRESETS_CPP. The .cpp is regenerated when a yaml changes (DEPENDS) or is added/removed
# (CONFIGURE_DEPENDS glob re-runs the configure step).
file(GLOB NPUKIT_MARCH_YAMLS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/configs/march/*.yaml)
list(SORT NPUKIT_MARCH_YAMLS)
set(NPUKIT_MARCH_PRESETS_CPP ${CMAKE_CURRENT_BINARY_DIR}/march/march_presets.cpp)
add_custom_command(
  OUTPUT ${NPUKIT_MARCH_PRESETS_CPP}
  COMMAND ${CMAKE_COMMAND} -DNPUKIT_MARCH_DIR=${PROJECT_SOURCE_DIR}/configs/march
          -DNPUKIT_MARCH_OUT=${NPUKIT_MARCH_PRESETS_CPP} -P ${CMAKE_CURRENT_LIST_DIR}/embed_presets.cmake
  DEPENDS ${NPUKIT_MARCH_YAMLS} ${CMAKE_CURRENT_LIST_DIR}/embed_presets.cmake
  COMMENT "Embedding march presets (configs/march/*.yaml)"
  VERBATIM)
