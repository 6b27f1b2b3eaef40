// SPDX-License-Identifier: Apache-2.0
// core: text escaping shared by the writers of HTML / SVG / XML (performance report, graph pictures).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace npukit {

/// Escapes the five XML special characters: & < > " ' (as &amp; &lt; &gt; &quot; &#39;). Safe in element
/// text and in single- or double-quoted attribute values of HTML, SVG and XML.
std::string xml_escape(std::string_view s);

/// The items separated by `sep`: join({"a", "b"}) == "a, b".
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

}  // namespace npukit
