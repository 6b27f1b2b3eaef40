// SPDX-License-Identifier: Apache-2.0
// Test helpers: run the built `npukit` binary in a fresh temp folder and capture its output.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/file_util.h"

namespace npukit::testing {

struct CmdResult {
  int rc = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline bool python_onnx_available() {
  static const bool ok = std::system("/usr/bin/python3 -c 'import onnx, numpy' >/dev/null 2>&1") == 0;
  return ok;
}

/// Fixture: dir_ is a fresh folder per test (removed afterwards); npukit() runs the CLI inside it.
class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           (std::string("npukit_cli_") + info->name() + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  /// Runs `npukit <args>` with the temp dir as working directory.
  CmdResult npukit(const std::string& args) {
    const std::string cmd =
        "cd '" + dir_.string() + "' && '" + std::string(NPUKIT_CLI_PATH) + "' " + args + " >stdout.txt 2>stderr.txt";
    int st = std::system(cmd.c_str());
    CmdResult r;
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    r.out = slurp(dir_ / "stdout.txt");
    r.err = slurp(dir_ / "stderr.txt");
    return r;
  }

  /// Writes a python script and runs it in the temp dir.
  void python(const std::string& code) {
    ASSERT_TRUE(atomic_write_file((dir_ / "gen.py").string(), code).ok());
    ASSERT_EQ(std::system(("cd '" + dir_.string() + "' && /usr/bin/python3 gen.py").c_str()), 0) << code;
  }

  std::filesystem::path dir_;
};

}  // namespace npukit::testing
