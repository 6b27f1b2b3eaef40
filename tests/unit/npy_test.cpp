// SPDX-License-Identifier: Apache-2.0
// io/npy: round trips for every dtype and rejection of malformed / hostile files.
#include "io/npy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "core/file_util.h"

namespace npukit {
namespace {

std::string npy_bytes(const std::string& dict, const std::string& data, int major = 1) {
  std::string h = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back(0);
  out.push_back(static_cast<char>(h.size() & 0xff));
  out.push_back(static_cast<char>(h.size() >> 8));
  if (major != 1) out.append(2, '\0');
  return out + h + data;
}

TEST(Npy, RoundTripEveryDtype) {
  for (DType t : {DType::kF32, DType::kF16, DType::kF64, DType::kI8, DType::kU8, DType::kI16, DType::kU16, DType::kI32,
                  DType::kU32, DType::kI64, DType::kU64, DType::kBool}) {
    Tensor x(t, {2, 3});
    auto* b = static_cast<uint8_t*>(x.raw());
    for (size_t i = 0; i < x.nbytes(); ++i) b[i] = static_cast<uint8_t>(t == DType::kBool ? i % 2 : i * 7 + 1);
    auto bytes = io::serialize_npy(x);
    ASSERT_TRUE(bytes.ok()) << dtype_name(t);
    EXPECT_EQ((bytes->size() - x.nbytes()) % 64, 0u) << "header must be padded to 64 bytes";
    auto y = io::parse_npy(*bytes);
    ASSERT_TRUE(y.ok()) << y.status().to_string();
    EXPECT_TRUE(y->bit_equal(x)) << dtype_name(t);
  }
}

TEST(Npy, ScalarAndEmptyAndOneDim) {
  for (Shape s : {Shape{}, Shape{0}, Shape{5}, Shape{2, 0, 3}}) {
    Tensor x(DType::kF32, s);
    for (int64_t i = 0; i < x.numel(); ++i) x.data<float>()[i] = static_cast<float>(i) * 0.5f;
    auto y = io::parse_npy(io::serialize_npy(x).value());
    ASSERT_TRUE(y.ok()) << y.status().to_string();
    EXPECT_TRUE(y->bit_equal(x)) << shape_str(s);
  }
}

TEST(Npy, ReadsNumpyStyleHeaders) {
  // v1 header as numpy writes it for np.arange(3, dtype='<i4').
  std::string data("\x01\0\0\0\x02\0\0\0\x03\0\0\0", 12);
  auto t = io::parse_npy(npy_bytes("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", data));
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->dtype(), DType::kI32);
  EXPECT_EQ(t->to_int64_vector(), (std::vector<int64_t>{1, 2, 3}));
  // v2 header, keys in another order, bool data normalised to 0/1.
  auto b = io::parse_npy(
      npy_bytes("{'shape': (2, 1), 'fortran_order': False, 'descr': '|b1'}", std::string("\x05\0", 2), 2));
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->shape(), (Shape{2, 1}));
  EXPECT_EQ(b->to_int64_vector(), (std::vector<int64_t>{1, 0}));
}

TEST(Npy, RejectsMalformedAndHostileFiles) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  EXPECT_EQ(io::parse_npy("hello").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(io::parse_npy(npy_bytes(f4, std::string(7, '\0'))).status().code(), ErrorCode::kIoError);  // truncated
  EXPECT_EQ(io::parse_npy(npy_bytes(f4, std::string(9, '\0'))).status().code(), ErrorCode::kIoError);  // trailing
  EXPECT_EQ(io::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", std::string(8, '\0')))
                .status()
                .code(),
            ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(io::parse_npy(npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", std::string(8, '\0')))
                .status()
                .code(),
            ErrorCode::kUnsupportedAttr);
  EXPECT_EQ(io::parse_npy(npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", std::string(16, '\0')))
                .status()
                .code(),
            ErrorCode::kUnsupportedAttr);
  // Huge shape: must be rejected before any allocation.
  EXPECT_EQ(
      io::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999, 99999999, 99999), }", ""))
          .status()
          .code(),
      ErrorCode::kOutOfRange);
  EXPECT_EQ(io::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", "")).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(io::parse_npy(npy_bytes("{'descr': '<f4', 'shape': (2,), }", std::string(8, '\0'))).status().code(),
            ErrorCode::kInvalidArgument);  // missing key
  EXPECT_EQ(
      io::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", "")).status().code(),
      ErrorCode::kInvalidArgument);  // unknown key
  // Header length pointing past the end of the file.
  std::string bad = npy_bytes(f4, std::string(8, '\0'));
  bad[8] = '\xff';
  bad[9] = '\xff';
  EXPECT_EQ(io::parse_npy(bad).status().code(), ErrorCode::kIoError);
  std::string ver = npy_bytes(f4, std::string(8, '\0'));
  ver[6] = 9;
  EXPECT_EQ(io::parse_npy(ver).status().code(), ErrorCode::kUnsupportedAttr);
}

TEST(Npy, SaveIsAtomicAndLoadsBack) {
  auto dir = std::filesystem::temp_directory_path() / ("npukit_npy_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "sub" / "t.npy").string();
  Tensor x = Tensor::from_vector<float>({1.5f, -2.f, 3.25f});
  ASSERT_TRUE(io::save_npy(path, x).ok());
  auto y = io::load_npy(path);
  ASSERT_TRUE(y.ok()) << y.status().to_string();
  EXPECT_TRUE(y->bit_equal(x));
  for (const auto& e : std::filesystem::directory_iterator(dir / "sub"))
    EXPECT_EQ(e.path().filename(), "t.npy") << "temporary file left behind";
  EXPECT_EQ(io::load_npy((dir / "missing.npy").string()).status().code(), ErrorCode::kNotFound);
  std::filesystem::remove_all(dir);
}

// Cross-check against NumPy itself when /usr/bin/python3 with numpy is available.
TEST(Npy, NumpyReadsWhatWeWrite) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) GTEST_SKIP() << "numpy not available";
  auto dir = std::filesystem::temp_directory_path() / ("npukit_npy_np_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Tensor x = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  ASSERT_TRUE(io::save_npy((dir / "a.npy").string(), x).ok());
  std::string cmd = "/usr/bin/python3 -c \"import numpy as np; a=np.load('" + (dir / "a.npy").string() +
                    "'); assert a.shape==(2,3) and a.dtype==np.float32 and a[1,2]==6; "
                    "np.save('" +
                    (dir / "b.npy").string() + "', np.arange(4, dtype=np.int64).reshape(2,2))\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto b = io::load_npy((dir / "b.npy").string());
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->dtype(), DType::kI64);
  EXPECT_EQ(b->to_int64_vector(), (std::vector<int64_t>{0, 1, 2, 3}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace npukit
