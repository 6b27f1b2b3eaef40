// SPDX-License-Identifier: Apache-2.0
// viz: DOT text for a graph (HTML-like node labels, escaped), laid out and rendered in memory by libgvc.
#include "viz/graph_svg.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_set>

#include "core/text.h"

namespace npukit::viz {
namespace {

constexpr const char* kFont = "Helvetica,Arial,sans-serif";

struct KindStyle {
  const char* fill;
  const char* font;
  const char* border;
  const char* style;
  const char* label;
};

KindStyle style_of(NodeKind k) {
  switch (k) {
    case NodeKind::kNpu: return {"#1f3a93", "white", "#0d1f5c", "rounded,filled", "NPU"};
    case NodeKind::kCpu: return {"#c4c4c4", "black", "#6b6b6b", "rounded,filled", "CPU"};
    case NodeKind::kFolded: return {"#f7f7f7", "#8a8a8a", "#a0a0a0", "rounded,filled,dashed", "folded"};
    case NodeKind::kNotPlaced: break;
  }
  return {"white", "black", "black", "rounded,filled", "not placed"};
}

constexpr const char* kInputFill = "#dff0d8";
constexpr const char* kOutputFill = "#fcf0d6";

/// Valid UTF-8 with control characters replaced by '?': Graphviz rejects malformed UTF-8 and XML forbids
/// most control characters, and node names may hold any bytes.
std::string clean_utf8(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    }
    bool ok = len != 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) ok = false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    // Overlong forms, surrogates, beyond U+10FFFF and C1 controls are replaced too.
    static constexpr uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp < 0xa0)))
      ok = false;
    if (!ok) {
      out += '?';
      ++i;
      continue;
    }
    out.append(s, i, len);
    i += len;
  }
  return out;
}

/// Text for an HTML-like label or a tooltip: XML entities (Graphviz keeps entities as written in tooltips, and
/// '"' then never ends a DOT string) and backslashes doubled (Graphviz expands "\N", "\G", ... in both).
std::string graphviz_escape(const std::string& raw) {
  const std::string s = xml_escape(clean_utf8(raw));
  std::string out;
  out.reserve(s.size() + 4);
  for (char c : s) {
    if (c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// A tooltip as a DOT quoted string body, lines joined with DOT's "\n".
std::string tooltip_text(const std::vector<std::string>& lines) {
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\\n";
    out += graphviz_escape(lines[i]);
  }
  return out;
}

/// Tooltips. In DOT text they are escaped for Graphviz. For SVG they are placeholders ("#tip<k>") that fill()
/// replaces after rendering: Graphviz expands backslash sequences ("\N" is the node id) twice in node tooltips
/// and once in edge tooltips, so no escaping would show every name exactly.
class Tips {
 public:
  explicit Tips(bool placeholders) : placeholders_(placeholders) {}
  std::string operator()(const std::vector<std::string>& lines) {
    if (!placeholders_) return tooltip_text(lines);
    std::string joined;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) joined += '\n';
      joined += clean_utf8(lines[i]);
    }
    texts_.push_back(std::move(joined));
    return "#tip" + std::to_string(texts_.size() - 1);
  }
  /// Puts the texts into the rendered SVG's xlink:title attributes, XML-escaped.
  std::string fill(const std::string& svg) const {
    static const std::string kKey = "xlink:title=\"#tip";
    std::string out;
    out.reserve(svg.size() + svg.size() / 2);
    size_t pos = 0;
    for (size_t at = svg.find(kKey); at != std::string::npos; at = svg.find(kKey, pos)) {
      const size_t num = at + kKey.size(), end = svg.find('"', num);
      if (end == std::string::npos) break;
      size_t k = 0;
      bool ok = end > num && end - num < 10;
      for (size_t i = num; ok && i < end; ++i) {
        ok = svg[i] >= '0' && svg[i] <= '9';
        k = k * 10 + static_cast<size_t>(svg[i] - '0');
      }
      ok = ok && k < texts_.size();
      out.append(svg, pos, at + 13 - pos);  // up to and including 'xlink:title="'
      if (ok) {
        for (char c : texts_[k]) {
          switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\n': out += "&#10;"; break;
            default: out += c;
          }
        }
      } else {
        out.append(svg, at + 13, end - (at + 13));
      }
      pos = end;
    }
    out.append(svg, pos, std::string::npos);
    return out;
  }

 private:
  bool placeholders_;
  std::vector<std::string> texts_;
};

