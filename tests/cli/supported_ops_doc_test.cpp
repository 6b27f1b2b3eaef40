// SPDX-License-Identifier: Apache-2.0
// docs/SUPPORTED_OPS.md is generated from the operator table; this keeps it in step.
// Regenerate with: build/src/npukit ops --markdown > docs/SUPPORTED_OPS.md
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace {

TEST(SupportedOpsDoc, MatchesTheOperatorTable) {
  std::string cmd = std::string(NPUKIT_CLI_PATH) + " ops --markdown";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  ASSERT_EQ(pclose(p), 0);
  std::ifstream f(std::string(NPUKIT_SOURCE_DIR) + "/docs/SUPPORTED_OPS.md");
  std::stringstream doc;
  doc << f.rdbuf();
  EXPECT_NE(out.find("| Conv | 1 |"), std::string::npos);
  EXPECT_EQ(doc.str(), out) << "docs/SUPPORTED_OPS.md is stale: regenerate it with `npukit ops --markdown`";
}

}  // namespace
