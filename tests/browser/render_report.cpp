// SPDX-License-Identifier: Apache-2.0
// npukit_render_report: test helper for the browser test (tests/browser/run_browser_test.sh). Renders a
// performance report JSON (docs/PERF_REPORT.md) to the self-contained HTML page with render_html, so the
// page can be checked without compiling a model. Usage: npukit_render_report REPORT.json OUT.html
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "estimate/perf_estimate.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s REPORT.json OUT.html\n", argv[0]);
    return 2;
  }
  auto text = npukit::read_file(argv[1]);
  if (!text.ok()) {
    std::fprintf(stderr, "npukit_render_report: %s\n", text.status().to_string().c_str());
    return 1;
  }
  nlohmann::json report = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) {
    std::fprintf(stderr, "npukit_render_report: %s is not JSON\n", argv[1]);
    return 1;
  }
  const npukit::Status st = npukit::atomic_write_file(argv[2], npukit::estimate::render_html(report));
  if (!st.ok()) {
    std::fprintf(stderr, "npukit_render_report: %s\n", st.to_string().c_str());
    return 1;
  }
  return 0;
}