/// Number of UTF-8 code points.
size_t utf8_len(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80;
  return n;
}

/// Byte offset of code point `k` (s.size() past the end).
size_t utf8_offset(const std::string& s, size_t k) {
  size_t cp = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xc0) == 0x80) continue;
    if (cp == k) return i;
    ++cp;
  }
  return s.size();
}

/// Long names keep their start and their end (the most telling part of "/backbone/stage3/block2/conv/Conv").
std::string shorten(const std::string& raw, size_t max_chars) {
  const std::string s = clean_utf8(raw);
  const size_t n = utf8_len(s);
  if (max_chars < 8 || n <= max_chars) return s;
  const size_t head = (max_chars - 1) / 3, tail = max_chars - 1 - head;
  return s.substr(0, utf8_offset(s, head)) + "\xe2\x80\xa6" + s.substr(utf8_offset(s, n - tail));
}

std::string type_text(const ir::Value* v) {
  if (!v || !v->has_type()) return "?";
  std::string s;
  const Shape& sh = v->shape();
  if (sh.empty()) {
    s = "scalar";
  } else {
    for (size_t i = 0; i < sh.size(); ++i) {
      if (i) s += "x";
      s += sh[i] < 0 ? std::string("?") : std::to_string(sh[i]);
    }
  }
  return s + " " + dtype_name(v->dtype());
}

std::string value_line(const ir::Value* v) {
  return v->name() + " (" + type_text(v) + ")";
}

/// Lists up to `max` values, then "... (+k more)".
void list_values(std::vector<std::string>& lines, const char* head, const std::vector<ir::Value*>& vs,
                 bool skip_constants, size_t max = 8) {
  size_t shown = 0, hidden = 0, consts = 0;
  for (const ir::Value* v : vs) {
    if (!v) continue;
    if (skip_constants && v->is_constant()) {
      ++consts;
      continue;
    }
    if (shown == max) {
      ++hidden;
      continue;
    }
    lines.push_back(std::string(shown == 0 ? head : "  ") + value_line(v));
    ++shown;
  }
  if (hidden) lines.push_back("  ... (+" + std::to_string(hidden) + " more)");
  if (consts) lines.push_back(std::string(shown ? "  + " : head) + std::to_string(consts) + " constant(s)");
}

void split_lines(std::vector<std::string>& lines, const std::string& text) {
  std::string cur;
  std::istringstream is(text);
  while (std::getline(is, cur)) lines.push_back(cur);
}

struct Counts {
  size_t by_kind[4] = {0, 0, 0, 0};
};

std::string legend_label(const std::string& title, const Counts& c, size_t nodes) {
  std::ostringstream os;
  os << "<<table border=\"0\" cellborder=\"1\" cellspacing=\"3\" cellpadding=\"4\">";
  os << "<tr><td colspan=\"6\" border=\"0\" align=\"left\"><b>" << graphviz_escape(title) << "</b>  "
     << "<font point-size=\"10\">" << nodes << " nodes</font></td></tr><tr>";
  for (NodeKind k : {NodeKind::kNpu, NodeKind::kCpu, NodeKind::kFolded, NodeKind::kNotPlaced}) {
    const size_t n = c.by_kind[static_cast<int>(k)];
    if (n == 0 && (k == NodeKind::kFolded || k == NodeKind::kNotPlaced)) continue;
    const KindStyle st = style_of(k);
    os << "<td bgcolor=\"" << st.fill << "\" color=\"" << st.border << "\""
       << (k == NodeKind::kFolded ? " style=\"dashed\"" : "") << "><font color=\"" << st.font << "\">" << st.label
       << " (" << n << ")</font></td>";
  }
  os << "<td bgcolor=\"" << kInputFill << "\">graph input</td>";
  os << "<td bgcolor=\"" << kOutputFill << "\">graph output</td>";
  os << "</tr></table>>";
  return os.str();
}

}  // namespace

