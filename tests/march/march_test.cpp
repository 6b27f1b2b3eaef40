// SPDX-License-Identifier: Apache-2.0
// march: presets load and validate, to_yaml/parse_march round trip, the documented TOPS, and the errors
// for bad files (each names the file and the field path).
#include "march/march.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/file_util.h"

namespace npukit::march {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string>& kOpOrder = npu_op_types();

std::string source_file(const std::string& rel) {
  auto text = read_file(std::string(NPUKIT_SOURCE_DIR) + "/" + rel);
  EXPECT_TRUE(text.ok()) << text.status().to_string();
  return text.ok() ? *text : std::string();
}

std::string tiny_text() {
  return source_file("configs/march/tiny.yaml");
}

/// `text` with the first occurrence of `from` replaced (the test fails if `from` is absent).
std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "'" << from << "' not in text";
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

/// Parses `text` as tiny.yaml, expects an InvalidArgument error and returns its message.
std::string parse_error(const std::string& text) {
  auto m = parse_march(text, "tiny.yaml");
  EXPECT_FALSE(m.ok());
  if (m.ok()) return "";
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument) << m.status().to_string();
  return m.status().message();
}

TEST(MarchPresets, NamesMatchTheConfigFolder) {
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(std::string(NPUKIT_SOURCE_DIR) + "/configs/march"))
    if (e.path().extension() == ".yaml") files.push_back(e.path().stem().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(preset_names(), files);
  const std::vector<std::string> expected = {"bayes",  "bayes-e", "bernoulli2", "nash-e",
                                             "nash-m", "nash-p",  "rk3588",     "tiny"};
  EXPECT_EQ(preset_names(), expected);
}

TEST(MarchPresets, EveryPresetLoadsAndValidates) {
  for (const auto& name : preset_names()) {
    SCOPED_TRACE(name);
    auto m = load_march(name);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    EXPECT_EQ(m->name, name);
    EXPECT_FALSE(m->description.empty());
    EXPECT_GT(m->clock_mhz, 0);
    EXPECT_GE(m->cores, 1);
    EXPECT_GT(m->tae.macs_int8_per_cycle, 0);
    EXPECT_GT(m->sram.bytes, 0);
    EXPECT_GT(m->ddr.bandwidth_gbps, 0);
    // Rows follow the canonical op order, and the core ops are present on every preset.
    size_t last = 0;
    for (size_t i = 0; i < m->ops.size(); ++i) {
      auto it = std::find(kOpOrder.begin(), kOpOrder.end(), m->ops[i].op);
      ASSERT_NE(it, kOpOrder.end()) << m->ops[i].op;
      const size_t idx = static_cast<size_t>(it - kOpOrder.begin());
      if (i > 0) {
        EXPECT_GT(idx, last) << m->ops[i].op << " out of order";
      }
      last = idx;
    }
    for (const char* op : {"QConv", "QGemm", "QAdd", "Requantize", "MaxPool", "Resize", "Concat", "Reshape"})
      EXPECT_NE(m->find_op(op), nullptr) << op;
    // The embedded text is the current file.
    auto from_file = parse_march(source_file("configs/march/" + name + ".yaml"), name + ".yaml");
    ASSERT_TRUE(from_file.ok()) << from_file.status().to_string();
    EXPECT_TRUE(*from_file == *m);
  }
}

TEST(MarchPresets, RoundTripThroughCanonicalYaml) {
  for (const auto& name : preset_names()) {
    SCOPED_TRACE(name);
    auto m = load_march(name);
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    const std::string y = to_yaml(*m);
    auto back = parse_march(y, name + " (canonical)");
    ASSERT_TRUE(back.ok()) << back.status().to_string() << "\n" << y;
    EXPECT_TRUE(*back == *m) << y;
    EXPECT_EQ(to_yaml(*back), y);
  }
}

TEST(MarchPresets, RoundTripKeepsUnusualValues) {
  auto m = load_march("tiny");
  ASSERT_TRUE(m.ok());
  m->description = "quote \" backslash \\ tab \t newline \n end";
  m->clock_mhz = 733.3333333333334;
  m->ddr.bandwidth_gbps = 0.1 + 0.2;
  m->ddr.latency_ns = 0;
  m->sram.bytes = 1000;  // no suffix
  m->ops[0].dtypes.clear();
  m->ops[0].modes.clear();
  auto back = parse_march(to_yaml(*m), "x");
  ASSERT_TRUE(back.ok()) << back.status().to_string() << "\n" << to_yaml(*m);
  EXPECT_TRUE(*back == *m) << to_yaml(*m);
  EXPECT_EQ(back->clock_mhz, 733.3333333333334);
  EXPECT_EQ(back->ddr.bandwidth_gbps, 0.1 + 0.2);
}

