// SPDX-License-Identifier: Apache-2.0
// .npk writer: NpkModel -> FlatBuffers metadata + 64-byte aligned weights section + header (docs/MODEL_FORMAT.md).
#include "npk/npk_file_util.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/file_util.h"
#include "npk/npk_generated.h"
#include "npk/npk_validate.h"

namespace npukit::npk {
namespace {

using namespace file_detail;  // NOLINT: the container helpers shared with the reader

// =====================================================================================================
// Writer
// =====================================================================================================

using flatbuffers::Offset;
using FbString = Offset<flatbuffers::String>;

class Writer {
 public:
  /// `checked`: apply the reader's graph rules while writing (off only for tests of the reader).
  explicit Writer(bool checked) : checked_(checked) {
    fbb_.ForceDefaults(true);  // every scalar stored (exact -0.0f, explicit zeros)
  }

  Expected<std::vector<uint8_t>> run(const NpkModel& m, NpkFileInfo* info);

 private:
  using ValueIndex = std::unordered_map<const ir::Value*, int32_t>;

  FbString str(const std::string& s) { return fbb_.CreateString(s); }
  Offset<flatbuffers::Vector<FbString>> strs(const std::vector<std::string>& v) {
    return fbb_.CreateVectorOfStrings(v);
  }
  Offset<flatbuffers::Vector<int64_t>> longs(const std::vector<int64_t>& v) { return fbb_.CreateVector(v); }

  Expected<Offset<fb::TensorData>> tensor(const Tensor& t, const std::string& what);
  Expected<Offset<fb::Graph>> graph(const ir::Graph& g);
  Expected<fb::ValueRef> ref(const ir::Value* v, const std::string& where) const;
  Expected<Offset<fb::Attr>> attr(const std::string& name, const AttrValue& v, const std::string& where);
  Offset<fb::Program> program(const Program& p);

  bool checked_;
  flatbuffers::FlatBufferBuilder fbb_{1 << 16};
  std::vector<uint8_t> weights_;
  std::map<std::pair<const void*, size_t>, uint64_t> stored_;  ///< shared tensor buffers are stored once
  std::vector<const ValueIndex*> scopes_;                      ///< value indices, innermost graph last
};

Expected<Offset<fb::TensorData>> Writer::tensor(const Tensor& t, const std::string& what) {
  if (dtype_size(t.dtype()) == 0)
    return make_error(ErrorCode::kInvalidModel, what, ": tensor of type ", dtype_name(t.dtype()), " cannot be stored");
  if (t.nbytes() > 0 && t.raw() == nullptr)
    return make_error(ErrorCode::kInvalidModel, what, ": tensor ", shape_str(t.shape()), " has no data");
  if (checked_) {
    NPUKIT_RETURN_IF_ERROR(check_shape(t.shape(), what));
    NPUKIT_RETURN_IF_ERROR(check_bool_data(t, what));
  }
  const size_t n = t.nbytes();
  uint64_t offset = 0;
  auto key = std::make_pair(t.raw(), n);
  auto it = stored_.find(key);
  if (it != stored_.end() && n > 0) {
    offset = it->second;
  } else {
    offset = align_up(weights_.size());
    weights_.resize(offset, 0);
    const auto* p = static_cast<const uint8_t*>(t.raw());
    if (n > 0) weights_.insert(weights_.end(), p, p + n);
    if (n > 0) stored_[key] = offset;
  }
  auto shape = longs(t.shape());
  return fb::CreateTensorData(fbb_, static_cast<fb::DType>(t.dtype()), shape, offset, n);
}

Expected<fb::ValueRef> Writer::ref(const ir::Value* v, const std::string& where) const {
  if (v == nullptr) return fb::ValueRef(-1, -1);
  for (size_t k = 0; k < scopes_.size(); ++k) {
    const ValueIndex& idx = *scopes_[scopes_.size() - 1 - k];
    auto it = idx.find(v);
    if (it != idx.end()) return fb::ValueRef(static_cast<int32_t>(k), it->second);
  }
  return make_error(ErrorCode::kInvalidModel, where, ": value '", v->name(), "' belongs to no enclosing graph");
}

Expected<Offset<fb::Attr>> Writer::attr(const std::string& name, const AttrValue& v, const std::string& where) {
  const AttrType kind = attr_value_type(v);
  auto fname = str(name);
  int64_t i = 0;
  float f = 0.f;
  FbString s = 0;
  Offset<flatbuffers::Vector<int64_t>> ints = 0;
  Offset<flatbuffers::Vector<float>> floats = 0;
  Offset<flatbuffers::Vector<FbString>> strings = 0;
  Offset<fb::TensorData> t = 0;
  switch (kind) {
    case AttrType::kInt: i = std::get<int64_t>(v); break;
    case AttrType::kFloat: f = std::get<float>(v); break;
    case AttrType::kString: s = str(std::get<std::string>(v)); break;
    case AttrType::kInts: ints = longs(std::get<std::vector<int64_t>>(v)); break;
    case AttrType::kFloats: floats = fbb_.CreateVector(std::get<std::vector<float>>(v)); break;
    case AttrType::kStrings: strings = strs(std::get<std::vector<std::string>>(v)); break;
    case AttrType::kTensor: {
      NPUKIT_ASSIGN_OR_RETURN(t, tensor(std::get<Tensor>(v), where + " attribute '" + name + "'"));
      break;
    }
  }
  return fb::CreateAttr(fbb_, fname, static_cast<fb::AttrKind>(kind), i, f, s, ints, floats, strings, t);
}

Expected<Offset<fb::Graph>> Writer::graph(const ir::Graph& g) {
  if (static_cast<int>(scopes_.size()) >= kMaxGraphDepth)
    return make_error(ErrorCode::kInvalidModel, "graph '", g.name(), "': subgraphs nested deeper than ",
                      kMaxGraphDepth);
  ValueIndex index;
  const std::vector<ir::Value*> values = g.values();
  if (values.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()))
    return make_error(ErrorCode::kOutOfRange, "graph '", g.name(), "' has too many values");
  std::vector<Offset<fb::Value>> fvalues;
  for (size_t i = 0; i < values.size(); ++i) {
    const ir::Value* v = values[i];
    index[v] = static_cast<int32_t>(i);
    if (checked_) {
      const std::string w = "value '" + v->name() + "'";
      if (!dtype_in_range(v->dtype()))
        return bad(w, ": dtype ", static_cast<int>(v->dtype()), " is not a known element type");
      NPUKIT_RETURN_IF_ERROR(check_shape(v->shape(), w));
    }
    auto name = str(v->name());
    auto shape = longs(v->shape());
    auto dims = strs(v->dim_params);
    Offset<fb::TensorData> c = 0;
    if (v->is_constant()) {
      NPUKIT_ASSIGN_OR_RETURN(c, tensor(*v->const_value(), "constant '" + v->name() + "'"));
    }
    fvalues.push_back(fb::CreateValue(fbb_, name, static_cast<fb::DType>(v->dtype()), shape, dims, c));
  }
  scopes_.push_back(&index);
  struct PopScope {
    std::vector<const ValueIndex*>& s;
    ~PopScope() { s.pop_back(); }
  } pop{scopes_};