NodeMarks marks_from_placement(const std::vector<npk::Placement>& placement) {
  NodeMarks marks;
  marks.reserve(placement.size());
  for (const npk::Placement& p : placement) {
    NodeMark m;
    m.kind = p.target == npk::Target::kNpu ? NodeKind::kNpu : NodeKind::kCpu;
    if (p.target == npk::Target::kCpu) m.reason = p.reason;
    if (!p.reason.empty()) m.note = (p.target == npk::Target::kCpu ? "CPU fallback: " : "unit: ") + p.reason;
    marks[p.node] = std::move(m);
  }
  return marks;
}

NodeMarks marks_from_provenance(const ir::Graph& original, const ir::Graph& integer,
                                const std::vector<npk::Placement>& placement) {
  std::unordered_map<std::string, const npk::Placement*> by_name;
  by_name.reserve(placement.size());
  for (const npk::Placement& p : placement) by_name[p.node] = &p;
  struct Derived {
    const ir::Node* node;
    const npk::Placement* place;  // nullptr: not placed
    bool conversion;              // QuantizeLinear / DequantizeLinear
  };
  std::unordered_map<std::string, std::vector<size_t>> by_origin;
  std::vector<Derived> derived;
  for (const ir::Node* n : integer.nodes()) {
    auto it = by_name.find(n->name());
    const bool conversion = n->op() == ir::OpKind::kQuantizeLinear || n->op() == ir::OpKind::kDequantizeLinear;
    derived.push_back({n, it == by_name.end() ? nullptr : it->second, conversion});
    const size_t idx = derived.size() - 1;
    if (n->origin().empty())
      by_origin[n->name()].push_back(idx);
    else
      for (const std::string& o : n->origin()) by_origin[o].push_back(idx);
  }
  NodeMarks marks;
  for (const ir::Node* f : original.nodes()) {
    std::vector<std::string> keys = f->origin();
    if (keys.empty()) keys.push_back(f->name());
    std::set<size_t> idx;
    for (const std::string& k : keys) {
      auto it = by_origin.find(k);
      if (it != by_origin.end()) idx.insert(it->second.begin(), it->second.end());
    }
    NodeMark m;
    if (idx.empty()) {
      m.kind = NodeKind::kFolded;
      m.note = "nothing of this node is left in the compiled graph (folded into a neighbour or a constant)";
      marks[f->name()] = std::move(m);
      continue;
    }
    bool any_compute = false;
    for (size_t i : idx) any_compute |= !derived[i].conversion;
    std::vector<const Derived*> cpu, npu, unplaced, conversions;
    for (size_t i : idx) {
      const Derived& d = derived[i];
      if (any_compute && d.conversion) {
        conversions.push_back(&d);
        continue;
      }
      if (!d.place)
        unplaced.push_back(&d);
      else if (d.place->target == npk::Target::kCpu)
        cpu.push_back(&d);
      else
        npu.push_back(&d);
    }
    std::ostringstream note;
    constexpr size_t kMaxListed = 8;
    if (!cpu.empty()) {
      m.kind = NodeKind::kCpu;
      // The short reason under the box: the compiled node with this node's name, else one of its op type.
      auto rank = [&](const Derived* d) {
        return d->node->name() == f->name() ? 0 : std::string(d->node->op_type()) == f->op_type() ? 1 : 2;
      };
      std::stable_sort(cpu.begin(), cpu.end(), [&](const Derived* a, const Derived* b) { return rank(a) < rank(b); });
      m.reason = cpu[0]->place->reason;
      note << cpu.size() << " of " << (cpu.size() + npu.size() + unplaced.size()) << " compiled node(s) on the CPU:\n";
      for (size_t i = 0; i < cpu.size() && i < kMaxListed; ++i)
        note << "  " << cpu[i]->node->name() << " (" << cpu[i]->node->op_type()
             << "): " << (cpu[i]->place->reason.empty() ? "no reason given" : cpu[i]->place->reason) << "\n";
      if (cpu.size() > kMaxListed) note << "  ... (+" << cpu.size() - kMaxListed << " more)\n";
    } else if (!npu.empty()) {
      m.kind = NodeKind::kNpu;
      note << "compiled to " << npu.size() << " NPU node(s):";
      for (size_t i = 0; i < npu.size() && i < kMaxListed; ++i) note << (i ? ", " : " ") << npu[i]->node->name();
      if (npu.size() > kMaxListed) note << ", ...";
      note << "\n";
    } else {
      m.kind = NodeKind::kNotPlaced;
      note << "compiled node(s) have no placement\n";
    }
    for (const Derived* c : conversions)
      note << "float/integer conversion " << c->node->name() << " (" << c->node->op_type() << ") on the "
           << (c->place ? npk::target_name(c->place->target) : "(not placed)") << "\n";
    m.note = note.str();
    if (!m.note.empty() && m.note.back() == '\n') m.note.pop_back();
    marks[f->name()] = std::move(m);
  }
  return marks;
}