/// The summary table of docs/MARCH.md: preset -> {public TOPS, the preset's peak as printed}.
std::map<std::string, std::pair<double, double>> documented_tops() {
  std::map<std::string, std::pair<double, double>> out;
  std::istringstream in(source_file("docs/MARCH.md"));
  std::string line;
  bool in_table = false;
  while (std::getline(in, line)) {
    if (line.rfind("| Preset | Models | Public int8 TOPS | peak_int8_tops |", 0) == 0) {
      in_table = true;
      continue;
    }
    if (!in_table) continue;
    if (line.empty() || line[0] != '|') break;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    std::string cell;
    while (std::getline(ss, cell, '|')) {
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.push_back(cell);
    }
    if (cells.size() < 4 || cells[0].empty() || cells[0][0] != '`') continue;  // separator row
    const std::string name = cells[0].substr(1, cells[0].size() - 2);
    out[name] = {std::stod(cells[2]), std::stod(cells[3])};
  }
  return out;
}

TEST(MarchPresets, PeakTopsMatchesDocumentation) {
  const auto doc = documented_tops();
  ASSERT_EQ(doc.size(), preset_names().size()) << "docs/MARCH.md summary table must list every preset";
  for (const auto& name : preset_names()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(doc.count(name));
    auto m = load_march(name);
    ASSERT_TRUE(m.ok());
    const auto [public_tops, printed_peak] = doc.at(name);
    const double peak = m->peak_int8_tops();
    // docs/MARCH.md: MACs and clock are chosen so the peak is within 3% of the public figure,
    // and the table prints the peak rounded to 2 decimals (4 for tiny).
    EXPECT_LE(std::abs(peak - public_tops), 0.03 * public_tops) << peak << " vs " << public_tops;
    EXPECT_LT(std::abs(peak - printed_peak), 0.006) << peak << " printed as " << printed_peak;
  }
}

TEST(MarchSpec, DerivedFigures) {
  auto m = load_march("tiny");
  ASSERT_TRUE(m.ok());
  // 2 ops/MAC * 64 MACs * 2 cores * 100 MHz = 25.6 GOPS; 1.6 GB/s over 100 MHz = 16 B/cycle.
  EXPECT_DOUBLE_EQ(m->peak_int8_tops(), 0.0256);
  EXPECT_DOUBLE_EQ(m->ddr_bytes_per_cycle(), 16.0);
  EXPECT_EQ(m->sram.bytes, 96 * 1024);
  const OpConstraint* resize = m->find_op("Resize");
  ASSERT_NE(resize, nullptr);
  EXPECT_EQ(resize->modes, (std::vector<std::string>{"nearest", "linear"}));
  const OpConstraint* conv = m->find_op("QConv");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->dtypes, (std::vector<DType>{DType::kI8, DType::kU8, DType::kI16}));
  EXPECT_EQ(conv->max_kernel, 7);
  EXPECT_EQ(m->find_op("NoSuchOp"), nullptr);
  MarchSpec zero;
  EXPECT_EQ(zero.ddr_bytes_per_cycle(), 0.0);
}

TEST(MarchPresets, RealisticDifferences) {
  auto b2 = load_march("bernoulli2");
  ASSERT_TRUE(b2.ok());
  EXPECT_EQ(b2->tae.macs_int16_per_cycle, 0);
  for (const auto& r : b2->ops)
    EXPECT_EQ(std::count(r.dtypes.begin(), r.dtypes.end(), DType::kI16), 0) << r.op << " lists i16";
  auto np = load_march("nash-p");
  ASSERT_TRUE(np.ok());
  EXPECT_GT(np->peak_int8_tops(), b2->peak_int8_tops() * 50);
}

// ---- errors ------------------------------------------------------------------------------------------