  std::vector<Offset<fb::Node>> fnodes;
  for (const ir::Node* n : g.nodes()) {
    const std::string where = std::string(n->op_type()) + " '" + n->name() + "'";
    std::vector<fb::ValueRef> ins;
    for (const ir::Value* v : n->inputs()) {
      NPUKIT_ASSIGN_OR_RETURN(auto r, ref(v, where));
      ins.push_back(r);
    }
    std::vector<uint32_t> outs;
    for (const ir::Value* v : n->outputs()) {
      auto it = index.find(v);
      if (it == index.end())
        return make_error(ErrorCode::kInvalidModel, where, ": output '", v ? v->name() : "", "' is not in its graph");
      outs.push_back(static_cast<uint32_t>(it->second));
    }
    std::vector<Offset<fb::Attr>> attrs;
    for (const auto& [k, a] : n->attrs().all()) {
      if (checked_) NPUKIT_RETURN_IF_ERROR(check_attr_kind(ir::op_info(n->op()), k, a, where));
      NPUKIT_ASSIGN_OR_RETURN(auto fa, attr(k, a, where));
      attrs.push_back(fa);
    }
    std::vector<Offset<fb::Subgraph>> subs;
    for (const auto& [k, sg] : n->subgraphs()) {
      if (!sg) return make_error(ErrorCode::kInvalidModel, where, ": subgraph '", k, "' is null");
      NPUKIT_ASSIGN_OR_RETURN(auto fg, graph(*sg));
      subs.push_back(fb::CreateSubgraph(fbb_, str(k), fg));
    }
    const ir::OpInfo& info = ir::op_info(n->op());
    auto domain = str(info.domain);
    auto op_type = str(info.name);
    auto name = str(n->name());
    auto origin = strs(n->origin());
    auto fins = fbb_.CreateVectorOfStructs(ins);
    auto fouts = fbb_.CreateVector(outs);
    auto fattrs = fbb_.CreateVector(attrs);
    auto fsubs = fbb_.CreateVector(subs);
    fnodes.push_back(fb::CreateNode(fbb_, domain, op_type, name, origin, fins, fouts, fattrs, fsubs));
  }
  std::vector<uint32_t> ins;
  for (const ir::Value* v : g.inputs()) {
    auto it = index.find(v);
    if (it == index.end())
      return make_error(ErrorCode::kInvalidModel, "graph '", g.name(), "': input '", v->name(), "' is not its own");
    ins.push_back(static_cast<uint32_t>(it->second));
  }
  std::vector<fb::ValueRef> outs;
  for (const ir::Value* v : g.outputs()) {
    if (!v) return make_error(ErrorCode::kInvalidModel, "graph '", g.name(), "': null output");
    NPUKIT_ASSIGN_OR_RETURN(auto r, ref(v, "graph '" + g.name() + "' output"));
    outs.push_back(r);
  }
  auto name = str(g.name());
  auto fv = fbb_.CreateVector(fvalues);
  auto fn = fbb_.CreateVector(fnodes);
  auto fi = fbb_.CreateVector(ins);
  auto fo = fbb_.CreateVectorOfStructs(outs);
  return fb::CreateGraph(fbb_, name, fv, fn, fi, fo);
}

fb::Box to_fb(const Box& b) {
  return fb::Box(b.rank, flatbuffers::span<const int64_t, kMaxBoxRank>(b.start.data(), kMaxBoxRank),
                 flatbuffers::span<const int64_t, kMaxBoxRank>(b.size.data(), kMaxBoxRank));
}

fb::Operand to_fb(const Operand& o) {
  return fb::Operand(static_cast<fb::Role>(o.role), static_cast<fb::DType>(o.dtype), o.addr, to_fb(o.box));
}

Offset<fb::Program> Writer::program(const Program& p) {
  std::vector<Offset<fb::Buffer>> bufs;
  for (const DdrBuffer& b : p.buffers) {
    auto value = str(b.value);
    auto shape = longs(b.shape);
    bufs.push_back(fb::CreateBuffer(fbb_, value, static_cast<fb::DType>(b.dtype), shape,
                                    static_cast<fb::BufferKind>(b.kind), b.offset, b.alias_of));
  }
  std::vector<Offset<fb::Command>> cmds;
  cmds.reserve(p.commands.size());
  for (const Command& c : p.commands) {
    std::vector<fb::Operand> srcs;
    for (const Operand& o : c.srcs) srcs.push_back(to_fb(o));
    auto fsrcs = fbb_.CreateVectorOfStructs(srcs);
    auto deps = fbb_.CreateVector(c.deps);
    const fb::Box box = to_fb(c.box);
    const fb::Operand dst = to_fb(c.dst);
    cmds.push_back(fb::CreateCommand(fbb_, static_cast<fb::CmdOp>(c.op), c.core, c.layer, c.buffer, &box, c.flags,
                                     c.part, fsrcs, &dst, deps));
  }
  std::vector<fb::FunctionCall> fcs;
  for (const FunctionCall& f : p.function_calls) fcs.emplace_back(f.first_command, f.num_commands, f.estimated_us);
  auto fbufs = fbb_.CreateVector(bufs);
  auto fcmds = fbb_.CreateVector(cmds);
  auto ffcs = fbb_.CreateVectorOfStructs(fcs);
  return fb::CreateProgram(fbb_, fbufs, fcmds, ffcs, p.arena_bytes, p.num_cores, p.sram_bytes_per_core);
}

Expected<std::vector<uint8_t>> Writer::run(const NpkModel& m, NpkFileInfo* info) {
  // Graph and model metadata.
  NPUKIT_ASSIGN_OR_RETURN(auto fgraph, graph(m.model.graph));
  std::vector<Offset<fb::OpsetImport>> opsets;
  for (const auto& [domain, version] : m.model.opset_imports)
    opsets.push_back(fb::CreateOpsetImport(fbb_, str(domain), version));
  std::vector<Offset<fb::StringPair>> meta;
  for (const auto& [k, v] : m.model.metadata) {
    auto fk = str(k);
    auto fv = str(v);
    meta.push_back(fb::CreateStringPair(fbb_, fk, fv));
  }
  auto fopsets = fbb_.CreateVector(opsets);
  auto fmeta = fbb_.CreateVector(meta);
  auto pname = str(m.model.producer_name);
  auto pversion = str(m.model.producer_version);
  auto doc = str(m.model.doc_string);
  auto source = str(m.model.source_path);
  auto fmodel =
      fb::CreateModel(fbb_, fgraph, m.model.ir_version, m.model.opset, fopsets, pname, pversion, doc, fmeta, source);
  // Compiled parts.
  std::vector<Offset<fb::Segment>> segs;
  for (const Segment& s : m.segments) {
    auto nodes = fbb_.CreateVector(s.nodes);
    auto ins = strs(s.inputs);
    auto outs = strs(s.outputs);
    segs.push_back(fb::CreateSegment(fbb_, static_cast<fb::Target>(s.target), nodes, ins, outs, s.program));
  }
  std::vector<Offset<fb::Program>> progs;
  for (const Program& p : m.programs) progs.push_back(program(p));
  std::vector<Offset<fb::Placement>> places;
  for (const Placement& p : m.placement) {
    auto node = str(p.node);
    auto op = str(p.op);
    auto reason = str(p.reason);
    places.push_back(fb::CreatePlacement(fbb_, node, op, static_cast<fb::Target>(p.target), reason));
  }
  auto ios = [&](const std::vector<IoDesc>& v) {
    std::vector<Offset<fb::IoDesc>> out;
    for (const IoDesc& d : v) {
      auto name = str(d.name);
      auto shape = longs(d.shape);
      auto layout = str(d.layout);
      auto source = str(d.source);
      auto input_type = str(d.input_type);
      out.push_back(fb::CreateIoDesc(fbb_, name, static_cast<fb::DType>(d.dtype), shape, layout, source, input_type));
    }
    return fbb_.CreateVector(out);
  };
  auto fins = ios(m.inputs);
  auto fouts = ios(m.outputs);
  auto fsegs = fbb_.CreateVector(segs);
  auto fprogs = fbb_.CreateVector(progs);
  auto fplaces = fbb_.CreateVector(places);
  auto model_name = str(m.model_name);
  auto version = str(m.npukit_version);
  auto march_name = str(m.march_name);
  auto march_yaml = str(m.march_yaml);
  auto options = str(m.compile_options_json);
  auto preprocess = str(m.preprocess_json);
  auto root = fb::CreateNpkMeta(fbb_, model_name, version, fmodel, fsegs, fprogs, fplaces, fins, fouts, march_name,
                                march_yaml, options, preprocess);
  fb::FinishNpkMetaBuffer(fbb_, root);

  // Layout: header + section table, metadata, weights; each section starts on a 64-byte boundary.
  const uint64_t header_bytes = kFixedHeaderBytes + 2 * kSectionEntryBytes;
  const uint64_t meta_off = align_up(header_bytes);
  const uint64_t meta_bytes = fbb_.GetSize();
  const uint64_t weights_off = align_up(meta_off + meta_bytes);
  const uint64_t weights_bytes = align_up(weights_.size());
  const uint64_t file_bytes = weights_off + weights_bytes;
  std::vector<uint8_t> out(file_bytes, 0);
  uint8_t* h = out.data();
  std::memcpy(h + kOffMagic, kMagic, 4);
  put_u32(h + kOffMajor, kFormatMajor);
  put_u32(h + kOffMinor, kFormatMinor);
  put_u32(h + kOffHeaderBytes, static_cast<uint32_t>(header_bytes));
  put_u32(h + kOffFlags, 0);
  put_u32(h + kOffSectionCount, 2);
  put_u64(h + kOffFileBytes, file_bytes);
  uint8_t* e = h + kFixedHeaderBytes;
  put_u32(e + 0, kSectionMetadata);
  put_u64(e + 8, meta_off);
  put_u64(e + 16, meta_bytes);
  e += kSectionEntryBytes;
  put_u32(e + 0, kSectionWeights);
  put_u64(e + 8, weights_off);
  put_u64(e + 16, weights_bytes);
  std::memcpy(h + meta_off, fbb_.GetBufferPointer(), meta_bytes);
  if (!weights_.empty()) std::memcpy(h + weights_off, weights_.data(), weights_.size());
  const uint32_t params_crc = crc_update(crc_update(0, nullptr, 0), h + weights_off, weights_bytes);
  put_u32(h + kOffParamsCrc, params_crc);
  const uint32_t crc = file_crc(h, out.size());
  put_u32(h + kOffFileCrc, crc);
  if (info) {
    info->format_major = kFormatMajor;
    info->format_minor = kFormatMinor;
    info->file_bytes = file_bytes;
    info->file_crc32 = crc;
    info->params_crc32 = params_crc;
    info->weights_bytes = weights_bytes;
  }
  return out;
}

}  // namespace

namespace file_detail {

Expected<std::vector<uint8_t>> write_npk_bytes(const NpkModel& m, NpkFileInfo* info, bool checked) {
  Writer w(checked);
  return w.run(m, info);
}

}  // namespace file_detail
}  // namespace npukit::npk