namespace {

Expected<std::string> build_dot(const ir::Graph& g, const NodeMarks& marks, const GraphSvgOptions& o, Tips& tips) {
  const std::vector<ir::Node*> nodes = g.nodes();
  if (nodes.size() > o.max_nodes)
    return make_error(ErrorCode::kOutOfRange, "graph '", g.name(), "' has ", nodes.size(),
                      " nodes; pictures are limited to ", o.max_nodes);
  std::unordered_map<const ir::Node*, size_t> node_id;
  node_id.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) node_id[nodes[i]] = i;
  std::unordered_map<const ir::Value*, size_t> input_id;
  for (size_t i = 0; i < g.inputs().size(); ++i) input_id.emplace(g.inputs()[i], i);

  std::ostringstream os;
  os << "digraph model {\n";
  os << "  graph [rankdir=TB, fontname=\"" << kFont
     << "\", fontsize=12, nodesep=0.25, ranksep=0.3, bgcolor=white, labelloc=t, labeljust=l, outputorder=edgesfirst";
  // Fewer crossing-minimisation and network-simplex passes above 1000 nodes: no difference at 1500 nodes
  // (~1 s either way), 24 s instead of 33 s at 5000.
  if (nodes.size() > 1000) os << ", mclimit=0.3, nslimit=2, nslimit1=2, searchsize=10";
  os << "];\n";
  os << "  node [fontname=\"" << kFont
     << "\", fontsize=11, shape=box, style=\"rounded,filled\", margin=\"0.10,0.04\", height=0.3, penwidth=1];\n";
  os << "  edge [fontname=\"" << kFont << "\", fontsize=8, fontcolor=\"#444444\", color=\"#666666\", arrowsize=0.6];\n";

