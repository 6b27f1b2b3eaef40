// SPDX-License-Identifier: Apache-2.0
// .npk files: a fixed little-endian header with a section table, a FlatBuffers metadata section
// (npk/npk.fbs) and a weights section of 64-byte aligned constant tensors. docs/MODEL_FORMAT.md is the
// layout's description for users; keep the two in step.
#include "npk/npk_file.h"

#include <zlib.h>

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
#include "npk/npk_file_util.h"
#include "npk/npk_generated.h"
#include "npk/npk_validate.h"

namespace npukit::npk {

// The schema's enums carry the C++ enums' numeric values.
static_assert(static_cast<int>(fb::DType::String) == static_cast<int>(DType::kString));
static_assert(static_cast<int>(fb::DType::Bool) == static_cast<int>(DType::kBool));
static_assert(static_cast<int>(fb::DType::F32) == static_cast<int>(DType::kF32));
static_assert(static_cast<int>(fb::AttrKind::Tensor) == static_cast<int>(AttrType::kTensor));
static_assert(static_cast<int>(fb::AttrKind::Strings) == static_cast<int>(AttrType::kStrings));
static_assert(static_cast<int>(fb::CmdOp::Pad) == static_cast<int>(CmdOp::kPad));
static_assert(static_cast<int>(fb::CmdOp::MAX) + 1 == kNumCmdOps);
static_assert(static_cast<int>(fb::Role::Out) == static_cast<int>(Role::kOut));
static_assert(static_cast<int>(fb::BufferKind::Constant) == static_cast<int>(BufferKind::kConstant));
static_assert(static_cast<int>(fb::Target::Cpu) == static_cast<int>(Target::kCpu));
static_assert(sizeof(fb::Box) == 8 + 2 * 8 * kMaxBoxRank, "npk.fbs Box arrays must have kMaxBoxRank entries");

namespace {

using namespace file_detail;  // NOLINT: the container helpers shared with the writer
using flatbuffers::Offset;

// =====================================================================================================
// Reader
// =====================================================================================================

std::string fstr(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

std::vector<std::string> fstrs(const flatbuffers::Vector<Offset<flatbuffers::String>>* v) {
  std::vector<std::string> out;
  if (v) {
    out.reserve(v->size());
    for (const flatbuffers::String* s : *v) out.push_back(fstr(s));
  }
  return out;
}

template <class T>
std::vector<T> fvec(const flatbuffers::Vector<T>* v) {
  return v ? std::vector<T>(v->begin(), v->end()) : std::vector<T>();
}

bool fb_dtype_ok(fb::DType t) {
  return static_cast<uint8_t>(t) <= static_cast<uint8_t>(fb::DType::MAX);
}

/// A shape read from a file (checked by check_shape).
Expected<Shape> read_shape(const flatbuffers::Vector<int64_t>* v, const std::string& where) {
  Shape s = fvec(v);
  NPUKIT_RETURN_IF_ERROR(check_shape(s, where));
  return s;
}

class Reader {
 public:
  Reader(const uint8_t* weights, uint64_t weights_bytes) : weights_(weights), weights_bytes_(weights_bytes) {}

  Status model(const fb::Model* fm, ir::Model& m);
  Expected<Program> program(const fb::Program* fp, size_t pi) const;

 private:
  Expected<Tensor> tensor(const fb::TensorData* td, const std::string& where) const;
  Status graph(const fb::Graph* fg, ir::Graph& g, int depth);
  Expected<ir::Value*> resolve(const fb::ValueRef& r, const std::string& where) const;
  Expected<AttrValue> attr(const fb::Attr* fa, const std::string& where) const;

  const uint8_t* weights_;
  uint64_t weights_bytes_;
  std::vector<const std::vector<ir::Value*>*> scopes_;  ///< values by index, innermost graph last
};

Expected<Tensor> Reader::tensor(const fb::TensorData* td, const std::string& where) const {
  if (!fb_dtype_ok(td->dtype()))
    return bad(where, ": dtype ", static_cast<int>(td->dtype()), " is not a known element type");
  const DType dt = static_cast<DType>(td->dtype());
  if (dtype_size(dt) == 0) return bad(where, ": tensors of type ", dtype_name(dt), " cannot be stored");
  NPUKIT_ASSIGN_OR_RETURN(Shape shape, read_shape(td->shape(), where));
  const uint64_t expect = static_cast<uint64_t>(numel(shape)) * dtype_size(dt);
  if (td->size() != expect)
    return bad(where, ": data size ", td->size(), " bytes, but ", dtype_name(dt), shape_str(shape), " needs ", expect);
  if (td->offset() % kAlign != 0) return bad(where, ": data offset ", td->offset(), " is not a multiple of ", kAlign);
  if (td->offset() > weights_bytes_ || td->size() > weights_bytes_ - td->offset())
    return bad(where, ": data [", td->offset(), ", +", td->size(), ") lies outside the ", weights_bytes_,
               "-byte weights section");
  auto t = Tensor::create(dt, std::move(shape));
  if (!t.ok()) return bad(where, ": ", t.status().message());
  if (expect > 0) std::memcpy(t->raw(), weights_ + td->offset(), expect);
  NPUKIT_RETURN_IF_ERROR(check_bool_data(*t, where));
  return std::move(t).value();
}

Expected<ir::Value*> Reader::resolve(const fb::ValueRef& r, const std::string& where) const {
  if (r.scope() < 0 || static_cast<size_t>(r.scope()) >= scopes_.size())
    return bad(where, ": value scope ", r.scope(), " is out of range (nesting depth ", scopes_.size(), ")");
  const std::vector<ir::Value*>& vals = *scopes_[scopes_.size() - 1 - static_cast<size_t>(r.scope())];
  if (r.index() < 0 || static_cast<size_t>(r.index()) >= vals.size())
    return bad(where, ": value index ", r.index(), " is out of range (graph has ", vals.size(), " values)");
  return vals[static_cast<size_t>(r.index())];
}

Expected<AttrValue> Reader::attr(const fb::Attr* fa, const std::string& where) const {
  const std::string w = where + " attribute '" + fa->name()->str() + "'";
  auto need = [&](const void* p, const char* field) -> Status {
    if (p) return Status::Ok();
    return bad(w, ": kind ", attr_type_name(static_cast<AttrType>(fa->kind())), " but no ", field, " field");
  };
  switch (fa->kind()) {
    case fb::AttrKind::Int: return AttrValue(fa->i());
    case fb::AttrKind::Float: return AttrValue(fa->f());
    case fb::AttrKind::String: NPUKIT_RETURN_IF_ERROR(need(fa->s(), "s")); return AttrValue(fa->s()->str());
    case fb::AttrKind::Ints: NPUKIT_RETURN_IF_ERROR(need(fa->ints(), "ints")); return AttrValue(fvec(fa->ints()));
    case fb::AttrKind::Floats:
      NPUKIT_RETURN_IF_ERROR(need(fa->floats(), "floats"));
      return AttrValue(fvec(fa->floats()));
    case fb::AttrKind::Strings:
      NPUKIT_RETURN_IF_ERROR(need(fa->strings(), "strings"));
      return AttrValue(fstrs(fa->strings()));
    case fb::AttrKind::Tensor: {
      NPUKIT_RETURN_IF_ERROR(need(fa->t(), "t"));
      NPUKIT_ASSIGN_OR_RETURN(Tensor t, tensor(fa->t(), w));
      return AttrValue(std::move(t));
    }
  }
  return bad(w, ": kind ", static_cast<int>(fa->kind()), " is not a known attribute kind");
}

Status Reader::graph(const fb::Graph* fg, ir::Graph& g, int depth) {
  if (depth > kMaxGraphDepth) return bad("subgraphs nested deeper than ", kMaxGraphDepth);
  g.set_name(fstr(fg->name()));
  const std::string gw = depth == 0 ? std::string("main graph") : "subgraph '" + g.name() + "'";
  // Values, in creation order.
  std::vector<ir::Value*> values;
  if (fg->values()) {
    values.reserve(fg->values()->size());
    for (const fb::Value* fv : *fg->values()) {
      const std::string w = gw + " value " + std::to_string(values.size()) + " '" + fv->name()->str() + "'";
      auto v = g.add_value(fv->name()->str());
      if (!v.ok()) return bad(gw, ": ", v.status().message());
      if (!fb_dtype_ok(fv->dtype()))
        return bad(w, ": dtype ", static_cast<int>(fv->dtype()), " is not a known element type");
      const DType dt = static_cast<DType>(fv->dtype());
      NPUKIT_ASSIGN_OR_RETURN(Shape shape, read_shape(fv->shape(), w));
      if (fv->constant()) {
        NPUKIT_ASSIGN_OR_RETURN(Tensor t, tensor(fv->constant(), w));
        if (t.dtype() != dt || t.shape() != shape)
          return bad(w, ": constant data ", dtype_name(t.dtype()), shape_str(t.shape()),
                     " does not match the value's type ", dtype_name(dt), shape_str(shape));
        (*v)->set_constant(std::move(t));
      } else if (dt != DType::kUndefined) {
        (*v)->set_type(dt, std::move(shape));
      }
      (*v)->dim_params = fstrs(fv->dim_params());
      values.push_back(*v);
    }
  }
  scopes_.push_back(&values);
  struct PopScope {
    std::vector<const std::vector<ir::Value*>*>& s;
    ~PopScope() { s.pop_back(); }
  } pop{scopes_};
  // Inputs.
  if (fg->inputs()) {
    std::set<uint32_t> seen;
    for (uint32_t i : *fg->inputs()) {
      if (i >= values.size())
        return bad(gw, ": input value index ", i, " is out of range (", values.size(), " values)");
      if (!seen.insert(i).second) return bad(gw, ": value '", values[i]->name(), "' is listed twice as input");
      g.add_input(values[i]);
    }
  }
  // Nodes, in order.
  if (fg->nodes()) {
    size_t ni = 0;
    for (const fb::Node* fn : *fg->nodes()) {
      const std::string domain = fstr(fn->domain());
      const std::string op_type = fn->op_type()->str();
      const std::string name = fstr(fn->name());
      const std::string w = gw + " node " + std::to_string(ni++) + " " + op_type + " '" + name + "'";
      const ir::OpInfo* info = ir::find_op(domain, op_type);
      if (!info) return bad(w, ": unknown op '", domain.empty() ? "" : domain + "::", op_type, "'");
      // Arity first (Graph::verify checks it again): it also bounds the per-node work below.
      const size_t nin = fn->inputs() ? fn->inputs()->size() : 0, nout = fn->outputs() ? fn->outputs()->size() : 0;
      if (nin < static_cast<size_t>(info->min_inputs) || nin > static_cast<size_t>(info->max_inputs) ||
          nout < static_cast<size_t>(info->min_outputs) || nout > static_cast<size_t>(info->max_outputs))
        return bad(w, ": has ", nin, " inputs and ", nout, " outputs, the op takes ", info->min_inputs, "..",
                   info->max_inputs, " and ", info->min_outputs, "..", info->max_outputs);
      std::vector<ir::Value*> ins;
      if (fn->inputs()) {
        for (const fb::ValueRef* r : *fn->inputs()) {
          if (r->scope() == -1 && r->index() == -1) {
            ins.push_back(nullptr);
            continue;
          }
          NPUKIT_ASSIGN_OR_RETURN(ir::Value * v, resolve(*r, w + " input " + std::to_string(ins.size())));
          ins.push_back(v);
        }
      }
      std::vector<ir::Value*> outs;
      if (fn->outputs()) {
        for (uint32_t o : *fn->outputs()) {
          if (o >= values.size())
            return bad(w, ": output value index ", o, " is out of range (", values.size(), " values)");
          ir::Value* v = values[o];
          if (v->is_constant() || v->is_graph_input() || v->producer() ||
              std::find(outs.begin(), outs.end(), v) != outs.end())
            return bad(w, ": output '", v->name(), "' is already defined (constant, input or another output)");
          outs.push_back(v);
        }
      }
      Attrs attrs;
      if (fn->attrs()) {
        for (const fb::Attr* fa : *fn->attrs()) {
          const std::string an = fa->name()->str();
          if (attrs.has(an)) return bad(w, ": attribute '", an, "' appears twice");
          NPUKIT_ASSIGN_OR_RETURN(AttrValue av, attr(fa, w));
          NPUKIT_RETURN_IF_ERROR(check_attr_kind(*info, an, av, w));
          attrs.set(an, std::move(av));
        }
      }
      auto node = g.add_node(info->kind, name, ins, outs, std::move(attrs));
      if (!node.ok()) return bad(w, ": ", node.status().message());
      (*node)->origin() = fstrs(fn->origin());
      if (fn->subgraphs()) {
        for (const fb::Subgraph* fs : *fn->subgraphs()) {
          const std::string key = fs->name()->str();
          if ((*node)->subgraphs().count(key)) return bad(w, ": subgraph '", key, "' appears twice");
          auto sub = std::make_unique<ir::Graph>();
          sub->set_parent(&g);
          NPUKIT_RETURN_IF_ERROR(graph(fs->graph(), *sub, depth + 1));
          (*node)->subgraphs()[key] = std::move(sub);
        }
      }
    }
  }
  // Outputs.
  std::vector<ir::Value*> outs;
  if (fg->outputs()) {
    for (const fb::ValueRef* r : *fg->outputs()) {
      NPUKIT_ASSIGN_OR_RETURN(ir::Value * v, resolve(*r, gw + " output " + std::to_string(outs.size())));
      outs.push_back(v);
    }
  }
  g.set_outputs(outs);
  return Status::Ok();
}

Status Reader::model(const fb::Model* fm, ir::Model& m) {
  m.ir_version = fm->ir_version();
  m.opset = fm->opset();
  if (fm->opset_imports()) {
    for (const fb::OpsetImport* o : *fm->opset_imports()) {
      if (!m.opset_imports.emplace(o->domain()->str(), o->version()).second)
        return bad("opset import of domain '", o->domain()->str(), "' appears twice");
    }
  }
  m.producer_name = fstr(fm->producer_name());
  m.producer_version = fstr(fm->producer_version());
  m.doc_string = fstr(fm->doc_string());
  if (fm->metadata()) {
    for (const fb::StringPair* p : *fm->metadata())
      if (!m.metadata.emplace(p->key()->str(), fstr(p->value())).second)
        return bad("metadata key '", p->key()->str(), "' appears twice");
  }
  m.source_path = fstr(fm->source_path());
  return graph(fm->graph(), m.graph, 0);
}

Box from_fb(const fb::Box& b) {
  Box out;
  out.rank = b.rank();
  for (int d = 0; d < kMaxBoxRank; ++d) {
    out.start[d] = b.start()->Get(d);
    out.size[d] = b.size()->Get(d);
  }
  return out;
}

Operand from_fb(const fb::Operand& o) {
  Operand out;
  out.role = static_cast<Role>(o.role());
  out.dtype = static_cast<DType>(o.dtype());
  out.addr = o.addr();
  out.box = from_fb(o.box());
  return out;
}

Expected<Program> Reader::program(const fb::Program* fp, size_t pi) const {
  Program p;
  const std::string pw = "program " + std::to_string(pi);
  if (fp->buffers()) {
    for (const fb::Buffer* fb_buf : *fp->buffers()) {
      DdrBuffer b;
      b.value = fstr(fb_buf->value());
      b.dtype = static_cast<DType>(fb_buf->dtype());
      // Shapes are checked again by validate_npk_model; checked here too so no later code sees a bad one.
      NPUKIT_ASSIGN_OR_RETURN(b.shape, read_shape(fb_buf->shape(), pw + " buffer '" + b.value + "'"));
      b.kind = static_cast<BufferKind>(fb_buf->kind());
      b.offset = fb_buf->offset();
      b.alias_of = fb_buf->alias_of();
      p.buffers.push_back(std::move(b));
    }
  }
  if (fp->commands()) {
    p.commands.reserve(fp->commands()->size());
    for (const fb::Command* fc : *fp->commands()) {
      Command c;
      c.op = static_cast<CmdOp>(fc->op());
      c.core = fc->core();
      c.layer = fc->layer();
      c.buffer = fc->buffer();
      c.box = from_fb(*fc->box());
      c.flags = fc->flags();
      c.part = fc->part();
      if (fc->srcs()) {
        c.srcs.reserve(fc->srcs()->size());
        for (const fb::Operand* o : *fc->srcs()) c.srcs.push_back(from_fb(*o));
      }
      c.dst = from_fb(*fc->dst());
      c.deps = fvec(fc->deps());
      p.commands.push_back(std::move(c));
    }
  }
  if (fp->function_calls()) {
    for (const fb::FunctionCall* f : *fp->function_calls())
      p.function_calls.push_back(FunctionCall{f->first_command(), f->num_commands(), f->estimated_us()});
  }
  p.arena_bytes = fp->arena_bytes();
  p.num_cores = fp->num_cores();
  p.sram_bytes_per_core = fp->sram_bytes_per_core();
  return p;
}

Expected<std::vector<IoDesc>> read_ios(const flatbuffers::Vector<Offset<fb::IoDesc>>* v, const char* kind) {
  std::vector<IoDesc> out;
  if (!v) return out;
  for (const fb::IoDesc* d : *v) {
    IoDesc io;
    io.name = fstr(d->name());
    io.dtype = static_cast<DType>(d->dtype());
    NPUKIT_ASSIGN_OR_RETURN(io.shape, read_shape(d->shape(), std::string(kind) + " '" + io.name + "'"));
    io.layout = fstr(d->layout());
    io.source = fstr(d->source());
    io.input_type = fstr(d->input_type());
    out.push_back(std::move(io));
  }
  return out;
}

struct Section {
  uint32_t kind = 0;
  uint64_t offset = 0, bytes = 0;
};

/// Checks the header, the section table and both CRCs; returns the metadata and weights sections.
Status parse_container(const std::vector<uint8_t>& bytes, Section* meta, Section* weights, NpkFileInfo* info) {
  const size_t n = bytes.size();
  const uint8_t* h = bytes.data();
  if (n < 4)
    return make_error(ErrorCode::kInvalidModel, "truncated .npk file: only ", n, " bytes (no room for the magic)");
  if (std::memcmp(h + kOffMagic, kMagic, 4) != 0)
    return make_error(ErrorCode::kInvalidModel, "not an .npk file: bad magic (expected \"NPUK\")");
  if (n < kFixedHeaderBytes)
    return make_error(ErrorCode::kInvalidModel, "truncated .npk file: ", n, " bytes, less than the ", kFixedHeaderBytes,
                      "-byte header");
  const uint32_t major = get_u32(h + kOffMajor);
  const uint32_t minor = get_u32(h + kOffMinor);
  if (major != kFormatMajor)
    return make_error(ErrorCode::kInvalidModel, "unsupported .npk format version ", major, ".", minor,
                      " (this npukit reads ", kFormatMajor, ".x)");
  const uint64_t file_bytes = get_u64(h + kOffFileBytes);
  if (file_bytes != n) {
    if (n < file_bytes)
      return make_error(ErrorCode::kInvalidModel, "truncated .npk file: the header says ", file_bytes,
                        " bytes, the file has ", n);
    return make_error(ErrorCode::kInvalidModel, "corrupted .npk file: the header says ", file_bytes,
                      " bytes, the file has ", n, " (trailing bytes)");
  }
  const uint32_t stored_crc = get_u32(h + kOffFileCrc);
  const uint32_t crc = file_crc(h, n);
  if (crc != stored_crc)
    return make_error(ErrorCode::kInvalidModel, "checksum mismatch: file is corrupted (stored CRC-32 ",
                      hex32(stored_crc), ", computed ", hex32(crc), ")");
  // From here on the bytes are as written (up to CRC collisions); the checks below guard against files
  // that were written wrongly or forged with a matching CRC.
  const uint32_t header_bytes = get_u32(h + kOffHeaderBytes);
  const uint32_t count = get_u32(h + kOffSectionCount);
  if (count > kMaxSections)
    return make_error(ErrorCode::kInvalidModel, ".npk header: ", count, " sections (at most ", kMaxSections, ")");
  const uint64_t table_end = kFixedHeaderBytes + uint64_t{count} * kSectionEntryBytes;
  if (header_bytes < table_end || header_bytes > n)
    return make_error(ErrorCode::kInvalidModel, ".npk header: header size ", header_bytes,
                      " does not hold the section table of ", count, " entries or exceeds the file (", n, " bytes)");
  std::vector<Section> sections;
  bool have_meta = false, have_weights = false;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* e = h + kFixedHeaderBytes + size_t{i} * kSectionEntryBytes;
    Section s{get_u32(e), get_u64(e + 8), get_u64(e + 16)};
    if (s.offset < header_bytes || s.offset > n || s.bytes > n - s.offset)
      return make_error(ErrorCode::kInvalidModel, ".npk section ", i, " (kind ", s.kind, "): bytes [", s.offset, ", +",
                        s.bytes, ") lie outside the file (", n, " bytes, header ", header_bytes, ")");
    if (s.kind == kSectionMetadata || s.kind == kSectionWeights) {
      bool& have = s.kind == kSectionMetadata ? have_meta : have_weights;
      if (have) return make_error(ErrorCode::kInvalidModel, ".npk section table: section kind ", s.kind, " twice");
      have = true;
      if (s.offset % kAlign != 0)
        return make_error(ErrorCode::kInvalidModel, ".npk section ", i, ": offset ", s.offset, " is not a multiple of ",
                          kAlign);
      *(s.kind == kSectionMetadata ? meta : weights) = s;
    }
    sections.push_back(s);
  }
  if (!have_meta || !have_weights)
    return make_error(ErrorCode::kInvalidModel, ".npk section table: missing the ", have_meta ? "weights" : "metadata",
                      " section");
  std::sort(sections.begin(), sections.end(), [](const Section& a, const Section& b) { return a.offset < b.offset; });
  for (size_t i = 1; i < sections.size(); ++i)
    if (sections[i - 1].offset + sections[i - 1].bytes > sections[i].offset)
      return make_error(ErrorCode::kInvalidModel, ".npk section table: sections of kind ", sections[i - 1].kind,
                        " and ", sections[i].kind, " overlap");
  const uint32_t stored_params = get_u32(h + kOffParamsCrc);
  const uint32_t params = crc_update(crc_update(0, nullptr, 0), h + weights->offset, weights->bytes);
  if (params != stored_params)
    return make_error(ErrorCode::kInvalidModel, "weights checksum mismatch: the weights section is corrupted ",
                      "(stored CRC-32 ", hex32(stored_params), ", computed ", hex32(params), ")");
  if (info) {
    info->format_major = major;
    info->format_minor = minor;
    info->file_bytes = n;
    info->file_crc32 = stored_crc;
    info->params_crc32 = stored_params;
    info->weights_bytes = weights->bytes;
  }
  return Status::Ok();
}

/// Checks the container and verifies the metadata FlatBuffer; returns its root.
Expected<const fb::NpkMeta*> open_container(const std::vector<uint8_t>& bytes, Section* meta, Section* weights,
                                            NpkFileInfo* info) {
  NPUKIT_RETURN_IF_ERROR(parse_container(bytes, meta, weights, info));
  const uint8_t* mp = bytes.data() + meta->offset;
  if (meta->bytes < 8 || meta->bytes >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return meta_error("section size ", meta->bytes, " is not a FlatBuffer size");
  // The table limit scales with the section (every table needs at least 4 bytes), so the verifier's
  // default of one million does not reject large programs.
  flatbuffers::Verifier verifier(mp, static_cast<size_t>(meta->bytes), /*max_depth=*/128,
                                 /*max_tables=*/static_cast<flatbuffers::uoffset_t>(meta->bytes / 4 + 1024));
  if (!fb::VerifyNpkMetaBuffer(verifier))
    return meta_error("not a valid FlatBuffer of the npk schema (corrupted, or written by a foreign tool)");
  return fb::GetNpkMeta(mp);
}

void collect_weights(const fb::Graph* g, std::vector<detail::WeightEntry>& out) {
  if (g->values())
    for (const fb::Value* v : *g->values())
      if (v->constant())
        out.push_back({"value '" + v->name()->str() + "'", v->constant()->offset(), v->constant()->size()});
  if (!g->nodes()) return;
  for (const fb::Node* n : *g->nodes()) {
    if (n->attrs())
      for (const fb::Attr* a : *n->attrs())
        if (a->kind() == fb::AttrKind::Tensor && a->t())
          out.push_back({"node '" + fstr(n->name()) + "' attribute '" + a->name()->str() + "'", a->t()->offset(),
                         a->t()->size()});
    if (n->subgraphs())
      for (const fb::Subgraph* s : *n->subgraphs()) collect_weights(s->graph(), out);
  }
}

}  // namespace

namespace detail {
Expected<std::vector<WeightEntry>> list_weights(const std::vector<uint8_t>& bytes) {
  Section meta, weights;
  NPUKIT_ASSIGN_OR_RETURN(const fb::NpkMeta* root, open_container(bytes, &meta, &weights, nullptr));
  std::vector<WeightEntry> out;
  collect_weights(root->model()->graph(), out);
  return out;
}

Expected<std::vector<uint8_t>> serialize_npk_unvalidated(const NpkModel& m, NpkFileInfo* info) {
  return file_detail::write_npk_bytes(m, info, false);
}
}  // namespace detail

Expected<std::vector<uint8_t>> serialize_npk(const NpkModel& m, NpkFileInfo* info) {
  Status st = m.model.graph.verify(true);
  if (!st.ok()) return make_error(ErrorCode::kInvalidModel, "cannot write .npk: graph check failed: ", st.message());
  st = validate_npk_model(m);
  if (!st.ok()) return st.with_context("cannot write .npk");
  auto bytes = file_detail::write_npk_bytes(m, info, true);
  if (!bytes.ok()) return bytes.status().with_context("cannot write .npk");
  return bytes;
}

Expected<NpkModel> deserialize_npk(const std::vector<uint8_t>& bytes, NpkFileInfo* info) {
  Section meta, weights;
  NpkFileInfo file_info;
  NPUKIT_ASSIGN_OR_RETURN(const fb::NpkMeta* root, open_container(bytes, &meta, &weights, &file_info));

  NpkModel m;
  m.model_name = fstr(root->model_name());
  m.npukit_version = fstr(root->npukit_version());
  m.march_name = fstr(root->march_name());
  m.march_yaml = fstr(root->march_yaml());
  m.compile_options_json = fstr(root->compile_options_json());
  m.preprocess_json = fstr(root->preprocess_json());
  Reader reader(bytes.data() + weights.offset, weights.bytes);
  NPUKIT_RETURN_IF_ERROR(reader.model(root->model(), m.model).with_context(".npk metadata"));
  if (root->segments()) {
    for (const fb::Segment* fs : *root->segments()) {
      Segment s;
      s.target = static_cast<Target>(fs->target());
      s.nodes = fvec(fs->nodes());
      s.inputs = fstrs(fs->inputs());
      s.outputs = fstrs(fs->outputs());
      s.program = fs->program();
      m.segments.push_back(std::move(s));
    }
  }
  if (root->programs()) {
    size_t pi = 0;
    for (const fb::Program* fp : *root->programs()) {
      auto p = reader.program(fp, pi++);
      if (!p.ok()) return p.status().with_context(".npk metadata");
      m.programs.push_back(std::move(p).value());
    }
  }
  if (root->placement()) {
    for (const fb::Placement* fp : *root->placement())
      m.placement.push_back(
          Placement{fstr(fp->node()), fstr(fp->op()), static_cast<Target>(fp->target()), fstr(fp->reason())});
  }
  auto ins = read_ios(root->inputs(), "input");
  if (!ins.ok()) return ins.status().with_context(".npk metadata");
  auto outs = read_ios(root->outputs(), "output");
  if (!outs.ok()) return outs.status().with_context(".npk metadata");
  m.inputs = std::move(ins).value();
  m.outputs = std::move(outs).value();

  Status st = validate_npk_model(m);
  if (!st.ok()) return st.with_context(".npk model");
  st = m.model.graph.verify(true);
  if (!st.ok()) return make_error(ErrorCode::kInvalidModel, ".npk graph check failed: ", st.message());
  if (info) *info = file_info;
  return m;
}

Status write_npk(const NpkModel& m, const std::string& path, NpkFileInfo* info) {
  NPUKIT_ASSIGN_OR_RETURN(auto bytes, serialize_npk(m, info));
  return atomic_write_file(path, std::string(bytes.begin(), bytes.end()));
}

Expected<NpkModel> read_npk(const std::string& path, NpkFileInfo* info) {
  NPUKIT_ASSIGN_OR_RETURN(std::string data, read_file(path));
  std::vector<uint8_t> bytes(data.begin(), data.end());
  data.clear();
  data.shrink_to_fit();
  auto m = deserialize_npk(bytes, info);
  if (!m.ok()) return m.status().with_context(path);
  return m;
}

}  // namespace npukit::npk
