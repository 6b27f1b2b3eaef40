// SPDX-License-Identifier: Apache-2.0
// .npk files on disk: write_npk / read_npk round trip, errors that name the path, and an atomic write that
// leaves the existing file intact when it fails.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/file_util.h"
#include "npk_test_util.h"

namespace npukit::npk_test {
namespace {

namespace fs = std::filesystem;

// ---- files ----

class NpkFileIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           (std::string("npukit_npk_") + ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

std::string slurp(const fs::path& p) {
  auto r = read_file(p.string());
  return r.ok() ? *r : std::string("<unreadable>");
}

TEST_F(NpkFileIo, WriteReadRoundTrip) {
  const NpkModel m = build_npk();
  const std::string path = (dir_ / "sub" / "m.npk").string();  // parent folder created on the way
  npk::NpkFileInfo winfo, rinfo;
  Status s = npk::write_npk(m, path, &winfo);
  ASSERT_TRUE(s.ok()) << s.to_string();
  EXPECT_EQ(fs::file_size(path), winfo.file_bytes);
  auto back = npk::read_npk(path, &rinfo);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  expect_same_npk(m, *back);
  EXPECT_EQ(rinfo.file_crc32, winfo.file_crc32);
  // Only the final file is left behind (no temp files).
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "sub")) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);
}

TEST_F(NpkFileIo, MissingAndCorruptFilesNameThePath) {
  const std::string missing = (dir_ / "none.npk").string();
  auto r = npk::read_npk(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(r.status().message().find(missing), std::string::npos) << r.status().message();

  const std::string bad = (dir_ / "bad.npk").string();
  std::ofstream(bad, std::ios::binary) << "NPUK but not really a model";
  auto r2 = npk::read_npk(bad);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.status().code(), ErrorCode::kInvalidModel);
  EXPECT_NE(r2.status().message().find(bad), std::string::npos) << r2.status().message();
  EXPECT_NE(r2.status().message().find("truncated"), std::string::npos) << r2.status().message();
}

TEST_F(NpkFileIo, FailedWriteLeavesTheExistingFileIntact) {
  const NpkModel m = build_npk();
  const std::string path = (dir_ / "m.npk").string();
  ASSERT_TRUE(npk::write_npk(m, path).ok());
  const std::string before = slurp(path);
  ASSERT_GT(before.size(), 64u);

  // 1. The model is invalid: nothing is written.
  NpkModel bad = clone_npk(m);
  bad.programs[0].commands[0].buffer = 99;
  Status s = npk::write_npk(bad, path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidModel);
  EXPECT_EQ(slurp(path), before);

  // 2. The temporary file cannot be created (a folder is in its way): an I/O error, old file untouched.
  NpkModel other = clone_npk(m);
  other.model_name = "changed";
  fs::create_directories(path + ".tmp." + std::to_string(::getpid()));
  s = npk::write_npk(other, path);
  EXPECT_EQ(s.code(), ErrorCode::kIoError) << s.to_string();
  EXPECT_EQ(slurp(path), before);
  auto back = npk::read_npk(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->model_name, "int_net");
}

}  // namespace
}  // namespace npukit::npk_test