  // Graph inputs.
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    const ir::Value* v = g.inputs()[i];
    os << "  in" << i << " [shape=invhouse, style=filled, fillcolor=\"" << kInputFill
       << "\", color=\"#3c763d\", label=<<b>" << graphviz_escape(shorten(v->name(), o.max_name_chars))
       << "</b><br/><font point-size=\"9\">" << graphviz_escape(type_text(v)) << "</font>>, tooltip=\""
       << tips({"graph input " + v->name(), type_text(v)}) << "\"];\n";
  }

  Counts counts;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const ir::Node* n = nodes[i];
    auto it = marks.find(n->name());
    const NodeMark* mark = it == marks.end() ? nullptr : &it->second;
    const NodeKind kind = mark ? mark->kind : NodeKind::kNotPlaced;
    counts.by_kind[static_cast<int>(kind)]++;
    const KindStyle st = style_of(kind);
    std::ostringstream label;
    label << "<<b>" << graphviz_escape(shorten(n->name(), o.max_name_chars)) << "</b><br/>"
          << graphviz_escape(n->op_type());
    size_t shown = 0;
    for (const ir::Value* out : n->outputs()) {
      if (!out) continue;
      if (shown == 3) {
        label << "<br/><font point-size=\"9\">+" << (n->num_outputs() - 3) << " more</font>";
        break;
      }
      label << "<br/><font point-size=\"9\">" << graphviz_escape(type_text(out)) << "</font>";
      ++shown;
    }
    if (kind == NodeKind::kCpu && mark && !mark->reason.empty()) {
      // The reason, short, so a printed picture says why too.
      label << "<br/><font point-size=\"8\"><i>" << graphviz_escape(shorten(mark->reason, o.max_name_chars + 8))
            << "</i></font>";
    }
    label << ">";
    std::vector<std::string> tip{n->name(), std::string("op: ") + n->op_type(),
                                 std::string("runs on: ") + (kind == NodeKind::kNpu      ? "NPU"
                                                             : kind == NodeKind::kCpu    ? "CPU"
                                                             : kind == NodeKind::kFolded ? "nothing (folded away)"
                                                                                         : "not placed")};
    if (mark && !mark->note.empty()) split_lines(tip, mark->note);
    list_values(tip, "inputs: ", n->inputs(), true);
    list_values(tip, "outputs: ", n->outputs(), false);
    if (!n->origin().empty() && !(n->origin().size() == 1 && n->origin()[0] == n->name())) {
      std::string org = "from: ";
      for (size_t k = 0; k < n->origin().size() && k < 8; ++k) org += (k ? ", " : "") + n->origin()[k];
      if (n->origin().size() > 8) org += ", ...";
      tip.push_back(org);
    }
    if (!n->subgraphs().empty()) tip.push_back(std::to_string(n->subgraphs().size()) + " subgraph(s) not drawn");
    os << "  n" << i << " [label=" << label.str() << ", fillcolor=\"" << st.fill << "\", fontcolor=\"" << st.font
       << "\", color=\"" << st.border << "\", style=\"" << st.style << "\", tooltip=\"" << tips(tip) << "\"];\n";
  }

  // Graph outputs.
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const ir::Value* v = g.outputs()[i];
    os << "  out" << i << " [shape=house, style=filled, fillcolor=\"" << kOutputFill
       << "\", color=\"#8a6d3b\", label=<<b>" << graphviz_escape(shorten(v->name(), o.max_name_chars))
       << "</b><br/><font point-size=\"9\">" << graphviz_escape(type_text(v)) << "</font>>, tooltip=\""
       << tips({"graph output " + v->name(), type_text(v)}) << "\"];\n";
  }

  // Edges: one per (source, destination, tensor).
  auto source_of = [&](const ir::Value* v) -> std::string {
    if (!v) return "";
    if (const ir::Node* p = v->producer()) {
      auto it = node_id.find(p);
      if (it != node_id.end()) return "n" + std::to_string(it->second);
    }
    auto it = input_id.find(v);
    if (it != input_id.end()) return "in" + std::to_string(it->second);
    return "";
  };
  auto edge = [&](const std::string& src, const std::string& dst, const ir::Value* v) {
    const ir::Node* p = v->producer();
    const bool labelled = o.edge_shape_labels || (p && p->num_outputs() > 1);
    os << "  " << src << " -> " << dst << " [tooltip=\"" << tips({value_line(v)}) << "\"";
    if (labelled) os << ", xlabel=<" << graphviz_escape(type_text(v)) << ">";
    os << "];\n";
  };
  std::set<std::pair<const ir::Value*, size_t>> seen;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const ir::Value* v : nodes[i]->inputs()) {
      if (!v || v->is_constant() || !seen.insert({v, i}).second) continue;
      const std::string src = source_of(v);
      if (!src.empty()) edge(src, "n" + std::to_string(i), v);
    }
  }
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const std::string src = source_of(g.outputs()[i]);
    if (!src.empty()) edge(src, "out" + std::to_string(i), g.outputs()[i]);
  }
  // Inputs on the top rank, outputs on the bottom one.
  if (!g.inputs().empty()) {
    os << "  { rank=source;";
    for (size_t i = 0; i < g.inputs().size(); ++i) os << " in" << i << ";";
    os << " }\n";
  }
  if (o.legend) {
    const std::string title = o.title.empty() ? (g.name().empty() ? std::string("model") : g.name()) : o.title;
    os << "  label=" << legend_label(title, counts, nodes.size()) << ";\n";
  }
  os << "}\n";
  return os.str();
}

