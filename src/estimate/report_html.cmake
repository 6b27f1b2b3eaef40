# SPDX-License-Identifier: Apache-2.0
# The HTML performance report page: src/estimate/html/report.html with report.css and report.js inlined is
# embedded as a string in a generated .cpp (npukit::estimate::detail::kReportHtmlTemplate) that is added to
# npukit_estimate. Included from src/CMakeLists.txt right after the library is declared. Regenerated when a
# page file changes (DEPENDS) or one is added/removed (CONFIGURE_DEPENDS glob re-runs the configure step).
file(GLOB NPUKIT_REPORT_HTML_FILES CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/html/*)
set(NPUKIT_REPORT_HTML_CPP ${CMAKE_CURRENT_BINARY_DIR}/estimate/report_html_template.cpp)
add_custom_command(
  OUTPUT ${NPUKIT_REPORT_HTML_CPP}
  COMMAND ${CMAKE_COMMAND} -DNPUKIT_REPORT_DIR=${CMAKE_CURRENT_LIST_DIR}/html
          -DNPUKIT_REPORT_OUT=${NPUKIT_REPORT_HTML_CPP} -P ${CMAKE_CURRENT_LIST_DIR}/embed_report_html.cmake
  DEPENDS ${NPUKIT_REPORT_HTML_FILES} ${CMAKE_CURRENT_LIST_DIR}/embed_report_html.cmake
  COMMENT "Embedding the HTML report page (src/estimate/html)"
  VERBATIM)
target_sources(npukit_estimate PRIVATE ${NPUKIT_REPORT_HTML_CPP})
