# SPDX-License-Identifier: Apache-2.0
# C++ code generated from src/npk/npk.fbs (the metadata section of .npk files) by flatc from Debian's
# flatbuffers-compiler, into the build tree. npukit_npk_schema is an INTERFACE target: linking it makes
# "npk/npk_generated.h" includable, orders the generation before the consumer's compilation, and links the
# FlatBuffers runtime (header-only for what the generated code uses; Debian ships a static and a shared lib).
set(NPUKIT_NPK_SCHEMA_SRC ${CMAKE_CURRENT_LIST_DIR}/npk.fbs)
set(NPUKIT_NPK_SCHEMA_OUT ${CMAKE_CURRENT_BINARY_DIR}/npk_schema)
set(NPUKIT_NPK_SCHEMA_HDR ${NPUKIT_NPK_SCHEMA_OUT}/npk/npk_generated.h)

if(TARGET flatbuffers::flatc)
  set(NPUKIT_FLATC flatbuffers::flatc)
else()
  find_program(NPUKIT_FLATC_EXE flatc REQUIRED)
  set(NPUKIT_FLATC ${NPUKIT_FLATC_EXE})
endif()

add_custom_command(
  OUTPUT ${NPUKIT_NPK_SCHEMA_HDR}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${NPUKIT_NPK_SCHEMA_OUT}/npk
  COMMAND ${NPUKIT_FLATC} --cpp --scoped-enums -o ${NPUKIT_NPK_SCHEMA_OUT}/npk ${NPUKIT_NPK_SCHEMA_SRC}
  DEPENDS ${NPUKIT_NPK_SCHEMA_SRC}
  COMMENT "flatc npk.fbs"
  VERBATIM)
add_custom_target(npukit_npk_schema_gen DEPENDS ${NPUKIT_NPK_SCHEMA_HDR})

add_library(npukit_npk_schema INTERFACE)
# As an interface source the generated header becomes a (generated) source of every consumer in this
# directory, so its build waits for flatc; the explicit dependency covers consumers elsewhere.
target_sources(npukit_npk_schema INTERFACE ${NPUKIT_NPK_SCHEMA_HDR})
add_dependencies(npukit_npk_schema npukit_npk_schema_gen)
target_include_directories(npukit_npk_schema SYSTEM INTERFACE ${NPUKIT_NPK_SCHEMA_OUT})
if(TARGET flatbuffers::flatbuffers)
  target_link_libraries(npukit_npk_schema INTERFACE flatbuffers::flatbuffers)
elseif(TARGET flatbuffers::flatbuffers_shared)
  target_link_libraries(npukit_npk_schema INTERFACE flatbuffers::flatbuffers_shared)
else()
  message(FATAL_ERROR "npukit: FlatBuffers found but it provides neither flatbuffers::flatbuffers nor "
                      "flatbuffers::flatbuffers_shared (install libflatbuffers-dev)")
endif()