TEST(MarchErrors, UnknownKeySuggestsNearest) {
  const std::string msg = parse_error(replace_once(tiny_text(), "macs_int8_per_cycle", "macs_int8_per_cyle"));
  EXPECT_NE(msg.find("tiny.yaml: tae.macs_int8_per_cyle: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("did you mean 'tae.macs_int8_per_cycle'"), std::string::npos) << msg;
}

TEST(MarchErrors, KeyInTheWrongSectionNamesWhereItBelongs) {
  const std::string msg = parse_error(replace_once(tiny_text(), "cores: 2\n", "cores: 2\nbanks: 4\n"));
  EXPECT_NE(msg.find("banks: unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'sram.banks'"), std::string::npos) << msg;
}

TEST(MarchErrors, UnknownKeyInOpRow) {
  const std::string msg = parse_error(replace_once(tiny_text(), "max_stride: 4", "max_strides: 4"));
  EXPECT_NE(msg.find("ops[0].max_strides: unknown key; did you mean 'ops[0].max_stride'"), std::string::npos) << msg;
}

TEST(MarchErrors, NegativeValue) {
  const std::string msg = parse_error(replace_once(tiny_text(), "macs_int8_per_cycle: 64", "macs_int8_per_cycle: -3"));
  EXPECT_EQ(msg, "tiny.yaml: tae.macs_int8_per_cycle: expected a positive integer, got -3");
}

TEST(MarchErrors, ZeroWherePositiveIsRequired) {
  const std::string msg = parse_error(replace_once(tiny_text(), "cores: 2", "cores: 0"));
  EXPECT_EQ(msg, "tiny.yaml: cores: expected a positive integer, got 0");
}

TEST(MarchErrors, WrongTypes) {
  EXPECT_NE(parse_error(replace_once(tiny_text(), "cores: 2", "cores: two"))
                .find("cores: expected a positive integer, got two"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "cores: 2", "cores: 2.5"))
                .find("cores: expected a positive integer, got 2.5"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "lut: true", "lut: maybe"))
                .find("vae.lut: expected true or false, got maybe"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "clock_mhz: 100", "clock_mhz: [100]"))
                .find("clock_mhz: expected a positive number, got a list"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "clock_mhz: 100", "clock_mhz: .nan"))
                .find("clock_mhz: expected a positive number"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "trans:\n  bytes_per_cycle: 16", "trans: 16"))
                .find("trans: expected a mapping, got a value"),
            std::string::npos);
  const std::string t = tiny_text();
  EXPECT_NE(parse_error(t.substr(0, t.find("ops:\n")) + "ops: 3\n").find("ops: expected a list"), std::string::npos);
  EXPECT_NE(parse_error("- 1\n- 2\n").find("expected a mapping of march keys"), std::string::npos);
}

TEST(MarchErrors, MissingRequiredField) {
  EXPECT_NE(parse_error(replace_once(tiny_text(), "clock_mhz: 100\n", ""))
                .find("tiny.yaml: clock_mhz: missing required field"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "  macs_int8_per_cycle: 64\n", ""))
                .find("tiny.yaml: tae.macs_int8_per_cycle: missing required field"),
            std::string::npos);
  const std::string t = tiny_text();
  EXPECT_NE(parse_error(t.substr(0, t.find("ops:\n"))).find("tiny.yaml: ops: missing required field"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(t, "{op: QConv, ", "{")).find("ops[0].op: missing required field"),
            std::string::npos);
}

TEST(MarchErrors, UnknownOp) {
  const std::string msg = parse_error(replace_once(tiny_text(), "op: QConv,", "op: QConvv,"));
  EXPECT_NE(msg.find("tiny.yaml: ops[0].op: unknown op 'QConvv'; did you mean 'QConv'?"), std::string::npos) << msg;
  EXPECT_NE(msg.find("QGlobalAveragePool"), std::string::npos) << "lists the known ops: " << msg;
}

TEST(MarchErrors, DuplicateOpRow) {
  std::string t = tiny_text();
  t += "  - {op: QAdd, dtypes: [i8]}\n";
  const std::string msg = parse_error(t);
  EXPECT_NE(msg.find("ops[23].op: duplicate row for QAdd (first at ops[3])"), std::string::npos) << msg;
}

TEST(MarchErrors, DuplicateKey) {
  const std::string msg = parse_error(replace_once(tiny_text(), "cores: 2\n", "cores: 2\ncores: 3\n"));
  EXPECT_NE(msg.find("cores: key is given twice"), std::string::npos) << msg;
}

TEST(MarchErrors, BadOpRowValues) {
  EXPECT_NE(parse_error(replace_once(tiny_text(), "dtypes: [i8, u8, i16]", "dtypes: [i8, f32]"))
                .find("ops[0].dtypes[1]: 'f32' is not one of i8, u8, i16"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "dtypes: [i8, u8, i16]", "dtypes: [i8, i8]")).find("listed twice"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "modes: [nearest, linear]", "modes: [nearest, bicubic]"))
                .find("'bicubic' is not a Resize mode"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "grouped: true}", "grouped: true, modes: [nearest]}"))
                .find("ops[0].modes: op QConv takes no modes"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "max_kernel: 7", "max_kernel: -1"))
                .find("ops[0].max_kernel: expected a non-negative integer, got -1"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "ops:\n", "ops: []\nx_ops:\n")).find("x_ops: unknown key"),
            std::string::npos);
}

