// SPDX-License-Identifier: Apache-2.0
// estimate: render_html, the self-contained HTML performance report. The page has the four tabs, carries the
// report JSON unchanged (extracted back and compared), cannot be broken out of by hostile names
// ("</script>", "<!--", U+2028 in node or model names), references nothing on the network, and is valid
// for any JSON (missing keys, not an object, invalid UTF-8). The page's drawing is checked in a browser by
// tests/browser/run_browser_test.sh.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>
#include <string>

#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "estimate/perf_estimate.h"

namespace npukit::estimate {
namespace {

constexpr const char* kDataOpen = "<script type=\"application/json\" id=\"npukit-data\">";

nlohmann::json sample() {
  auto text = read_file(std::string(NPUKIT_SOURCE_DIR) + "/tests/data/perf_report_sample.json");
  EXPECT_TRUE(text.ok()) << text.status().to_string();
  if (!text.ok()) return nlohmann::json::object();
  return nlohmann::json::parse(*text);
}

// The inline data element's text (what the page's script reads).
std::string data_text(const std::string& html) {
  const size_t open = html.find(kDataOpen);
  EXPECT_NE(open, std::string::npos);
  if (open == std::string::npos) return "";
  const size_t begin = open + std::string(kDataOpen).size();
  const size_t end = html.find("</script>", begin);
  EXPECT_NE(end, std::string::npos);
  return html.substr(begin, end - begin);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

std::string title_of(const std::string& html) {
  const size_t a = html.find("<title>"), b = html.find("</title>");
  EXPECT_NE(a, std::string::npos);
  EXPECT_NE(b, std::string::npos);
  if (a == std::string::npos || b == std::string::npos) return "";
  return html.substr(a + 7, b - a - 7);
}

TEST(ReportHtml, HasTheFourTabsAndTheSelfTestHook) {
  const std::string html = render_html(sample());
  for (const char* tab : {"summary", "temporal", "layers", "timeline"}) {
    EXPECT_NE(html.find(std::string("id=\"tabbtn-") + tab + "\""), std::string::npos) << tab;
    EXPECT_NE(html.find(std::string("id=\"tab-") + tab + "\""), std::string::npos) << tab;
  }
  for (const char* label : {">Summary<", ">Temporal Statistics<", ">Layer Details<", ">Timeline<"}) {
    EXPECT_NE(html.find(label), std::string::npos) << label;
  }
  EXPECT_NE(html.find("id=\"npukit-selftest\""), std::string::npos);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // The build step inlined the style and the script, render_html filled every mark.
  EXPECT_EQ(html.find("{{NPUKIT_"), std::string::npos);
  EXPECT_NE(html.find("function renderTimeline"), std::string::npos);
  EXPECT_NE(html.find(".kpis {"), std::string::npos);
}

TEST(ReportHtml, JsonRoundTrips) {
  const nlohmann::json report = sample();
  ASSERT_TRUE(report.contains("timeline"));
  ASSERT_GT(report["timeline"].size(), 1000u);
  const std::string html = render_html(report);
  const nlohmann::json back = nlohmann::json::parse(data_text(html), nullptr, false);
  ASSERT_FALSE(back.is_discarded());
  EXPECT_EQ(back, report);
}

TEST(ReportHtml, TitleIsTheModelName) {
  nlohmann::json report = sample();
  EXPECT_EQ(title_of(render_html(report)), "mobilenetv2_sample - npukit performance report");
  report["summary"]["model_name"] = "yolo & <friends>";
  const std::string html = render_html(report);
  EXPECT_EQ(title_of(html), "yolo &amp; &lt;friends&gt; - npukit performance report");
  EXPECT_NE(html.find("id=\"model-name\">yolo &amp; &lt;friends&gt;</span>"), std::string::npos);
}

TEST(ReportHtml, HostileNamesCannotBreakOut) {
  const std::string benign = render_html(sample());
  nlohmann::json report = sample();
  const std::string evil = "</script><script>alert(1)</script><!-- \xE2\x80\xA8 \xE2\x80\xA9 & ' \" \\ ]]>";
  report["summary"]["model_name"] = evil;
  report["layers"][0]["name"] = evil;
  report["layers"][0]["op"] = "</SCRIPT>";
  report["timeline"][0]["layer"] = evil;
  report["summary"]["compile_options"]["</script>"] = "<b>";
  const std::string html = render_html(report);

  // No element can be closed or opened by the data: the markup is the benign page's.
  EXPECT_EQ(count(html, "</script>"), count(benign, "</script>"));
  EXPECT_EQ(count(html, "<script"), count(benign, "<script"));
  EXPECT_EQ(count(html, "<!--"), count(benign, "<!--"));
  const std::string data = data_text(html);
  for (const char* bad : {"<", ">", "&", "\xE2\x80\xA8", "\xE2\x80\xA9"}) {
    EXPECT_EQ(data.find(bad), std::string::npos) << bad;
  }
  // ... and still carries exactly the names.
  const nlohmann::json back = nlohmann::json::parse(data, nullptr, false);
  ASSERT_FALSE(back.is_discarded());
  EXPECT_EQ(back, report);
  EXPECT_EQ(back["layers"][0]["name"], evil);
  // The title is text.
  const std::string title = title_of(html);
  EXPECT_EQ(title.find('<'), std::string::npos);
  EXPECT_NE(title.find("&lt;/script&gt;&lt;script&gt;alert(1)"), std::string::npos);
  EXPECT_NE(title.find("&amp; &#39; &quot;"), std::string::npos);
}

TEST(ReportHtml, NothingFromTheNetwork) {
  const std::string html = render_html(sample());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // No attribute or CSS rule that loads anything: no src/href attribute, no url(), no @import (checked on
  // the page around an empty report; the data cannot hold markup, see HostileNamesCannotBreakOut).
  const std::string page = render_html(nlohmann::json::object());
  EXPECT_FALSE(std::regex_search(page, std::regex(R"((src|href|srcset|action)\s*=)", std::regex::icase)));
  EXPECT_EQ(html.find("url("), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<iframe"), std::string::npos);
}

TEST(ReportHtml, PageIsAsciiAroundUtf8Data) {
  // The embedded template is ASCII (the build splits it into raw-string chunks at byte offsets), so an
  // ASCII report renders to an all-ASCII page.
  nlohmann::json report = sample();
  const std::string html = render_html(report);
  size_t non_ascii = 0;
  for (unsigned char c : html) non_ascii += c >= 0x80;
  EXPECT_EQ(non_ascii, 0u);
  // A UTF-8 name stays UTF-8 (ensure_ascii is off) and invalid UTF-8 becomes U+FFFD instead of throwing.
  report["summary"]["model_name"] = "r\xC3\xA9seau \xFF";
  const std::string html2 = render_html(report);
  EXPECT_EQ(title_of(html2), "r\xC3\xA9seau \xEF\xBF\xBD - npukit performance report");
  const nlohmann::json back = nlohmann::json::parse(data_text(html2), nullptr, false);
  ASSERT_FALSE(back.is_discarded());
  EXPECT_EQ(back["summary"]["model_name"], "r\xC3\xA9seau \xEF\xBF\xBD");
}

TEST(ReportHtml, AnyJsonRenders) {
  for (const nlohmann::json& j : {nlohmann::json(), nlohmann::json::array({1, 2}), nlohmann::json::object(),
                                  nlohmann::json{{"summary", 3}}, nlohmann::json{{"summary", {{"model_name", 7}}}}}) {
    const std::string html = render_html(j);
    EXPECT_EQ(title_of(html), "model - npukit performance report") << j.dump();
    EXPECT_EQ(nlohmann::json::parse(data_text(html), nullptr, false), j) << j.dump();
    EXPECT_NE(html.find("id=\"tabbtn-timeline\""), std::string::npos);
  }
  // Non-finite numbers (nlohmann writes null) keep the JSON parseable.
  nlohmann::json report = sample();
  report["summary"]["fps"] = std::nan("");
  const nlohmann::json back = nlohmann::json::parse(data_text(render_html(report)), nullptr, false);
  ASSERT_FALSE(back.is_discarded());
  EXPECT_TRUE(back["summary"]["fps"].is_null());
}

}  // namespace
}  // namespace npukit::estimate