// Graphviz keeps its error hook and some parser state in globals: one render at a time.
std::mutex& graphviz_mutex() {
  static std::mutex m;
  return m;
}

std::string& graphviz_messages() {
  static std::string s;
  return s;
}

int collect_message(char* msg) {
  if (msg) graphviz_messages() += msg;
  return 0;
}

/// Runs dot on `dot_text` and renders `format`; frees every Graphviz object on every path.
Expected<std::string> layout_and_render(const std::string& dot_text, const char* format) {
  std::lock_guard<std::mutex> lock(graphviz_mutex());
  graphviz_messages().clear();
  const agusererrf old_fn = agseterrf(collect_message);
  const agerrlevel_t old_level = agseterr(AGWARN);
  struct Restore {
    agusererrf fn;
    agerrlevel_t level;
    ~Restore() {
      agseterrf(fn);
      agseterr(level);
      agreseterrors();
    }
  } restore{old_fn, old_level};
  auto fail = [](const char* what) {
    std::string m = graphviz_messages();
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return make_error(ErrorCode::kInternal, "graphviz ", what, " failed", m.empty() ? "" : ": ", m);
  };

  GVC_t* gvc = gvContext();
  if (!gvc) return fail("context");
  struct FreeContext {
    GVC_t* g;
    ~FreeContext() { gvFreeContext(g); }
  } free_context{gvc};
  Agraph_t* graph = agmemread(dot_text.c_str());
  if (!graph) return fail("parse");
  struct FreeGraph {
    Agraph_t* g;
    ~FreeGraph() { agclose(g); }
  } free_graph{graph};
  if (gvLayout(gvc, graph, "dot") != 0) return fail("dot layout");
  struct FreeLayout {
    GVC_t* c;
    Agraph_t* g;
    ~FreeLayout() { gvFreeLayout(c, g); }
  } free_layout{gvc, graph};
  char* data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(gvc, graph, format, &data, &length) != 0 || !data) {
    if (data) gvFreeRenderData(data);
    return fail("render");
  }
  std::string out(data, length);
  gvFreeRenderData(data);
  return out;
}

}  // namespace

Expected<std::string> graph_dot(const ir::Graph& g, const NodeMarks& marks, const GraphSvgOptions& o) {
  Tips tips(false);
  return build_dot(g, marks, o, tips);
}

Expected<std::string> render_graph(const ir::Graph& g, const NodeMarks& marks, const GraphSvgOptions& o) {
  if (o.format == GraphFormat::kDot) return graph_dot(g, marks, o);
  Tips tips(true);
  NPUKIT_ASSIGN_OR_RETURN(std::string dot, build_dot(g, marks, o, tips));
  NPUKIT_ASSIGN_OR_RETURN(std::string svg, layout_and_render(dot, "svg"));
  return tips.fill(svg);
}

Expected<std::string> graph_svg(const ir::Graph& g, const std::vector<npk::Placement>& placement,
                                const GraphSvgOptions& o) {
  return render_graph(g, marks_from_placement(placement), o);
}

}  // namespace npukit::viz