TEST(MarchErrors, InconsistentEngines) {
  EXPECT_NE(parse_error(replace_once(tiny_text(), "macs_int16_per_cycle: 16", "macs_int16_per_cycle: 0"))
                .find("ops[0].dtypes: QConv lists i16 but tae.macs_int16_per_cycle is 0"),
            std::string::npos);
  EXPECT_NE(
      parse_error(replace_once(tiny_text(), "lut: true", "lut: false")).find("QLut is listed but vae.lut is false"),
      std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "resize: true", "resize: false"))
                .find("Resize is listed but aae.resize is false"),
            std::string::npos);
}

TEST(MarchErrors, Sizes) {
  auto mib = parse_march(replace_once(tiny_text(), "bytes: 96 KiB", "bytes: 2MiB"), "t.yaml");
  ASSERT_TRUE(mib.ok()) << mib.status().to_string();
  EXPECT_EQ(mib->sram.bytes, 2 * 1024 * 1024);
  auto plain = parse_march(replace_once(tiny_text(), "bytes: 96 KiB", "bytes: 12345"), "t.yaml");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->sram.bytes, 12345);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "bytes: 96 KiB", "bytes: 96 KB"))
                .find("sram.bytes: expected a positive size"),
            std::string::npos);
  EXPECT_NE(parse_error(replace_once(tiny_text(), "bytes: 96 KiB", "bytes: 99999999999999 GiB")).find("out of range"),
            std::string::npos);
  // Suffixes are for sizes only.
  EXPECT_NE(parse_error(replace_once(tiny_text(), "banks: 4", "banks: 4 KiB"))
                .find("sram.banks: expected a positive integer"),
            std::string::npos);
}

TEST(MarchErrors, MalformedYaml) {
  const std::string msg = parse_error("name: x\ntae: {macs_int8_per_cycle: 64\nclock_mhz: 1\n");
  EXPECT_NE(msg.find("tiny.yaml:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("YAML syntax error"), std::string::npos) << msg;
}

TEST(MarchLoad, UnknownPresetListsPresets) {
  auto m = load_march("nash-x");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kNotFound);
  const std::string& msg = m.status().message();
  for (const auto& name : preset_names()) EXPECT_NE(msg.find(name), std::string::npos) << name << ": " << msg;
  EXPECT_NE(msg.find("did you mean 'nash-"), std::string::npos) << msg;
}

TEST(MarchLoad, NonexistentFile) {
  auto m = load_march("/nonexistent/npukit/my_npu.yaml");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(m.status().message().find("/nonexistent/npukit/my_npu.yaml"), std::string::npos);
}

class MarchFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / (std::string("npukit_march_") + info->name() + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    const std::string p = (dir_ / name).string();
    std::ofstream(p) << text;
    return p;
  }
  fs::path dir_;
};

TEST_F(MarchFileTest, LoadsUserFile) {
  std::string t = replace_once(tiny_text(), "name: tiny\n", "name: my_npu\n");
  t = replace_once(t, "cores: 2", "cores: 4");
  const std::string path = write("custom.yaml", t);
  auto m = load_march(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "my_npu");
  EXPECT_EQ(m->cores, 4);
  EXPECT_DOUBLE_EQ(m->peak_int8_tops(), 2 * load_march("tiny")->peak_int8_tops());
}

TEST_F(MarchFileTest, NameDefaultsToFileStem) {
  const std::string path = write("my_npu.yml", replace_once(tiny_text(), "name: tiny\n", ""));
  auto m = load_march(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "my_npu");
}

TEST_F(MarchFileTest, ErrorsNameTheFile) {
  const std::string path =
      write("bad.yaml", replace_once(tiny_text(), "macs_int8_per_cycle: 64", "macs_int8_per_cycle: -3"));
  auto m = load_march(path);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(m.status().message(), path + ": tae.macs_int8_per_cycle: expected a positive integer, got -3");
}

TEST_F(MarchFileTest, PresetsWorkFromAnyFolder) {
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  auto m = load_march("nash-e");
  fs::current_path(old);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "nash-e");
}

TEST(MarchDocs, MinimalExampleParses) {
  const std::string doc = source_file("docs/MARCH.md");
  const size_t b = doc.find("name: my_npu\n");
  ASSERT_NE(b, std::string::npos);
  const size_t e = doc.find("```", b);
  ASSERT_NE(e, std::string::npos);
  auto m = parse_march(doc.substr(b, e - b), "docs/MARCH.md example");
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "my_npu");
  EXPECT_EQ(m->sram.bytes, 512 * 1024);
  ASSERT_NE(m->find_op("QConv"), nullptr);
  EXPECT_TRUE(m->find_op("QConv")->dtypes.empty());  // i8 and u8
  EXPECT_EQ(m->find_op("QMatMul"), nullptr);
}

TEST_F(MarchFileTest, PathWithoutYamlExtension) {
  const std::string path = write("npu_description", tiny_text());
  auto m = load_march(path);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->name, "tiny");
}

}  // namespace
}  // namespace npukit::march
